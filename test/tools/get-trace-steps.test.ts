import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_trace_steps', 'read-endpoints-expected.json')

test('an unknown project: no traces', async () => {
  expect((await call('get_trace_steps', { project: 'nope', run: 'r' })).json).toEqual({ data: { total: 0, steps: [] } })
})
