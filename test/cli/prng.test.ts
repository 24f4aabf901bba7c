import { describe, expect, test } from 'bun:test'
import { prng } from '../../src/cli/prng'

const take = (next: () => number, n: number) => Array.from({ length: n }, () => next())

describe('prng (mulberry32)', () => {
  test('the same seed gives the same sequence; another seed another one', () => {
    const a = take(prng(42), 20)
    expect(take(prng(42), 20)).toEqual(a)
    expect(take(prng(43), 20)).not.toEqual(a)
  })

  test('known first values of mulberry32 for seed 1', () => {
    // From an independent Python implementation of the published algorithm (32-bit outputs).
    expect(take(prng(1), 3).map((x) => x * 4294967296)).toEqual([2693262067, 11749833, 2265367787])
  })

  test('values lie in [0, 1) and spread over the interval', () => {
    const xs = take(prng(7), 10_000)
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...xs)).toBeLessThan(1)
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(mean).toBeGreaterThan(0.45)
    expect(mean).toBeLessThan(0.55)
    expect(new Set(xs).size).toBeGreaterThan(9_990)
  })

  test('seeds are taken as unsigned 32-bit integers', () => {
    expect(take(prng(-1), 5)).toEqual(take(prng(0xffffffff), 5))
  })
})
