import { Database } from 'bun:sqlite'
import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../../helpers'
import { seedBlob, sha } from '../../tools/artifact-helpers'
import { py } from '../../tools/oracle'

const T = { 'x-trackio-write-token': 'test-token' }
let dir: string
let app: Awaited<ReturnType<typeof inProcessApp>>

const seed = (project: string, bytes: string) => seedBlob(dir, project, bytes)

/** artifact_log as the Python client sends it; `"BIG"` in the body stands for 2^64-1 (JS cannot spell it). */
const log = (body: Record<string, unknown>, headers: Record<string, string> = T) =>
  app.call(
    'artifact_log',
    JSON.stringify({ kwargs: { project: 'p', type: 'model', description: null, metadata: {}, aliases: [], run_name: 'r1', run_id: 'id1', hf_token: null, ...body } }).replace(
      '"BIG"',
      '18446744073709551615',
    ),
    headers,
  )

beforeAll(async () => {
  dir = tempDir()
  app = await inProcessApp(dir)
})

/** commitArtifactVersion through artifact_log: the tables as Trackio writes them. */
describe('artifact_log', () => {
  test('needs the write token', async () => {
    const r = await log({ name: 'm', manifest: [] }, {})
    expect(r.status).toBe(401)
  })

  test('refuses a manifest whose blobs are not stored', async () => {
    const r = await log({ name: 'm', manifest: [{ path: 'a.bin', digest: sha('never uploaded'), size: 14 }] })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe(`Manifest references blobs not on server: ['${sha('never uploaded')}']`)
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
  })

  test('creates the project, version 0, latest, and the producer link; digest as Trackio computes it', async () => {
    const a = seed('p', 'weights-a')
    const b = seed('p', 'ü-data')
    const manifest = [
      { path: 'sub/z.bin', digest: b.digest, size: b.size },
      { path: 'a.bin', digest: a.digest, size: a.size },
      { path: 'ext/data.tgz', digest: 'etag-123', size: 10, ref: 's3://bucket/data.tgz' },
    ]
    const r = await log({ name: 'm', manifest, metadata: { lr: 0.001, steps: 3, big: 'BIG' } })
    expect(r.status).toBe(200)
    const d = r.json.data
    expect(d).toMatchObject({ artifact_id: 1, version_id: 1, version: 0, name: 'm', type: 'model', producer_run_id: 'id1', producer_run_name: 'r1', aliases: ['latest'], size_bytes: a.size + b.size + 10 })
    expect(d.manifest.map((e: { path: string }) => e.path)).toEqual(['a.bin', 'ext/data.tgz', 'sub/z.bin'])
    const pyDigest = py(
      `m = json.loads(sys.argv[1]); m.sort(key=lambda e: e['path'])
import hashlib; print(hashlib.sha256(json.dumps(m, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()).hexdigest(), end='')`,
      JSON.stringify(manifest),
    )
    expect(d.manifest_digest).toBe(pyDigest)
    expect(r.text).toContain('"metadata":{"lr":0.001,"steps":3,"big":18446744073709551615}')
    const db = new Database(join(dir, 'p.db'), { readonly: true })
    expect(db.query('SELECT manifest FROM artifact_versions').get()).toEqual({
      manifest: `[{"path":"a.bin","digest":"${a.digest}","size":${a.size}},{"path":"ext/data.tgz","digest":"etag-123","size":10,"ref":"s3://bucket/data.tgz"},{"path":"sub/z.bin","digest":"${b.digest}","size":${b.size}}]`,
    })
    expect(db.query("SELECT run_id, run_name, artifact_version_id, direction FROM run_artifact_links").all()).toEqual([
      { run_id: 'id1', run_name: 'r1', artifact_version_id: 1, direction: 'output' },
    ])
    db.close()
  })

  test('the same files again reuse the version; new files make v1 and move latest; aliases never move back', async () => {
    const a = seed('p', 'weights-a')
    const same = await log({ name: 'm2', manifest: [{ path: 'w', digest: a.digest, size: a.size }], aliases: ['best'] })
    expect(same.json.data).toMatchObject({ version: 0, aliases: ['latest', 'best'] })
    const c = seed('p', 'weights-c')
    const v1 = await log({ name: 'm2', manifest: [{ path: 'w', digest: c.digest, size: c.size }] })
    expect(v1.json.data).toMatchObject({ version: 1, aliases: ['latest'] })
    const again = await log({ name: 'm2', manifest: [{ path: 'w', digest: a.digest, size: a.size }], aliases: ['best'], metadata: { note: 'x' } })
    expect(again.json.data).toMatchObject({ version: 0, aliases: ['best'], metadata: { note: 'x' } })
    const latest = await app.call('get_artifact_manifest', { project: 'p', name: 'm2' })
    expect(latest.json.data.version).toBe(1)
  })

  test('a different type for an existing name is refused', async () => {
    const a = seed('p', 'weights-a')
    const r = await log({ name: 'm', type: 'dataset', manifest: [{ path: 'w', digest: a.digest, size: a.size }] })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("Artifact 'm' already exists with type 'model'; cannot relog with type 'dataset'.")
  })
})

