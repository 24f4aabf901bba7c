import { beforeAll, describe, expect, test } from 'bun:test'
import { artifactLab, sha } from './artifact-helpers'

const T = { 'x-trackio-write-token': 'test-token' }
const lab = artifactLab()
const { dir, seed } = lab

beforeAll(async () => {
  const a = seed('p', 'weights-a')
  const r = await lab.app.call('artifact_log', { project: 'p', name: 'm', type: 'model', manifest: [{ path: 'w', digest: a.digest, size: a.size }], run_name: 'r1', run_id: 'id1' }, T)
  expect(r.status).toBe(200)
})

describe('log_artifact_use', () => {
  test('records one input link per run and version; an unknown version is 404', async () => {
    const use = (version_id: unknown, run_name = 'r2') => lab.app.call('log_artifact_use', { kwargs: { project: 'p', version_id, run_name, run_id: 'id2', hf_token: null } }, T)
    expect((await use(1)).json).toEqual({ data: null })
    expect((await use(1)).json).toEqual({ data: null })
    const consumers = await lab.app.call('get_artifact_consumers', { project: 'p', version_id: 1 })
    expect(consumers.json.data.map((c: { run_id: string }) => c.run_id)).toEqual(['id2'])
    const missing = await use(999)
    expect(missing.status).toBe(404)
    expect((await use('1; DROP TABLE artifacts')).status).toBe(400)
    const runArts = await lab.app.call('get_run_artifacts', { project: 'p', run_id: 'id2' })
    expect(runArts.json.data.input.map((i: { name: string }) => i.name)).toEqual(['m'])
  })
})
