import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeApp, TOKEN } from './upload-app'

describe('POST /api/upload', () => {
  test('several files in one form; answers their staged paths in order', async () => {
    const { upload, uploads } = makeApp()
    const r = await upload([['a.png', 'A'], ['b.wav', 'BB']])
    expect(r.status).toBe(200)
    const { paths } = (await r.json()) as { paths: string[] }
    expect(paths.map((p) => readFileSync(p, 'utf8'))).toEqual(['A', 'BB'])
    expect(paths[1]).toEndWith('.wav')
    expect(uploads.count).toBe(2)
    uploads.close()
  })
  test('needs the write token (401 without, 403 wrong); nothing is staged', async () => {
    const { upload, uploads } = makeApp()
    expect((await upload([['a.png', 'A']], {})).status).toBe(401)
    const wrong = await upload([['a.png', 'A']], { 'x-trackio-write-token': 'nope' })
    expect(wrong.status).toBe(403)
    expect(((await wrong.json()) as any).error).toContain('write token')
    expect(uploads.count).toBe(0)
  })
  test('not multipart, or a text field named files, is a 400; other fields are ignored', async () => {
    const { app, upload, uploads } = makeApp()
    const json = await app.handle(new Request('http://localhost/api/upload', { method: 'POST', headers: { 'x-trackio-write-token': TOKEN, 'content-type': 'application/json' }, body: '{}' }))
    expect(json.status).toBe(400)
    expect(((await json.json()) as any).error).toContain('multipart/form-data')
    const form = new FormData()
    form.append('files', 'just text')
    const text = await app.handle(new Request('http://localhost/api/upload', { method: 'POST', headers: { 'x-trackio-write-token': TOKEN }, body: form }))
    expect(text.status).toBe(400)
    expect(((await text.json()) as any).error).toContain('files[0]')
    const other = await upload([['a.png', 'A']], undefined, 'other')
    expect(await other.json()).toEqual({ paths: [] })
    expect(uploads.count).toBe(0)
  })
  test('a body over the limit is a 413 JSON error and nothing is staged', async () => {
    const { upload, uploads } = makeApp(1000)
    const r = await upload([['big.bin', 'x'.repeat(2000)]])
    expect(r.status).toBe(413)
    expect(((await r.json()) as any).error).toContain('too large')
    expect(uploads.count).toBe(0)
  })
})
