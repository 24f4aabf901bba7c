import { Database } from 'bun:sqlite'
import { beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blobPath } from '../../../src/storage/read/artifact-blobs'
import { storeBlobFromFile } from '../../../src/storage/write/artifact-blobs'
import { inProcessApp, tempDir } from '../../helpers'
import { py } from '../../tools/oracle'

const T = { 'x-trackio-write-token': 'test-token' }
let dir: string
let app: Awaited<ReturnType<typeof inProcessApp>>

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

/** Put bytes in the project's blob store the way bulk_upload_artifact_blob does (a staged file, verified). */
function seed(project: string, bytes: string): { digest: string; size: number } {
  const src = join(tempDir(), 'f')
  writeFileSync(src, bytes)
  const digest = sha(bytes)
  storeBlobFromFile(dir, project, digest, src)
  return { digest, size: Buffer.byteLength(bytes) }
}

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

describe('blob store', () => {
  test('a blob whose bytes do not hash to the claimed digest is refused and leaves nothing', () => {
    const src = join(tempDir(), 'f')
    writeFileSync(src, 'hello')
    const wrong = sha('other')
    expect(() => storeBlobFromFile(dir, 'p', wrong, src)).toThrow(/Digest mismatch: claimed [0-9a-f]{64}, computed [0-9a-f]{64}/)
    expect(existsSync(blobPath(dir, 'p', wrong))).toBe(false)
    expect(readdirSync(join(dir, 'artifacts', 'p', 'blobs', 'sha256', wrong.slice(0, 2)))).toEqual([])
  })

  test('stored at artifacts/{canonical}/blobs/sha256/{2 hex}/{digest}', () => {
    const { digest } = seed('My Project!', 'abc')
    const path = join(dir, 'artifacts', 'MyProject', 'blobs', 'sha256', digest.slice(0, 2), digest)
    expect(readFileSync(path, 'utf8')).toBe('abc')
  })

  test('a digest that is not 64 lowercase hex never becomes a path', () => {
    for (const d of ['../../etc/passwd', 'A'.repeat(64), 'ab', '']) expect(() => blobPath(dir, 'p', d)).toThrow()
  })
})

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

  const bad: [string, Record<string, unknown>, string][] = [
    ['name with a slash', { name: '../x', manifest: [] }, `Artifact name '../x' must match`],
    ['empty type', { name: 'ok', type: '', manifest: [] }, 'Artifact type must be a non-empty string'],
    ['reserved alias', { name: 'ok', aliases: ['v2'], manifest: [] }, `Alias 'v2' is reserved`],
    ['empty manifest', { name: 'ok', manifest: [] }, 'Artifact manifest must be a non-empty list of entries.'],
    ['.. in a path', { name: 'ok', manifest: [{ path: 'a/../b', digest: 'x'.repeat(64), size: 1 }] }, `Invalid artifact path 'a/../b'`],
    ['absolute path', { name: 'ok', manifest: [{ path: '/etc/passwd', digest: 'x'.repeat(64), size: 1 }] }, 'must be relative'],
    ['bad digest', { name: 'ok', manifest: [{ path: 'a', digest: 'x', size: 1 }] }, `Invalid sha256 digest: 'x'`],
    ['negative size', { name: 'ok', manifest: [{ path: 'a', digest: sha('a'), size: -1 }] }, 'invalid size: -1'],
    ['file and directory', { name: 'ok', manifest: [{ path: 'a', digest: sha('a'), size: 1 }, { path: 'a/b', digest: sha('a'), size: 1 }] }, "collides with 'a'"],
    ['reference without scheme', { name: 'ok', manifest: [{ path: 'a', digest: 'e', size: 1, ref: 'no-scheme' }] }, 'a scheme is required'],
    ['manifest not a list', { name: 'ok', manifest: 'x' }, "'manifest'"],
  ]
  for (const [what, body, message] of bad)
    test(`400 for ${what}`, async () => {
      const r = await log(body)
      expect(r.status).toBe(400)
      expect(r.json.error).toContain(message)
    })

  test('a different type for an existing name is refused', async () => {
    const a = seed('p', 'weights-a')
    const r = await log({ name: 'm', type: 'dataset', manifest: [{ path: 'w', digest: a.digest, size: a.size }] })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("Artifact 'm' already exists with type 'model'; cannot relog with type 'dataset'.")
  })
})

describe('log_artifact_use', () => {
  test('records one input link per run and version; an unknown version is 404', async () => {
    const use = (version_id: unknown, run_name = 'r2') => app.call('log_artifact_use', { kwargs: { project: 'p', version_id, run_name, run_id: 'id2', hf_token: null } }, T)
    expect((await use(1)).json).toEqual({ data: null })
    expect((await use(1)).json).toEqual({ data: null })
    const consumers = await app.call('get_artifact_consumers', { project: 'p', version_id: 1 })
    expect(consumers.json.data.map((c: { run_id: string }) => c.run_id)).toEqual(['id2'])
    const missing = await use(999)
    expect(missing.status).toBe(404)
    expect((await use('1; DROP TABLE artifacts')).status).toBe(400)
    const runArts = await app.call('get_run_artifacts', { project: 'p', run_id: 'id2' })
    expect(runArts.json.data.input.map((i: { name: string }) => i.name)).toEqual(['m'])
  })
})

describe('check_artifact_blobs', () => {
  test('answers the stored digests in request order; a bad digest is 400', async () => {
    const a = seed('p', 'weights-a')
    const missing = sha('missing')
    const r = await app.call('check_artifact_blobs', { kwargs: { project: 'p', digests: [missing, a.digest], hf_token: null } }, T)
    expect(r.json).toEqual({ data: { present: [a.digest] } })
    const bad = await app.call('check_artifact_blobs', { kwargs: { project: 'p', digests: ['../../x'] } }, T)
    expect(bad.status).toBe(400)
    expect(bad.json.error).toBe("Invalid sha256 digest: '../../x'")
  })
})

describe('GET /artifact_blob/{project}/{digest}', () => {
  const get = (path: string) => app.app.handle(new Request(`http://localhost${path}`))
  test('serves a stored blob, 404 JSON otherwise', async () => {
    const a = seed('p', 'weights-a')
    const r = await get(`/artifact_blob/p/${a.digest}`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/octet-stream')
    expect(await r.text()).toBe('weights-a')
    for (const path of [`/artifact_blob/p/${sha('nope')}`, '/artifact_blob/p/..%2F..%2Fp.db', `/artifact_blob/..%2F..%2Fetc/${a.digest}`, '/artifact_blob/p/ABC']) {
      const x = await get(path)
      expect(x.status).toBe(404)
      expect(await x.json()).toEqual({ error: 'Not found' })
    }
  })
})
