import { beforeAll, describe, expect, test } from 'bun:test'
import { allRuns, closest, metricAggregates, metricNames, pickRuns, requireProject } from '../../src/analysis/runs'
import { NotFoundError } from '../../src/errors'
import { Storage } from '../../src/storage/db/connection'
import { appendMetrics } from '../../src/storage/write/append'
import { tempDir } from '../helpers'

let dir: string
let storage: Storage
beforeAll(async () => {
  dir = tempDir()
  await appendMetrics(dir, 'p', 'base', 'old', [{ metrics: { loss: 5 }, step: 0, timestamp: '2026-01-01T00:00:00+00:00' }])
  await appendMetrics(dir, 'p', 'base', 'new', [0, 1, 2].map((s) => ({ metrics: { loss: 3 - s, acc: s / 2 }, step: s, timestamp: '2026-01-02T00:00:00+00:00' })))
  await appendMetrics(dir, 'p', 'other', 'o', [{ metrics: { loss: 1 }, step: 0, timestamp: '2026-01-03T00:00:00+00:00' }])
  storage = new Storage(dir)
})

describe('runs', () => {
  test('names mean the latest run of that name; ids pick any; no repeats; unknown → 404 with the closest names', () => {
    const p = requireProject(storage, 'p')
    p.read(() => {
      expect(pickRuns(p, ['base', 'other'], ['old', 'new']).map((r) => r.id)).toEqual(['new', 'o', 'old'])
      expect(allRuns(p).map((r) => [r.name, r.id])).toEqual([
        ['base', 'old'],
        ['base', 'new'],
        ['other', 'o'],
      ])
      expect(() => pickRuns(p, ['bsae'], [])).toThrow(NotFoundError)
      expect(() => pickRuns(p, ['bsae'], [])).toThrow("Run 'bsae' not found in project 'p'; runs: base, other")
      expect(() => pickRuns(p, [], ['nope'])).toThrow("Run id 'nope' not found")
    })
    expect(() => requireProject(storage, 'q')).toThrow("Project 'q' not found; projects: p")
  })
  test('metric names and memoised aggregates (null for a metric the run lacks)', () => {
    const p = requireProject(storage, 'p')
    p.read(() => {
      const [run] = pickRuns(p, ['base'], [])
      expect(metricNames(p, run!)).toEqual(['acc', 'loss'])
      const a = metricAggregates(p, run!, 'loss')
      expect(a).toMatchObject({ count: 3, last: 1, min: 1, min_step: 2, max: 3, max_step: 0, mean: 2 })
      expect(metricAggregates(p, run!, 'loss')).toBe(a!)
      expect(metricAggregates(p, run!, 'nope')).toBeNull()
    })
  })
  test('closest: exact and substring first, then edit distance', () => {
    expect(closest('lr-sweep', ['lr-sweep-2', 'baseline', 'lr-sweap'], 2)).toEqual(['lr-sweep-2', 'lr-sweap'])
  })
})
