import { beforeAll, describe, expect, test } from 'bun:test'
import { copyFixtures, inProcessApp } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(copyFixtures('basic', 'edge')))
})

describeTrackioAnswers('get_system_logs_batch', 'read-endpoints-expected.json')

describe('bad input is a 400 with Trackio\'s message', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['get_system_logs_batch', { project: 'llm-finetune', runs: {} }, 'runs must be a list'],
  ]
  for (const [tool, args, message] of cases)
    test(`${JSON.stringify(args).slice(0, 60)}`, async () => {
      const r = await call(tool, args)
      expect(r.status).toBe(400)
      expect(r.json.error).toContain(message)
    })

  test('max_points that is not a whole number', async () => {
    const r = await call('get_system_logs_batch', { project: 'llm-finetune', runs: [], max_points: 2.5 })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe('max_points must be a whole number')
  })
})
