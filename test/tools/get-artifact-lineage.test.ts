import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_artifact_lineage', 'artifacts-expected.json')

test('an unknown project: an empty graph around the focus; a bad version_id is a 400 naming it', async () => {
  expect((await call('get_artifact_lineage', { project: 'nope', version_id: 1 })).json).toEqual({ data: { focus: 'art:1', truncated: false, nodes: [], edges: [] } })
  const r = await call('get_artifact_lineage', { project: 'nope', version_id: 'abc' })
  expect(r.status).toBe(400)
  expect(r.json.error).toContain('version_id')
})
