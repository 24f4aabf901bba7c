import { beforeAll, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(tempDir()))
})

describeTrackioAnswers('list_artifacts', 'artifacts-expected.json')

test('an unknown project has no artifacts', async () => {
  expect((await call('list_artifacts', { project: 'nope' })).json).toEqual({ data: [] })
})
