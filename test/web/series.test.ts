import { expect, test } from 'bun:test'
import { appendSeries, ema, pointsPerSeries, type Series } from '../../src/web/series'

test('EMA smoothing is debiased (first point kept) and passes gaps through', () => {
  expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3])
  const out = ema([4, null, 4, 4], 0.5)
  expect(out[0]).toBe(4)
  expect(out[1]).toBeNull()
  expect(out[2]).toBeCloseTo(4)
  const rising = ema([0, 10], 0.5) as number[]
  expect(rising[1]).toBeCloseTo((0.5 * 0 * 0.5 + 0.5 * 10) / 0.75)
})

test('a live increment appends only the steps after the last one held', () => {
  const base: Series = { steps: [0, 1, 2], values: [1, 2, 3], times: [10, 11, 12], total: 3 }
  appendSeries(base, { steps: [2, 3, 4], values: [30, 4, null], times: [12, 13, 14], total: 3 })
  expect(base.steps).toEqual([0, 1, 2, 3, 4])
  expect(base.values).toEqual([1, 2, 3, 4, null])
  expect(base.times).toEqual([10, 11, 12, 13, 14])
})

test('series read without timestamps (charts by step) stay without them when live points arrive', () => {
  const base: Series = { steps: [0, 1], values: [1, 2], times: [] }
  appendSeries(base, { steps: [2], values: [3], times: [] })
  expect(base.steps).toEqual([0, 1, 2])
  expect(base.times).toEqual([])
})

test('a chart of many runs asks fewer points per run, within 200..500', () => {
  expect(pointsPerSeries(1)).toBe(500)
  expect(pointsPerSeries(12)).toBe(500)
  expect(pointsPerSeries(21)).toBe(285)
  expect(pointsPerSeries(100)).toBe(200)
})
