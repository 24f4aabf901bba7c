import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { stringify } from '../../../src/json/serialize'
import { Storage } from '../../../src/storage/db/connection'
import { formatIsoTimestamp } from '../../../src/storage/db/timestamps'
import { metricValues, sqlMetricValues } from '../../../src/storage/read/metrics'
import { listRunsHeld, type RunFilter } from '../../../src/storage/read/runs'
import { clearSeriesCache, seriesCacheStats, seriesHeld } from '../../../src/storage/read/series-cache'
import { warmBytesPerPoint, warmUp } from '../../../src/storage/read/warm-up'
import { copyFixtures } from '../../helpers'

/** Warm-up on a copy of the fixtures with two long runs written into one project (own timestamp per row). */

const STEM = 'image-classification'
const LONG = 36_000
let dir: string

function insert(w: Database, id: string, name: string, n: number, start: number): void {
  const ins = w.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
  w.transaction(() => {
    for (let i = 0; i < n; i++)
      ins.run(id, formatIsoTimestamp(start + i * 1234), name, i, `{"loss":${(1 / (1 + i)).toFixed(8)},"acc":${(i / n).toFixed(6)},"lr":${1e-5 * (1 + (i % 7))}}`)
  })()
}

beforeAll(() => {
  dir = copyFixtures('basic')
  const w = new Database(join(dir, `${STEM}.db`))
  insert(w, 'older-long', 'older', LONG, Date.UTC(2026, 10, 1) * 1000)
  insert(w, 'newer-long', 'newer', LONG, Date.UTC(2026, 10, 2) * 1000)
  w.close()
})

afterAll(() => clearSeriesCache())

const runs: RunFilter[] = [
  { column: 'run_id', value: 'newer-long' },
  { column: 'run_id', value: 'older-long' },
]

describe('warmUp', () => {
  test('long runs of long projects: run list, keys and every series read on the workers; answers unchanged', async () => {
    clearSeriesCache()
    const storage = new Storage(dir)
    const report = await warmUp(storage, { minRows: 30_000, budgetBytes: 256 * 1024 * 1024 })
    expect(report).toEqual({ projects: 1, runs: 2, series: 6 })
    const p = storage.project(STEM)!
    expect(p.read(() => listRunsHeld(p))).toBe(true)
    for (const f of runs)
      for (const metric of ['loss', 'acc', 'lr']) {
        expect(seriesHeld(p, f, metric)).toBe(true)
        const cached = p.read(() => stringify({ data: metricValues(p, f, metric, { kind: 'all' }) }, { style: 'python' }))
        expect(cached).toBe(p.read(() => stringify({ data: sqlMetricValues(p, f, metric, { kind: 'all' }) }, { style: 'python' })))
      }
    // Short projects are left alone: too small a file is not even opened.
    expect(storage.openCount).toBe(1)
    const short = storage.project('llm-finetune')!
    expect(short.read(() => listRunsHeld(short))).toBe(false)
    storage.close()
  })

  test('the most recently written project goes first', async () => {
    clearSeriesCache()
    const d = copyFixtures('basic')
    for (const [stem, when] of [['image-classification', 1], ['llm-finetune', 2]] as const) {
      const w = new Database(join(d, `${stem}.db`))
      insert(w, `long-${stem}`, 'long', LONG, Date.UTC(2026, 10, when) * 1000)
      w.close()
      await Bun.sleep(20) // distinct modification times
    }
    const storage = new Storage(d)
    const report = await warmUp(storage, { minRows: 30_000, budgetBytes: LONG * warmBytesPerPoint(LONG) * 1.5 })
    expect(report.series).toBe(1)
    expect(seriesHeld(storage.project('llm-finetune')!, { column: 'run_id', value: 'long-llm-finetune' }, 'acc')).toBe(true)
    storage.close()
  })

  test('the budget stops it (latest run first); a stopped warm-up reads nothing', async () => {
    clearSeriesCache()
    const storage = new Storage(dir)
    const report = await warmUp(storage, { minRows: 30_000, budgetBytes: LONG * warmBytesPerPoint(LONG) * 1.5 })
    // Past the budget, keys are still read (both runs), series no longer.
    expect(report).toEqual({ projects: 1, runs: 2, series: 1 })
    const p = storage.project(STEM)!
    expect(seriesHeld(p, runs[0]!, 'acc')).toBe(true)
    expect(seriesHeld(p, runs[1]!, 'acc')).toBe(false)
    expect(seriesCacheStats().bytes).toBeLessThanOrEqual(LONG * warmBytesPerPoint(LONG) * 2)
    clearSeriesCache()
    expect(await warmUp(storage, { minRows: 30_000, stopped: () => true })).toEqual({ projects: 0, runs: 0, series: 0 })
    expect(seriesCacheStats().series).toBe(0)
    storage.close()
  })
})
