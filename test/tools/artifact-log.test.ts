import { describe, expect, test } from 'bun:test'
import { artifactLab, sha } from './artifact-helpers'

const T = { 'x-trackio-write-token': 'test-token' }
const lab = artifactLab()
const { dir, seed } = lab

const log = (body: Record<string, unknown>) =>
  lab.app.call('artifact_log', { kwargs: { project: 'p', type: 'model', description: null, metadata: {}, aliases: [], run_name: 'r1', run_id: 'id1', hf_token: null, ...body } }, T)

describe('artifact_log refuses bad input with Trackio\'s message and writes nothing', () => {
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


  test('nothing was written by the refused calls', async () => {
    expect((await lab.app.call('list_artifacts', { project: 'p' })).json.data).toEqual([])
  })
})

test('metadata {} is stored as null, a non-empty one as given', async () => {
  const a = seed('p', 'x')
  const r = await log({ name: 'meta', manifest: [{ path: 'x', digest: a.digest, size: a.size }], metadata: {} })
  expect(r.json.data.metadata).toBeNull()
  const b = await log({ name: 'meta', manifest: [{ path: 'x', digest: a.digest, size: a.size }], metadata: { lr: 0.1 } })
  expect(b.json.data.metadata).toEqual({ lr: 0.1 })
})
