import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_artifact_consumers', 'artifacts-expected.json')

test('an unknown project has no consumers; version_id must be an integer', async () => {
  expect((await call('get_artifact_consumers', { project: 'nope', version_id: 1 })).json).toEqual({ data: [] })
  const r = await call('get_artifact_consumers', { project: 'nope', version_id: '1 OR 1=1' })
  expect(r.status).toBe(400)
  expect(r.json.error).toContain('version_id')
})
