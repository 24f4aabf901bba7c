import { beforeAll, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(tempDir()))
})

describeTrackioAnswers('get_run_configs', 'read-endpoints-expected.json')

test('an unknown project has no configs', async () => {
  expect((await call('get_run_configs', { project: 'nope' })).text).toBe('{"data":{}}')
})
