import { describe, expect, test } from 'bun:test'
import { JsonFloat, JsonRecords, type Json } from '../../../src/json/values'
import { downsample } from '../../../src/transports/mcp/series'

function records(values: Json[]): JsonRecords {
  return new JsonRecords(['timestamp', 'step', 'value'], [values.map(() => 't'), values.map((_, i) => i), values])
}

describe('downsample (extrema kept)', () => {
  test('short series come back whole', () => {
    const s = downsample(records([1, 2, 3]), 10)
    expect(s).toMatchObject({ total_points: 3, returned_points: 3, method: 'none', steps: [0, 1, 2], values: [1, 2, 3] })
  })

  test('a one-point spike in 20,000 survives 500 points, with first and last', () => {
    const v: Json[] = Array.from({ length: 20000 }, (_, i) => 1 - i / 40000)
    v[12345] = 50
    v[777] = -3
    const s = downsample(records(v), 500)
    expect(s.method).toBe('minmax')
    expect(s.total_points).toBe(20000)
    expect(s.returned_points).toBeLessThanOrEqual(500)
    expect(s.returned_points).toBe(s.steps.length)
    expect(s.steps).toContain(12345)
    expect(s.steps).toContain(777)
    expect(s.steps[0]).toBe(0)
    expect(s.steps.at(-1)).toBe(19999)
    expect(Math.max(...(s.values as number[]))).toBe(50)
    expect(Math.min(...(s.values as number[]))).toBe(-3)
    expect([...s.steps]).toEqual([...s.steps].sort((a, b) => Number(a) - Number(b)))
  })

  test('NaN and Infinity are counted, the first kept and spelled; non-numbers counted, never returned', () => {
    const v: Json[] = Array.from({ length: 5000 }, (_, i) => i)
    v[4000] = new JsonFloat('NaN')
    v[4100] = new JsonFloat('Infinity')
    v[10] = 'text'
    v[11] = true
    const s = downsample(records(v), 100)
    expect(s).toMatchObject({ nan_count: 1, inf_count: 1, non_numeric: 2, total_points: 4998, first_nonfinite_step: 4000 })
    expect(s.values[s.steps.indexOf(4000)]).toBe('NaN')
  })

  test('big integer steps stay exact', () => {
    const r = new JsonRecords(['timestamp', 'step', 'value'], [['t'], [9007199254740993n], [1]])
    expect(downsample(r, 10).steps).toEqual(['9007199254740993'])
  })
})
