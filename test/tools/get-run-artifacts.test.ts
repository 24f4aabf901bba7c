import { beforeAll, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(tempDir()))
})

describeTrackioAnswers('get_run_artifacts', 'artifacts-expected.json')

test('an unknown project: nothing in, nothing out', async () => {
  expect((await call('get_run_artifacts', { project: 'nope', run: 'x' })).json).toEqual({ data: { input: [], output: [] } })
})
