import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_traces', 'read-endpoints-expected.json')

test('an unknown project: no traces (sorts, search and paging: test/storage/read/traces.test.ts)', async () => {
  expect((await call('get_traces', { project: 'nope', run: 'r', limit: 'x', sort: 'nonsense' })).json).toEqual({ data: [] })
})
