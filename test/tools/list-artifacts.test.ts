import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('list_artifacts', 'artifacts-expected.json')

test('an unknown project has no artifacts', async () => {
  expect((await call('list_artifacts', { project: 'nope' })).json).toEqual({ data: [] })
})
