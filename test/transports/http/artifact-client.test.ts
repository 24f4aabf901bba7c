import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../../helpers'

/**
 * The requests Trackio 0.36's Python client sends for `trackio.log_artifact(path)` followed by
 * `trackio.use_artifact(name)` in server_url mode, byte for byte as captured against Trackio's own
 * server (client.py artifact), with Trackio's answers: CI replays them without the Trackio repository.
 */
const TOKEN = 'test-token'
const RUN_ID = '017607361a5a4648ac16191318701623'
const BYTES = new TextEncoder().encode('weights'.repeat(1000))
const DIGEST = createHash('sha256').update(BYTES).digest('hex')

/** The Python client's headers: httpx with a JSON body and the write-token header. */
const H = { 'content-type': 'application/json', 'x-trackio-write-token': TOKEN, 'user-agent': 'python-httpx/0.27.0' }

describe('trackio.log_artifact + use_artifact, as the Python client sends them', () => {
  test('the whole sequence stores the blob, the version and both links, and answers as Trackio does', async () => {
    const dir = tempDir()
    const { app, call } = await inProcessApp(dir, TOKEN)
    const get = (path: string) => app.handle(new Request(`http://127.0.0.1${path}`, { headers: { 'x-trackio-write-token': TOKEN } }))

    expect(((await (await get('/version')).json()) as { api_version: number }).api_version).toBe(1)
    expect((await call('get_runs_for_project', '{"args": [], "kwargs": {"project": "artifact"}}', H)).text).toBe('{"data":[]}')

    // 1. which blobs does the server already have?
    const check = await call('check_artifact_blobs', `{"args": [], "kwargs": {"project": "artifact", "digests": ["${DIGEST}"], "hf_token": null}}`, H)
    expect(check.text).toBe('{"data":{"present":[]}}')

    // 2. the missing file, staged by a multipart upload (httpx names the part after the local blob file: the digest)
    const form = new FormData()
    form.append('files', new File([BYTES], DIGEST))
    const up = await app.handle(new Request('http://127.0.0.1/api/upload', { method: 'POST', headers: { 'x-trackio-write-token': TOKEN }, body: form }))
    expect(up.status).toBe(200)
    const staged = ((await up.json()) as { paths: string[] }).paths
    expect(staged).toHaveLength(1)

    // 3. commit the staged file as a blob, verified against its digest
    const blob = await call(
      'bulk_upload_artifact_blob',
      `{"args": [], "kwargs": {"project": "artifact", "uploads": [{"project": "artifact", "digest": "${DIGEST}", "uploaded_file": {"path": ${JSON.stringify(staged[0])}, "orig_name": "${DIGEST}", "meta": {"_type": "gradio.FileData"}}}], "hf_token": null}}`,
      H,
    )
    expect(blob.text).toBe('{"data":null}')
    expect(existsSync(staged[0]!)).toBe(false)
    const stored = join(dir, 'artifacts', 'artifact', 'blobs', 'sha256', DIGEST.slice(0, 2), DIGEST)
    expect(new Uint8Array(await Bun.file(stored).arrayBuffer())).toEqual(BYTES)

    // 4. the version
    const logged = await call(
      'artifact_log',
      `{"args": [], "kwargs": {"project": "artifact", "name": "my-model", "type": "model", "description": null, "metadata": {}, "manifest": [{"path": "model.bin", "digest": "${DIGEST}", "size": 7000}], "aliases": [], "run_name": "r1", "run_id": "${RUN_ID}", "hf_token": null}}`,
      H,
    )
    expect(logged.status).toBe(200)
    // Trackio's answer, with its created_at replaced by ours
    const created = logged.json.data.created_at as string
    expect(created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/)
    expect(logged.text).toBe(
      `{"data":{"artifact_id":1,"version_id":1,"version":0,"name":"my-model","type":"model","description":null,"manifest":[{"path":"model.bin","digest":"${DIGEST}","size":7000}],"manifest_digest":"06d70bc9e63fec86c954bb3fac48c6b7c7ada634bab9670f259727d3296f6bb4","metadata":null,"size_bytes":7000,"producer_run_id":"${RUN_ID}","producer_run_name":"r1","created_at":"${created}","aliases":["latest"]}}`,
    )

    // 5. use_artifact: the manifest by name (spec null = latest), then the consumer link
    const manifest = await call('get_artifact_manifest', '{"args": [], "kwargs": {"project": "artifact", "name": "my-model", "spec": null}}', H)
    expect(manifest.text).toBe(logged.text)
    const use = await call('log_artifact_use', `{"args": [], "kwargs": {"project": "artifact", "version_id": 1, "run_name": "r1", "run_id": "${RUN_ID}", "hf_token": null}}`, H)
    expect(use.text).toBe('{"data":null}')

    // 6. the run's metrics arrive afterwards
    const bulk = await call(
      'bulk_log',
      `{"args": [], "kwargs": {"logs": [{"project": "artifact", "run": "r1", "run_id": "${RUN_ID}", "metrics": {"loss": 0.5}, "step": 0, "config": {"_Username": null, "_Created": "2026-12-02T10:36:33.324292+00:00", "_Group": null}, "log_id": "f174b7be7cf04873981dd59f4f154297"}], "hf_token": null}}`,
      H,
    )
    expect(bulk.text).toBe('{"data":null}')

    // Read back: the run, its links, and the blob bytes through GET /artifact_blob
    expect((await call('get_runs_for_project', { project: 'artifact' })).json.data.map((r: { id: string }) => r.id)).toEqual([RUN_ID])
    const links = (await call('get_run_artifacts', { project: 'artifact', run: 'r1' })).json.data
    expect([links.input.length, links.output.length]).toEqual([1, 1])
    const dl = await get(`/artifact_blob/artifact/${DIGEST}`)
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(BYTES)

    // Logging the same file again: the blob is reported present, so the client uploads nothing
    const again = await call('check_artifact_blobs', `{"args": [], "kwargs": {"project": "artifact", "digests": ["${DIGEST}"], "hf_token": null}}`, H)
    expect(again.text).toBe(`{"data":{"present":["${DIGEST}"]}}`)
  })

})
