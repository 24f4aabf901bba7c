import { beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES, inProcessApp, tempDir } from '../../helpers'

/**
 * Our artifact reads on a project the real Trackio library wrote (test/fixtures/artifacts) answer
 * exactly what Trackio's own server functions answered on the same files (artifacts-expected.json).
 */
const expected = JSON.parse(readFileSync(join(FIXTURES, 'artifacts-expected.json'), 'utf8')) as Record<string, { args: Record<string, unknown>; data: unknown }>
let call: Awaited<ReturnType<typeof inProcessApp>>['call']
let dir: string

beforeAll(async () => {
  dir = tempDir()
  cpSync(join(FIXTURES, 'artifacts'), dir, { recursive: true })
  ;({ call } = await inProcessApp(dir))
})

describe('artifact reads match Trackio on a Trackio-written project', () => {
  for (const [key, { args, data }] of Object.entries(expected)) {
    test(key, async () => {
      const r = await call(key.split('/')[0]!, { kwargs: args })
      expect(r.status).toBe(200)
      expect(r.json.data).toEqual(data)
    })
  }

  test('metadata integers beyond 2^53 come back exact', async () => {
    const r = await call('get_artifact_manifest', { project: 'arts', name: 'dataset-a' })
    expect(r.text).toContain('"big":1152921504606846976')
    expect(r.text).toContain('"ratio":0.5')
  })

  test('a reference entry keeps its ref and needs no blob', async () => {
    const r = await call('get_artifact_manifest', { project: 'arts', name: 'dataset-a', spec: 'golden' })
    const ref = r.json.data.manifest.find((e: { path: string }) => e.path === 'raw/ref.txt')
    expect(ref.ref).toStartWith('file://')
  })

  test('unknown project: empty answers, null manifest', async () => {
    expect((await call('list_artifacts', { project: 'nope' })).json).toEqual({ data: [] })
    expect((await call('get_artifacts', { project: 'nope' })).json).toEqual({ data: [] })
    expect((await call('get_artifact_manifest', { project: 'nope', name: 'x' })).json).toEqual({ data: null })
    expect((await call('get_run_artifacts', { project: 'nope', run: 'x' })).json).toEqual({ data: { input: [], output: [] } })
    expect((await call('get_run_artifact_counts', { project: 'nope' })).json).toEqual({ data: [] })
    expect((await call('get_artifact_consumers', { project: 'nope', version_id: 1 })).json).toEqual({ data: [] })
    expect((await call('get_artifact_lineage', { project: 'nope', version_id: 1 })).json).toEqual({ data: { focus: 'art:1', truncated: false, nodes: [], edges: [] } })
  })

  test('bad version_id is a 400 naming the field', async () => {
    const r = await call('get_artifact_lineage', { project: 'arts', version_id: 'abc' })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('version_id')
  })
})
