import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../helpers'

const TOKEN = 'test-token'
const H = { 'content-type': 'application/json', 'x-trackio-write-token': TOKEN }
const BYTES = new TextEncoder().encode('weights'.repeat(1000))
const DIGEST = createHash('sha256').update(BYTES).digest('hex')

/** Stage files through POST /api/upload, as the Python client does before bulk_upload_artifact_blob. */
async function stage(app: Awaited<ReturnType<typeof inProcessApp>>['app'], ...files: Uint8Array[]): Promise<string[]> {
  const form = new FormData()
  for (const f of files) form.append('files', new File([f], DIGEST))
  const r = await app.handle(new Request('http://127.0.0.1/api/upload', { method: 'POST', headers: { 'x-trackio-write-token': TOKEN }, body: form }))
  return ((await r.json()) as { paths: string[] }).paths
}

describe('bulk_upload_artifact_blob', () => {
  test('a staged file whose bytes do not match its digest is refused, deleted, and stores nothing', async () => {
    const dir = tempDir()
    const { app, call } = await inProcessApp(dir, TOKEN)
    const form = new FormData()
    form.append('files', new File([new TextEncoder().encode('tampered')], DIGEST))
    const staged = ((await (await app.handle(new Request('http://127.0.0.1/api/upload', { method: 'POST', headers: { 'x-trackio-write-token': TOKEN }, body: form }))).json()) as { paths: string[] }).paths
    const r = await call('bulk_upload_artifact_blob', { kwargs: { project: 'artifact', uploads: [{ project: 'artifact', digest: DIGEST, uploaded_file: { path: staged[0] } }], hf_token: null } }, H)
    expect(r.status).toBe(400)
    expect(r.json.error).toStartWith(`Digest mismatch: claimed ${DIGEST}, computed `)
    expect(existsSync(staged[0]!)).toBe(false)
    expect(readdirSync(join(dir, 'artifacts', 'artifact', 'blobs', 'sha256', DIGEST.slice(0, 2)))).toEqual([])
    // a path the server did not stage is never read
    const foreign = await call('bulk_upload_artifact_blob', { kwargs: { project: 'artifact', uploads: [{ digest: DIGEST, uploaded_file: { path: '/etc/passwd' } }] } }, H)
    expect(foreign.status).toBe(400)
    expect(foreign.json.error).toBe('Uploaded file was not created by this Trackio server.')
    const noToken = await call('bulk_upload_artifact_blob', { kwargs: { project: 'artifact', uploads: [] } })
    expect(noToken.status).toBe(401)
  })
  test('every staged file is claimed before any is written: a bad entry later in the list stores nothing and deletes all', async () => {
    const dir = tempDir()
    const { app, call } = await inProcessApp(dir, TOKEN)
    const [good, bad] = await stage(app, BYTES, new TextEncoder().encode('other'))
    const r = await call('bulk_upload_artifact_blob', { kwargs: { project: 'p', uploads: [{ digest: DIGEST, uploaded_file: { path: good } }, { digest: 'nothex', uploaded_file: { path: bad } }] } }, H)
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("Invalid sha256 digest: 'nothex'")
    expect(existsSync(join(dir, 'artifacts'))).toBe(false)
    // a staged file can be claimed once
    const [once] = await stage(app, BYTES)
    expect((await call('bulk_upload_artifact_blob', { kwargs: { project: 'p', uploads: [{ digest: DIGEST, uploaded_file: { path: once } }] } }, H)).status).toBe(200)
    const again = await call('bulk_upload_artifact_blob', { kwargs: { project: 'p', uploads: [{ digest: DIGEST, uploaded_file: { path: once } }] } }, H)
    expect(again.json.error).toBe('Uploaded file was not created by this Trackio server.')
    expect(readdirSync(join(dir, 'artifacts', 'p', 'blobs', 'sha256', DIGEST.slice(0, 2)))).toEqual([DIGEST])
  })

  test('a missing path is Trackio\'s 400', async () => {
    const { call } = await inProcessApp(tempDir(), TOKEN)
    const r = await call('bulk_upload_artifact_blob', { kwargs: { project: 'p', uploads: [{ digest: DIGEST, uploaded_file: {} }] } }, H)
    expect(r.status).toBe(400)
    expect(r.json.error).toBe('Expected uploaded file metadata with a valid path.')
  })
})
