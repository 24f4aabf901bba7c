import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_run_configs', 'read-endpoints-expected.json')

test('an unknown project has no configs', async () => {
  expect((await call('get_run_configs', { project: 'nope' })).text).toBe('{"data":{}}')
})
