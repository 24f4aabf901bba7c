import { expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { alertsSince, marks, metricsSince } from '../../../src/storage/read/changes'
import { appendAlerts, appendMetrics } from '../../../src/storage/write/append'
import { tempDir } from '../../helpers'

test('high-water marks, and the rows after them per run (new runs flagged), alerts after a mark', async () => {
  const dir = tempDir()
  await appendMetrics(dir, 'p', 'a', 'a-id', [0, 1].map((s) => ({ metrics: { x: s }, step: s })))
  const storage = new Storage(dir)
  const p = storage.project('p')!
  const before = p.read(() => marks(p))
  expect(before).toEqual({ metrics: 2, alerts: 0 })
  await appendMetrics(dir, 'p', 'a', 'a-id', [2, 3, 4].map((s) => ({ metrics: { x: s }, step: s })))
  await appendMetrics(dir, 'p', 'b', 'b-id', [{ metrics: { x: 1 }, step: 7 }])
  await appendAlerts(dir, 'p', 'b', 'b-id', ['one', 'two', 'three'].map((title) => ({ title, level: 'info', timestamp: '2026-01-01T00:00:00+00:00' })))
  p.read(() => {
    expect(marks(p)).toEqual({ metrics: 6, alerts: 3 })
    expect(metricsSince(p, before.metrics).map(({ created_at: _c, ...r }) => r)).toEqual([
      { run_id: 'a-id', run: 'a', from_step: 2, to_step: 4, points: 3, new_run: false },
      { run_id: 'b-id', run: 'b', from_step: 7, to_step: 7, points: 1, new_run: true },
    ])
    expect(metricsSince(p, 6)).toEqual([])
    const al = alertsSince(p, 1, 1)
    expect(al.count).toBe(2)
    expect(al.alerts.map((x) => x.title)).toEqual(['two'])
  })
})
