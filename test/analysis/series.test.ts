import { beforeAll, describe, expect, test } from 'bun:test'
import { byStep, numberOf, readSeries, stepRange, timesOf } from '../../src/analysis/series'
import { JsonFloat } from '../../src/json/values'
import { Storage } from '../../src/storage/db/connection'
import { appendMetrics } from '../../src/storage/write/append'
import { tempDir } from '../helpers'

let storage: Storage
beforeAll(async () => {
  const dir = tempDir()
  await appendMetrics(dir, 'p', 'r', 'r-id', [
    { metrics: { x: 1, s: 'text' }, step: 5, timestamp: '2026-01-01T00:00:00+00:00' },
    { metrics: { x: 2.5, s: 1 }, step: 1, timestamp: '2026-01-01T00:00:01+00:00' },
    { metrics: { x: NaN }, step: 3, timestamp: '2026-01-01T00:00:02+00:00' },
    { metrics: { x: -Infinity, s: true }, step: 3, timestamp: '2026-01-01T00:00:03.5+00:00' },
  ])
  storage = new Storage(dir)
})

describe('series', () => {
  test('numbers in timestamp order; NaN/Inf kept; non-numbers (strings, bools) skipped and counted', () => {
    const p = storage.project('p')!
    const s = p.read(() => readSeries(p, { column: 'run_id', value: 'r-id' }, 'x'))
    expect(s.steps).toEqual([5, 1, 3, 3])
    expect(s.values).toEqual([1, 2.5, NaN, -Infinity])
    expect(s.skipped).toBe(0)
    const t = p.read(() => readSeries(p, { column: 'run_id', value: 'r-id' }, 's'))
    expect(t).toMatchObject({ steps: [1], values: [1], skipped: 2 })
  })
  test('step range, reorder by step (stable), timestamps as epoch ms', () => {
    const p = storage.project('p')!
    const s = p.read(() => readSeries(p, { column: 'run_id', value: 'r-id' }, 'x', stepRange(2, null)))
    expect(s.steps).toEqual([5, 3, 3])
    const sorted = byStep(s)
    expect(sorted.steps).toEqual([3, 3, 5])
    expect(sorted.values).toEqual([NaN, -Infinity, 1])
    expect(timesOf(sorted)).toEqual([Date.UTC(2026, 0, 1, 0, 0, 2), Date.UTC(2026, 0, 1, 0, 0, 3, 500), Date.UTC(2026, 0, 1)])
    expect(stepRange(null, null)).toEqual({ kind: 'all' })
  })
  test('numberOf: ints, floats, bigints; not bools or strings', () => {
    expect(numberOf(3)).toBe(3)
    expect(numberOf(new JsonFloat('1e-7'))).toBe(1e-7)
    expect(numberOf(2n ** 60n)).toBe(2 ** 60)
    expect(numberOf(true)).toBeUndefined()
    expect(numberOf('1')).toBeUndefined()
  })
})
