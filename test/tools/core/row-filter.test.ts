import { describe, expect, test } from 'bun:test'
import { BadRequestError } from '../../../src/errors'
import { rowFilter, type FilterArgs } from '../../../src/tools/core/row-filter'

const none: FilterArgs = { step: null, around_step: null, at_time: null, window: null }
const f = (a: Partial<FilterArgs>) => rowFilter({ ...none, ...a })
const T = Date.UTC(2026, 0, 31, 12) * 1000 // 2026-01-31T12:00:00Z in epoch µs

describe('rowFilter: the first rule that applies wins', () => {
  test('nothing given → every row', () => {
    expect(f({})).toEqual({ kind: 'all' })
  })

  test('step wins over everything else; a step beyond int64 matches nothing', () => {
    expect(f({ step: 5, around_step: 1, window: 2, at_time: '2026-01-31T12:00:00Z' })).toEqual({ kind: 'step', step: 5 })
    expect(f({ step: 2n ** 63n - 1n })).toEqual({ kind: 'step', step: 2n ** 63n - 1n })
    expect(f({ step: 2n ** 63n })).toEqual({ kind: 'none' })
    expect(f({ step: -(2n ** 63n) - 1n })).toEqual({ kind: 'none' })
  })

  test('around_step with window → a step range, clamped to int64, exact beyond 2^53', () => {
    expect(f({ around_step: 10, window: 3 })).toEqual({ kind: 'steps', lo: 7, hi: 13 })
    expect(f({ around_step: 0, window: 0 })).toEqual({ kind: 'steps', lo: 0, hi: 0 })
    expect(f({ around_step: 9007199254740994n, window: 1 })).toEqual({ kind: 'steps', lo: 9007199254740993n, hi: 9007199254740995n })
    expect(f({ around_step: 2n ** 63n - 2n, window: 10 })).toEqual({ kind: 'steps', lo: 2n ** 63n - 12n, hi: 2n ** 63n - 1n })
    expect(f({ around_step: 0, window: Infinity })).toEqual({ kind: 'steps', lo: -(2n ** 63n), hi: 2n ** 63n - 1n })
    expect(f({ around_step: 2n ** 64n, window: 1 })).toEqual({ kind: 'none' })
  })

  test('a negative or NaN window matches nothing', () => {
    expect(f({ around_step: 10, window: -1 })).toEqual({ kind: 'none' })
    expect(f({ around_step: 10, window: NaN })).toEqual({ kind: 'none' })
    expect(f({ at_time: '2026-01-31T12:00:00Z', window: -0.5 })).toEqual({ kind: 'none' })
  })

  test('around_step without window is ignored', () => {
    expect(f({ around_step: 10 })).toEqual({ kind: 'all' })
  })

  test('at_time with window → an instant range in µs; offsets are honoured', () => {
    expect(f({ at_time: '2026-01-31T12:00:00Z', window: 2 })).toEqual({ kind: 'time', lo: T - 2e6, hi: T + 2e6 })
    expect(f({ at_time: '2026-01-31T14:00:00+02:00', window: 0 })).toEqual({ kind: 'time', lo: T, hi: T })
  })

  test('at_time alone → the nearest rows', () => {
    expect(f({ at_time: '2026-01-31 12:00:00' })).toEqual({ kind: 'nearest', at: T })
  })

  test('an unparseable at_time is a 400 naming the field, even when step would win', () => {
    expect(() => f({ at_time: 'yesterday' })).toThrow(BadRequestError)
    expect(() => f({ at_time: 'yesterday', step: 1 })).toThrow("Invalid value for 'at_time': 'yesterday' is not an ISO 8601 date-time")
  })
})
