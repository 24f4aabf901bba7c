import { describe, expect, test } from 'bun:test'
import { appCaller, copyFixtures, testRefusals } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(copyFixtures('basic', 'edge'))

describeTrackioAnswers('get_system_logs_batch', 'read-endpoints-expected.json')

describe('bad input is a 400 with Trackio\'s message', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['get_system_logs_batch', { project: 'llm-finetune', runs: {} }, 'runs must be a list'],
  ]
  testRefusals(call, cases)

  test('max_points that is not a whole number', async () => {
    const r = await call('get_system_logs_batch', { project: 'llm-finetune', runs: [], max_points: 2.5 })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe('max_points must be a whole number')
  })
})
