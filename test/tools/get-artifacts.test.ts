import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_artifacts', 'artifacts-expected.json')

test('an unknown project has no artifacts', async () => {
  expect((await call('get_artifacts', { project: 'nope' })).json).toEqual({ data: [] })
})
