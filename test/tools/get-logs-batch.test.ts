import { describe, expect, test } from 'bun:test'
import { appCaller, copyFixtures, testRefusals } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(copyFixtures('basic', 'edge'))

describeTrackioAnswers('get_logs_batch', 'read-endpoints-expected.json')

describe('bad input is a 400 with Trackio\'s message', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['get_logs_batch', { project: 'llm-finetune', runs: 'x' }, 'runs must be a list'],
    ['get_logs_batch', { project: 'llm-finetune', runs: Array.from({ length: 65 }, () => ({})) }, 'runs cannot contain more than 64 entries'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [1] }, 'runs[0] must be an object'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], max_points: true }, 'max_points must be a number or null'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], max_points: 1.5 }, 'max_points must be a whole number'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], max_points: '5' }, 'max_points must be an integer or null'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], scalar_only: 'maybe' }, 'scalar_only must be a boolean'],
  ]
  testRefusals(call, cases)

  test('max_points: null or < 1 is 3000, more than 10000 is 10000', async () => {
    const a = await call('get_logs_batch', { project: 'image-classification', runs: [{ run: 'baseline' }], max_points: 0 })
    const b = await call('get_logs_batch', { project: 'image-classification', runs: [{ run: 'baseline' }], max_points: 10 ** 9 })
    expect(a.json.data[0].logs.length).toBeGreaterThan(0)
    expect(b.json.data[0].logs).toEqual(a.json.data[0].logs)
  })

  test('unknown runs and an unknown project answer empty logs, in request order', async () => {
    const r = await call('get_logs_batch', { project: 'nope', runs: [{ run: 'a' }, { run_id: 'b' }] })
    expect(r.json).toEqual({ data: [{ run: 'a', run_id: null, logs: [] }, { run: null, run_id: 'b', logs: [] }] })
    expect((await call('get_logs_batch', { project: 'nope', runs: [] })).json).toEqual({ data: [] })
  })
})
