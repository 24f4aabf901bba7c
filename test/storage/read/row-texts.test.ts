import { expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { metricRowsByRowid, metricRowTexts } from '../../../src/storage/read/row-texts'
import { appendMetrics } from '../../../src/storage/write/append'
import { tempDir } from '../../helpers'

test('raw row texts in (timestamp, rowid) order, then only the chosen rows decoded', async () => {
  const dir = tempDir()
  await appendMetrics(dir, 'p', 'r', 'r-id', [
    { metrics: { x: 1 }, step: 0, timestamp: '2026-01-01T00:00:02+00:00' },
    { metrics: { x: NaN }, step: 1, timestamp: '2026-01-01T00:00:01+00:00' },
    { metrics: { x: 3 }, step: 2, timestamp: '2026-01-01T00:00:03+00:00' },
  ])
  await appendMetrics(dir, 'p', 'other', 'o', [{ metrics: { y: 1 }, step: 0 }])
  const p = new Storage(dir).project('p')!
  p.read(() => {
    const t = metricRowTexts(p, { column: 'run_id', value: 'r-id' })
    expect(t).toEqual({ rowids: [2, 1, 3], texts: ['{"x":"NaN"}', '{"x":1}', '{"x":3}'] })
    const rows = metricRowsByRowid(p, [3, 2], true)
    expect(rows.map((r) => [r.step, r.metrics.get('x')])).toEqual([
      [1, NaN],
      [2, 3],
    ])
    expect(metricRowsByRowid(p, [2], false)[0]!.metrics.get('x')).toBe('NaN')
    expect(metricRowsByRowid(p, [], true)).toEqual([])
  })
})
