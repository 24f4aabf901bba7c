import { beforeAll, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(tempDir()))
})

describeTrackioAnswers('get_artifacts', 'artifacts-expected.json')

test('an unknown project has no artifacts', async () => {
  expect((await call('get_artifacts', { project: 'nope' })).json).toEqual({ data: [] })
})
