import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { BadRequestError } from '../../../src/errors'
import { appendAlerts, appendMetrics } from '../../../src/storage/write/append'
import { inProcessApp, tempDir } from '../../helpers'

const MAX = 2n ** 63n - 1n
const H = { 'x-trackio-write-token': 'test-token' }
const m = (x: number) => new Map([['x', x]])

describe('a run whose last step is 2^63-1', () => {
  test('an auto-step write is a 400 naming the overflow; nothing is written; explicit steps still work', async () => {
    const dir = tempDir()
    await appendMetrics(dir, 'p', 'r', 'R', [{ metrics: m(1), step: MAX }])
    const err = await appendMetrics(dir, 'p', 'r', 'R', [{ metrics: m(2), step: 5 }, { metrics: m(3), step: null }]).catch((e) => e)
    expect(err).toBeInstanceOf(BadRequestError)
    expect(err.message).toContain('64-bit overflow')
    expect(err.message).toContain(String(MAX))
    const db = new Database(join(dir, 'p.db'), { readonly: true, safeIntegers: true })
    expect(db.query('SELECT step FROM metrics ORDER BY id').values()).toEqual([[MAX]])
    db.close()
    expect((await appendMetrics(dir, 'p', 'r', 'R', [{ metrics: m(4), step: 7 }])).steps).toEqual([7])
    // Another run of the same project is not affected.
    expect((await appendMetrics(dir, 'p', 'other', 'O', [{ metrics: m(5), step: null }])).steps).toEqual([0])
  })

  test('over HTTP: log_metrics without a step answers 400 every time, not 500', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const first = await call('log_metrics', `{"project": "p", "run": "r", "metrics": {"x": 1}, "step": ${MAX}, "new_run": true}`, H)
    expect(first.status).toBe(200)
    for (let i = 0; i < 2; i++) {
      const r = await call('log_metrics', { project: 'p', run: 'r', metrics: { x: 2 } }, H)
      expect(r.status).toBe(400)
      expect(r.json.error).toContain('64-bit overflow')
    }
    const b = await call('bulk_log', { logs: [{ project: 'p', run: 'r', run_id: first.json.data.run_id, metrics: { x: 3 } }], hf_token: null }, H)
    expect(b.status).toBe(400)
    expect(b.json.error).toContain('64-bit overflow')
  })

  test('a given step outside int64 is a 400, for metrics and alerts', async () => {
    const dir = tempDir()
    const e1 = await appendMetrics(dir, 'p', 'r', 'R', [{ metrics: m(1), step: MAX + 1n }]).catch((e) => e)
    expect(e1).toBeInstanceOf(BadRequestError)
    expect(e1.message).toContain('64-bit')
    const e2 = await appendAlerts(dir, 'p', 'r', 'R', [{ title: 't', level: 'WARN', step: -(2n ** 63n) - 1n, timestamp: null }]).catch((e) => e)
    expect(e2).toBeInstanceOf(BadRequestError)
    const { call } = await inProcessApp(dir)
    const r = await call('log_metrics', '{"project": "p", "run": "r", "metrics": {"x": 1}, "step": 18446744073709551618, "new_run": true}', H)
    expect(r.status).toBe(400)
  })
})
