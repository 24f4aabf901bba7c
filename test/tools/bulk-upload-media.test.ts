import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeApp, TOKEN } from '../transports/http/upload-app'

/** bulk_upload_media after POST /api/upload, through the HTTP app (the staged paths come from a real upload). */


describe('bulk_upload_media', () => {
  test('a project file (no run) goes into files/{relative_path}/ under its staged name', async () => {
    const { dir, upload, media } = makeApp()
    const [path] = ((await (await upload([['w.bin', 'W']])).json()) as any).paths
    const r = await media([{ project: 'p', run: null, run_id: null, step: null, relative_path: 'ckpt', uploaded_file: { path } }])
    expect(r.status).toBe(200)
    const folder = join(dir, 'media', 'p', 'files', 'ckpt')
    expect(readdirSync(folder)).toEqual([path.split('/').pop()])
  })
  test('every entry is checked before any is claimed: a bad one leaves the others staged', async () => {
    const { dir, upload, media, entry, uploads } = makeApp()
    const [a, b] = ((await (await upload([['a.png', 'A'], ['b.png', 'B']])).json()) as any).paths
    const cases: [unknown[], number, string][] = [
      [[entry(a), entry(b, { run: '../x' })], 400, "uploads[1]: run name"],
      [[entry(a), { ...entry(b), uploaded_file: {} }], 400, 'Expected uploaded file metadata with a valid path.'],
      [[entry(a), { ...entry(b), uploaded_file: null }], 400, 'Expected uploaded file metadata with a valid path.'],
      [[entry(a), entry('/tmp/elsewhere.png')], 400, 'Uploaded file was not created by this Trackio server.'],
      [[entry(a), entry(a)], 400, 'a path is repeated'],
      [[entry(a, { step: 1.5 })], 400, "uploads.0.step"],
      [[entry(a, { project: 5 })], 400, "uploads.0.project"],
    ]
    for (const [list, status, msg] of cases) {
      const r = await media(list)
      expect(r.status).toBe(status)
      expect(r.json.error).toContain(msg)
    }
    expect(uploads.count).toBe(2)
    expect(existsSync(join(dir, 'media'))).toBe(false)
    expect((await media([entry(a), entry(b, { step: 2, uploaded_file: { path: b, orig_name: 'sub\\dir\\b.png' } })])).status).toBe(200)
    expect(readFileSync(join(dir, 'media', 'p', 'r', '0', 'a.png'), 'utf8')).toBe('A')
    expect(readFileSync(join(dir, 'media', 'p', 'r', '2', 'b.png'), 'utf8')).toBe('B')
    expect(uploads.count).toBe(0)
    expect(existsSync(a)).toBe(false)
  })
  test('needs the write token; missing hf_token is a 400 as in Trackio', async () => {
    const { upload, call, entry, media, uploads } = makeApp()
    const [a] = ((await (await upload([['a.png', 'A']])).json()) as any).paths
    expect((await media([entry(a)], {})).status).toBe(401)
    const r = await call('bulk_upload_media', { uploads: [entry(a)] })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('hf_token')
    expect(uploads.count).toBe(1)
    uploads.close()
  })
})
