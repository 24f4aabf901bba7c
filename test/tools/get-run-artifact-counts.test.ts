import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_run_artifact_counts', 'artifacts-expected.json')

test('an unknown project has no counts', async () => {
  expect((await call('get_run_artifact_counts', { project: 'nope' })).json).toEqual({ data: [] })
})
