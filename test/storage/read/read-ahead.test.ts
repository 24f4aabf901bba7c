import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { stringify } from '../../../src/json/serialize'
import { Storage, type ProjectDb } from '../../../src/storage/db/connection'
import { formatIsoTimestamp } from '../../../src/storage/db/timestamps'
import { keysHeld, metricValues, runKeys, runStats, sqlMetricValues } from '../../../src/storage/read/metrics'
import { keysAhead, PART_ROWIDS, READ_AHEAD_MIN_ROWS, runListAhead, seriesAhead } from '../../../src/storage/read/read-ahead'
import { listRuns, listRunsHeld, resolveRun, type RunFilter } from '../../../src/storage/read/runs'
import { setScanWorkers } from '../../../src/storage/read/scans'
import { setTextStampsMax } from '../../../src/storage/read/stamp-table'
import { clearSeriesCache, seriesCacheStats, seriesHeld } from '../../../src/storage/read/series-cache'
import { copyFixtures, freshRead } from '../../helpers'

/**
 * Reading ahead on the scan workers, on a copy of a Trackio database with a run longer than
 * READ_AHEAD_MIN_ROWS written into it (its own timestamp per row, as Trackio logs): what is kept must
 * make every answer exactly what the synchronous reads give on a fresh connection.
 */

const STEM = 'image-classification'
const ROWS = READ_AHEAD_MIN_ROWS + 8_000
const run: RunFilter = { column: 'run_id', value: 'long-run-id' }

let dir: string
let writer: Database
let storage: Storage
let p: ProjectDb
let nextStamp = Date.UTC(2026, 10, 26) * 1000

function insert(n: number, id = run.value, name = 'long', firstStep = 0): void {
  const ins = writer.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
  writer.transaction(() => {
    for (let i = 0; i < n; i++) {
      nextStamp += 1000 + ((i * 7919) % 5000)
      const step = firstStep + i
      const m = i % 1000 === 7 ? `{"loss":"NaN","acc":${(i / n).toFixed(6)}}` : `{"loss":${(2 / (1 + step / 1000)).toFixed(6)},"acc":${(i / n).toFixed(6)}${i % 3 ? '' : ',"lr":1e-05'}}`
      ins.run(id, formatIsoTimestamp(nextStamp), name, step, m)
    }
  })()
}

const fresh = <T>(fn: (q: ProjectDb) => T): T => freshRead(dir, STEM, fn)

const spelled = (q: ProjectDb, metric: string) => stringify({ data: metricValues(q, run, metric, { kind: 'all' }) }, { style: 'python' })
const bySql = (q: ProjectDb, metric: string) => stringify({ data: sqlMetricValues(q, run, metric, { kind: 'all' }) }, { style: 'python' })

beforeAll(() => {
  dir = copyFixtures('basic')
  writer = new Database(join(dir, `${STEM}.db`))
  insert(50, 'short-same-name', 'long') // an older run of the same name
  insert(ROWS)
  storage = new Storage(dir)
  p = storage.project(STEM)!
})

afterAll(() => {
  storage.close()
  writer.close()
  clearSeriesCache()
})

describe('read ahead on the scan workers', () => {
  test('the run list is read by a worker and kept; names resolve from it exactly as SQLite resolves them', async () => {
    expect(p.read(() => listRunsHeld(p))).toBe(false)
    await runListAhead(p)
    expect(p.read(() => listRunsHeld(p))).toBe(true)
    expect(JSON.stringify(p.read(() => listRuns(p)))).toBe(JSON.stringify(fresh((q) => listRuns(q))))
    for (const name of ['long', 'baseline', 'no-such-run'])
      expect(p.read(() => resolveRun(p, 'metrics', name, null))).toEqual(fresh((q) => resolveRun(q, 'metrics', name, null)))
    expect(p.read(() => resolveRun(p, 'metrics', 'long', null))).toEqual(run)
  })

  test('keys and the row count: kept from two halves read at once, equal to a full scan', async () => {
    expect(p.read(() => keysHeld(p, run))).toBe(false)
    await keysAhead(p, run)
    expect(p.read(() => keysHeld(p, run))).toBe(true)
    expect(p.read(() => runStats(p, run))).toEqual(fresh((q) => runStats(q, run)))
    expect(p.read(() => runKeys(p, 'metrics', run, []))).toEqual(['acc', 'loss', 'lr'])
    expect(p.read(() => runKeys(p, 'metrics', run, []))).toEqual(fresh((q) => runKeys(q, 'metrics', run, [])))
  })

  test('series: cached from the workers (timestamps as strings, or as microseconds for a run past the table size), every answer equal to SQLite', async () => {
    for (const textMax of [1_000_000, 1_000]) {
      const old = setTextStampsMax(textMax)
      try {
        clearSeriesCache()
        for (const metric of ['loss', 'acc', 'lr']) {
          await seriesAhead(p, run, metric)
          expect(seriesHeld(p, run, metric)).toBe(true)
          expect(p.read(() => spelled(p, metric))).toBe(fresh((q) => bySql(q, metric)))
        }
        // Three series of ~40,000 points with their own timestamps: as microseconds, under 40 bytes a point, not ~150.
        if (textMax === 1_000) expect(seriesCacheStats().bytes).toBeLessThan(3 * ROWS * 40)
        else expect(seriesCacheStats().bytes).toBeGreaterThan(3 * ROWS * 100)
      } finally {
        setTextStampsMax(old)
      }
    }
  })

  test('rows committed by another writer while a worker reads: nothing wrong is kept, the new rows are answered', async () => {
    clearSeriesCache()
    const reading = Promise.all([runListAhead(p), seriesAhead(p, run, 'loss')])
    insert(500, run.value, 'long', ROWS)
    insert(3, 'brand-new-run', 'newcomer')
    await reading
    expect(JSON.stringify(p.read(() => listRuns(p)))).toBe(JSON.stringify(fresh((q) => listRuns(q))))
    expect(p.read(() => listRuns(p)).some((r) => r.name === 'newcomer')).toBe(true)
    expect(p.read(() => spelled(p, 'loss'))).toBe(fresh((q) => bySql(q, 'loss')))
    expect(p.read(() => runStats(p, run)).count).toBe(ROWS + 500)
  })

  test('rows not in timestamp order are not kept by the workers; the answer is still SQLite’s', async () => {
    clearSeriesCache()
    nextStamp -= 3_600_000_000 // an hour back
    insert(10, run.value, 'long', ROWS + 500)
    await seriesAhead(p, run, 'acc')
    expect(seriesHeld(p, run, 'acc')).toBe(false)
    expect(p.read(() => spelled(p, 'acc'))).toBe(fresh((q) => bySql(q, 'acc')))
  })

  test('in a rollback journal (Spaces), a long run is read in parts of PART_ROWIDS, one after the other: same answers', async () => {
    const d = copyFixtures('basic')
    const w = new Database(join(d, `${STEM}.db`))
    w.run('PRAGMA journal_mode = DELETE')
    const ins = w.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
    const n = PART_ROWIDS + 5_000
    w.transaction(() => {
      for (let i = 0; i < n; i++) ins.run('parts-id', formatIsoTimestamp(Date.UTC(2026, 10, 28) * 1000 + i * 1000), 'parts', i, `{"loss":${(1 / (1 + i)).toFixed(7)},"x${i % 3}":1}`)
    })()
    w.close()
    const s = new Storage(d)
    const q = s.project(STEM)!
    const f: RunFilter = { column: 'run_id', value: 'parts-id' }
    expect(String(q.read(() => q.db.query('PRAGMA journal_mode').values()[0]![0]))).toBe('delete')
    clearSeriesCache()
    await keysAhead(q, f)
    expect(q.read(() => keysHeld(q, f))).toBe(true)
    expect(q.read(() => runKeys(q, 'metrics', f, []))).toEqual(['loss', 'x0', 'x1', 'x2'])
    await seriesAhead(q, f, 'loss')
    expect(seriesHeld(q, f, 'loss')).toBe(true)
    expect(q.read(() => stringify({ data: metricValues(q, f, 'loss', { kind: 'all' }) }, { style: 'python' }))).toBe(
      q.read(() => stringify({ data: sqlMetricValues(q, f, 'loss', { kind: 'all' }) }, { style: 'python' })),
    )
    s.close()
  })

  test('without workers, the same answers (read on first use)', async () => {
    const old = setScanWorkers(false)
    try {
      clearSeriesCache()
      insert(5, run.value, 'long', ROWS + 510)
      await Promise.all([runListAhead(p), keysAhead(p, run), seriesAhead(p, run, 'loss')])
      expect(JSON.stringify(p.read(() => listRuns(p)))).toBe(JSON.stringify(fresh((q) => listRuns(q))))
      expect(p.read(() => runKeys(p, 'metrics', run, []))).toEqual(['acc', 'loss', 'lr'])
      expect(p.read(() => spelled(p, 'loss'))).toBe(fresh((q) => bySql(q, 'loss')))
    } finally {
      setScanWorkers(old)
    }
  })
})
