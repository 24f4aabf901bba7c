import { describe, expect, test } from 'bun:test'
import { downsampleIndices, lttbIndices, minmaxIndices, minmaxRows, nonFinite } from '../../src/analysis/downsample'
import { prng } from '../../src/cli/prng'

/** A 200,000-point training-like curve: decaying loss with noise, a spike, a dip, a NaN and an Infinity. */
function longSeries(): { xs: number[]; ys: number[] } {
  const rand = prng(7)
  const xs: number[] = []
  const ys: number[] = []
  for (let i = 0; i < 200_000; i++) {
    xs.push(i)
    ys.push(3 * Math.exp(-i / 30_000) + 0.05 * rand())
  }
  ys[123_457] = 40 // one-point spike
  ys[77_777] = -5 // one-point dip
  ys[150_001] = NaN
  ys[160_002] = Infinity
  return { xs, ys }
}

function ascendingUnique(ix: number[]): boolean {
  return ix.every((v, i) => i === 0 || v > ix[i - 1]!)
}

describe('minmax', () => {
  const { xs, ys } = longSeries()
  const keep = minmaxIndices(ys, 500)

  test('at most max_points, ascending, first and last kept', () => {
    expect(keep.length).toBeLessThanOrEqual(500)
    expect(keep.length).toBeGreaterThan(490)
    expect(ascendingUnique(keep)).toBe(true)
    expect(keep[0]).toBe(0)
    expect(keep[keep.length - 1]).toBe(199_999)
  })

  test('the global max and min (a one-point spike and dip) survive', () => {
    expect(keep).toContain(123_457)
    expect(keep).toContain(77_777)
  })

  test('every bucket keeps its finite extremes: the sampled envelope equals the full one per bucket', () => {
    // Recompute the buckets independently and check each one's min and max index was kept.
    const reserved = 2
    const buckets = Math.floor((500 - 2 - reserved) / 2)
    const inner = ys.length - 2
    const kept = new Set(keep)
    for (let b = 0; b < buckets; b++) {
      const lo = 1 + Math.floor((b * inner) / buckets)
      const hi = 1 + Math.floor(((b + 1) * inner) / buckets)
      let mn = Infinity
      let mx = -Infinity
      for (let i = lo; i < hi; i++) if (Number.isFinite(ys[i]!)) ((mn = Math.min(mn, ys[i]!)), (mx = Math.max(mx, ys[i]!)))
      const keptVals = [...kept].filter((i) => i >= lo && i < hi && Number.isFinite(ys[i]!)).map((i) => ys[i]!)
      expect(Math.min(...keptVals)).toBe(mn)
      expect(Math.max(...keptVals)).toBe(mx)
    }
  })

  test('the first NaN and the first Infinity are kept and counted, never dropped', () => {
    expect(keep).toContain(150_001)
    expect(keep).toContain(160_002)
    expect(nonFinite(xs, ys)).toEqual({ nan_count: 1, inf_count: 1, first_nonfinite_step: 150_001 })
  })

  test('a bucket with only NaN keeps a point so the gap shows', () => {
    const y = Array.from({ length: 1000 }, (_, i) => (i >= 400 && i < 600 ? NaN : i))
    const k = minmaxIndices(y, 20)
    expect(k.some((i) => Number.isNaN(y[i]!))).toBe(true)
    expect(k.length).toBeLessThanOrEqual(20)
  })

  test('short series come back whole; small budgets are refused', () => {
    expect(minmaxIndices([1, 2, 3], 10)).toEqual([0, 1, 2])
    expect(() => minmaxIndices([1, 2, 3], 3)).toThrow()
    expect(downsampleIndices('none', [0, 1, 2], [5, 6, 7], 8)).toEqual([0, 1, 2])
  })
})

describe('lttb', () => {
  const { xs, ys } = longSeries()
  test('exactly max_points of a long series, first/last and the first NaN/Inf kept', () => {
    const keep = lttbIndices(xs, ys, 500)
    expect(keep.length).toBe(500)
    expect(ascendingUnique(keep)).toBe(true)
    expect(keep[0]).toBe(0)
    expect(keep[499]).toBe(199_999)
    expect(keep).toContain(150_001)
    expect(keep).toContain(160_002)
  })
  test('picks the visually dominant point: a large spike in a flat line is chosen', () => {
    const y = Array.from({ length: 10_000 }, () => 1)
    y[5_003] = 100
    const x = y.map((_, i) => i)
    expect(lttbIndices(x, y, 50)).toContain(5_003)
  })
})

describe('minmaxRows (several columns)', () => {
  test('keeps each column\'s extremes, rows missing a column are fine, at most max_points', () => {
    const n = 50_000
    const a: (number | undefined)[] = Array.from({ length: n }, (_, i) => Math.sin(i / 500))
    const b: (number | undefined)[] = Array.from({ length: n }, (_, i) => (i % 2 ? undefined : i / n))
    a[31_415] = 9
    b[27_182] = -3
    a[40_000] = NaN
    const keep = minmaxRows(n, [a, b], 100)
    expect(keep.length).toBeLessThanOrEqual(100)
    expect(ascendingUnique(keep)).toBe(true)
    expect(keep).toContain(0)
    expect(keep).toContain(n - 1)
    expect(keep).toContain(31_415)
    expect(keep).toContain(27_182)
    expect(keep).toContain(40_000)
  })
})
