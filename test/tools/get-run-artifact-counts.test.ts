import { beforeAll, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(tempDir()))
})

describeTrackioAnswers('get_run_artifact_counts', 'artifacts-expected.json')

test('an unknown project has no counts', async () => {
  expect((await call('get_run_artifact_counts', { project: 'nope' })).json).toEqual({ data: [] })
})
