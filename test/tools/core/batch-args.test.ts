import { expect, test } from 'bun:test'
import { z } from 'zod'
import { boolParam, maxPointsArg, runsArg } from '../../../src/tools/core/batch-args'

const schema = z.object({ runs: runsArg, max_points: maxPointsArg, scalar_only: boolParam('scalar_only') })
const parse = (v: Record<string, unknown>) => schema.parse(v)

test('runs: a list of at most 64 objects, run/run_id kept as given', () => {
  expect(parse({ runs: [{ run: 'a' }, { run_id: 'b' }, {}] }).runs).toEqual([
    { run: 'a', run_id: null },
    { run: null, run_id: 'b' },
    { run: null, run_id: null },
  ])
  expect(() => parse({ runs: 'a' })).toThrow('runs must be a list')
  expect(() => parse({ runs: Array.from({ length: 65 }, () => ({})) })).toThrow('runs cannot contain more than 64 entries')
  expect(() => parse({ runs: [[]] })).toThrow('runs[0] must be an object')
  expect(() => parse({ runs: [{ run: 5 }] })).toThrow('runs[0].run must be a string or null')
})

test('max_points: default 3000 (null, absent, < 1), at most 10000, whole numbers only', () => {
  expect(parse({ runs: [] }).max_points).toBe(3000)
  expect(parse({ runs: [], max_points: null }).max_points).toBe(3000)
  expect(parse({ runs: [], max_points: 0 }).max_points).toBe(3000)
  expect(parse({ runs: [], max_points: 7.0 }).max_points).toBe(7)
  expect(parse({ runs: [], max_points: 99999 }).max_points).toBe(10000)
  expect(parse({ runs: [], max_points: 10n ** 30n }).max_points).toBe(10000)
  expect(() => parse({ runs: [], max_points: false })).toThrow('max_points must be a number or null')
  expect(() => parse({ runs: [], max_points: 1.5 })).toThrow('max_points must be a whole number')
  expect(() => parse({ runs: [], max_points: '5' })).toThrow('max_points must be an integer or null')
})

test('booleans as Trackio reads them', () => {
  for (const [v, want] of [[true, true], [null, false], [undefined, false], ['YES', true], [' off ', false], ['', false], ['1', true]] as const)
    expect(parse({ runs: [], scalar_only: v }).scalar_only).toBe(want)
  expect(() => parse({ runs: [], scalar_only: 'maybe' })).toThrow('scalar_only must be a boolean')
  expect(() => parse({ runs: [], scalar_only: 1 })).toThrow('scalar_only must be a boolean')
})
