import { describe, expect, test } from 'bun:test'
import { aggregate, directionOf, spikes, trend } from '../../src/analysis/stats'
import { prng } from '../../src/cli/prng'

const steps = (n: number) => Array.from({ length: n }, (_, i) => i)
function noisy(n: number, f: (i: number) => number, amp: number, seed = 1): number[] {
  const r = prng(seed)
  return Array.from({ length: n }, (_, i) => f(i) + amp * (r() - 0.5))
}

describe('aggregate', () => {
  test('last/min/max/mean over finite values, steps of min and max, NaN and Inf counted', () => {
    const a = aggregate([10, 20, 30, 40, 50], [3, 1, NaN, 5, Infinity])
    expect(a).toEqual({ count: 5, nan_count: 1, inf_count: 1, first: 3, last: null, last_step: 50, min: 1, min_step: 20, max: 5, max_step: 40, mean: 3 })
  })
  test('empty series', () => {
    expect(aggregate([], []).min).toBeNull()
    expect(aggregate([], []).count).toBe(0)
  })
})

describe('spikes', () => {
  test('finds a one-point spike in a noisy decaying loss, with step and size', () => {
    const ys = noisy(5000, (i) => 2 * Math.exp(-i / 1000) + 0.1, 0.02)
    ys[3210] = ys[3210]! + 1.5
    const r = spikes(steps(5000), ys)
    expect(r.count).toBe(1)
    expect(r.spikes[0]!.step).toBe(3210)
    expect(r.spikes[0]!.size).toBeGreaterThan(1.4)
    expect(r.spikes[0]!.size).toBeLessThan(1.6)
  })
  test('a dip is a spike with a negative size; a three-step burst is one spike at its peak', () => {
    const ys = noisy(2000, () => 1, 0.01, 3)
    ys[500] = 0.2
    ys[1500] = 2
    ys[1501] = 3
    ys[1502] = 2.5
    const r = spikes(steps(2000), ys)
    expect(r.spikes.map((s) => s.step)).toEqual([500, 1501])
    expect(r.spikes[0]!.size).toBeLessThan(0)
  })
  test('no spikes in pure noise, a smooth curve, a level shift, or a flat line', () => {
    expect(spikes(steps(3000), noisy(3000, () => 0, 1, 9)).count).toBe(0)
    expect(spikes(steps(3000), steps(3000).map((i) => Math.exp(-i / 300))).count).toBe(0)
    expect(spikes(steps(3000), steps(3000).map((i) => (i < 1500 ? 1 : 0.5))).count).toBe(0)
    expect(spikes(steps(100), Array(100).fill(0.5)).count).toBe(0)
  })
  test('NaN points are skipped, not reported as spikes', () => {
    const ys = noisy(1000, () => 1, 0.01, 4)
    ys[100] = NaN
    expect(spikes(steps(1000), ys).count).toBe(0)
  })
})

describe('trend', () => {
  test('direction from the metric name', () => {
    expect(directionOf('train/loss')).toBe('lower')
    expect(directionOf('val_acc')).toBe('higher')
    expect(directionOf('eval/perplexity')).toBe('lower')
    expect(directionOf('lr')).toBe('unknown')
  })
  test('a loss still falling is improving; a converged one is plateaued', () => {
    expect(trend('loss', noisy(2000, (i) => 3 - i / 1000, 0.05)).trend).toBe('improving')
    expect(trend('loss', noisy(2000, (i) => 0.5 + 2 * Math.exp(-i / 100), 0.01)).trend).toBe('plateaued')
  })
  test('a loss that turns upward is diverging; so is one ending in NaN', () => {
    expect(trend('loss', noisy(2000, (i) => (i < 1000 ? 2 - i / 1000 : 1 + (i - 1000) / 500), 0.05)).trend).toBe('diverging')
    expect(trend('loss', [...noisy(100, (i) => 2 - i / 100, 0.01), NaN]).trend).toBe('diverging')
  })
  test('accuracy falling is diverging, rising is improving', () => {
    expect(trend('acc', noisy(1000, (i) => 0.9 - i / 2000, 0.01)).trend).toBe('diverging')
    expect(trend('acc', noisy(1000, (i) => i / 1000, 0.01)).trend).toBe('improving')
  })
  test('big regular swings are oscillating', () => {
    expect(trend('loss', noisy(4000, (i) => 1 + Math.sin(i / 100), 0.05)).trend).toBe('oscillating')
  })
  test('flat noise is plateaued, not oscillating', () => {
    expect(trend('loss', noisy(4000, () => 1, 0.2, 11)).trend).toBe('plateaued')
  })
  test('too few points', () => {
    expect(trend('loss', [1, 2, 3]).trend).toBe('insufficient_data')
  })
})
