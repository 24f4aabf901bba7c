import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_run_artifacts', 'artifacts-expected.json')

test('an unknown project: nothing in, nothing out', async () => {
  expect((await call('get_run_artifacts', { project: 'nope', run: 'x' })).json).toEqual({ data: { input: [], output: [] } })
})
