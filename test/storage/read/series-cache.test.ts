import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { stringify, toPlain } from '../../../src/json/serialize'
import { JsonRecords } from '../../../src/json/values'
import { jsonResponse } from '../../../src/transports/http/respond'
import { Storage, type ProjectDb } from '../../../src/storage/db/connection'
import { metricValues, sqlMetricValues, type RowFilter } from '../../../src/storage/read/metrics'
import type { RunFilter } from '../../../src/storage/read/runs'
import {
  cachedSeries,
  clearSeriesCache,
  prescanSeries,
  seriesCacheStats,
  seriesRecords,
  seriesWindow,
  setSeriesCacheLimit,
  SERIES_CACHE_BYTES,
} from '../../../src/storage/read/series-cache'
import { parseInstant } from '../../../src/storage/db/timestamps'
import { setTextStampsMax } from '../../../src/storage/read/stamp-table'
import { copyFixtures } from '../../helpers'

/**
 * The cache against the SQL path it replaces, on a run written straight into a copy of a Trackio
 * database (Trackio's schema): shuffled steps, flushes sharing a timestamp, every kind of value.
 * Every answer must be byte-identical (HTTP's Python spelling and MCP's pydantic spelling).
 */

const STEM = 'image-classification'
const RUN = 'long-cached-run'
const run: RunFilter = { column: 'run_id', value: 'cafe0000long' }

let dir: string
let storage: Storage
let writer: Database
let p: ProjectDb

/** A seeded PRNG so the data is the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
}

const SPELLINGS = ['1.0', '0.1', '3.063943', '-0.0', '1e-05', '2.5E-7', '"NaN"', '"Infinity"', '"text"', '0', '-7', '1152921504606846976', '0.00010', '1.50', 'null', 'true', '0.00006954073448723303', '6.954073448723303e-05', '1e+21', '-0', '1e400']

let nextSecond = 0
/** Insert `n` rows as an outside writer: batches of 10 share a flush timestamp. */
function insertRows(n: number, rand: () => number, opts: { stamp?: (i: number) => string; runId?: string; media?: number } = {}): void {
  const insert = writer.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
  writer.transaction(() => {
    for (let i = 0; i < n; i++) {
      if (i % 10 === 0) nextSecond++
      const ts = opts.stamp?.(i) ?? `2026-11-25T05:${String(Math.floor(nextSecond / 60) % 60).padStart(2, '0')}:${String(nextSecond % 60).padStart(2, '0')}.${String(nextSecond * 7919 % 1000000).padStart(6, '0')}+00:00`
      const step = Math.floor(rand() * 2000) - 100
      const m: string[] = [`"loss":${(rand() * 4).toFixed(6)}`, `"mixed":${SPELLINGS[Math.floor(rand() * SPELLINGS.length)]}`]
      if (rand() < 0.3) m.push(`"sparse":${Math.floor(rand() * 1000)}`)
      if (rand() < (opts.media ?? 0.05)) m.push(`"media":{"_type":"image","file_path":"x/${i}.png"}`)
      insert.run(opts.runId ?? run.value, ts, RUN, step, `{${m.join(',')}}`)
    }
  })()
}

function filters(): RowFilter[] {
  return [
    { kind: 'all' },
    { kind: 'none' },
    { kind: 'step', step: 17 },
    { kind: 'step', step: 9007199254740993n },
    { kind: 'steps', lo: 0, hi: 50 },
    { kind: 'steps', lo: -100, hi: 5000 },
    { kind: 'steps', lo: 1500, hi: 1500 },
    { kind: 'steps', lo: -9223372036854775808n, hi: 9223372036854775807n },
    { kind: 'time', lo: Date.parse('2026-11-25T05:01:00Z') * 1000, hi: Date.parse('2026-11-25T05:02:30Z') * 1000 },
    { kind: 'time', lo: 0, hi: 1 },
    { kind: 'nearest', at: Date.parse('2026-11-25T05:01:00.5Z') * 1000 },
    { kind: 'nearest', at: 0 },
    { kind: 'nearest', at: Date.parse('2999-01-01T00:00:00Z') * 1000 },
  ]
}

const both = (r: JsonRecords) => stringify({ data: r }, { style: 'python' }) + '\n' + JSON.stringify(toPlain(r))

/** The SQL path's answer, with `nearest` applied as metricValues does. */
function expected(metric: string, rf: RowFilter): string {
  return p.read(() => {
    if (rf.kind !== 'nearest') return both(sqlMetricValues(p, run, metric, rf))
    // nearest = the rows of the one instant closest to `at` among the rows holding the metric
    const all = sqlMetricValues(p, run, metric, { kind: 'all' })
    const instants = all.columns[0]!.map((ts) => parseInstant(ts as string)!)
    let best: number | null = null
    for (const t of instants) if (best === null || Math.abs(t - rf.at) < Math.abs(best - rf.at) || (Math.abs(t - rf.at) === Math.abs(best - rf.at) && t < best)) best = t
    return both(sqlMetricValues(p, run, metric, best === null ? { kind: 'none' } : { kind: 'time', lo: best, hi: best }))
  })
}

function actual(metric: string, rf: RowFilter): string {
  return p.read(() => both(metricValues(p, run, metric, rf)))
}

function checkAll(): void {
  for (const metric of ['loss', 'mixed', 'sparse', 'media', 'absent'])
    for (const rf of filters()) expect(`${metric} ${JSON.stringify(rf, (_, v) => (typeof v === 'bigint' ? String(v) : v))}\n${actual(metric, rf)}`).toBe(
      `${metric} ${JSON.stringify(rf, (_, v) => (typeof v === 'bigint' ? String(v) : v))}\n${expected(metric, rf)}`,
    )
}

beforeAll(() => {
  dir = copyFixtures('basic')
  writer = new Database(join(dir, `${STEM}.db`))
  insertRows(3000, prng(7))
  storage = new Storage(dir)
  p = storage.project(STEM)!
})

afterAll(() => {
  storage.close()
  writer.close()
  setSeriesCacheLimit(SERIES_CACHE_BYTES)
})

describe('series cache', () => {
  test('the long run is cached and every filter answers exactly what SQLite answers', () => {
    clearSeriesCache()
    checkAll()
    expect(p.read(() => cachedSeries(p, run, 'loss'))?.length).toBe(3000)
    expect(seriesCacheStats().series).toBeGreaterThanOrEqual(4)
  })

  test('rows appended by another connection are picked up (the series grows in place of a rebuild)', () => {
    const before = p.read(() => cachedSeries(p, run, 'loss'))!
    const beforeText = both(seriesRecords(before, null))
    insertRows(700, prng(8))
    checkAll()
    const after = p.read(() => cachedSeries(p, run, 'loss'))!
    expect(after.length).toBe(3700)
    // The new rows went into the spare room of the same arrays: the series handed out before is unchanged.
    expect(after.steps.buffer).toBe(before.steps.buffer)
    expect(before.length).toBe(3000)
    expect(both(seriesRecords(before, null))).toBe(beforeText)
    const spelled = (t: { length: number; at(i: number): string }, n = t.length) => Array.from({ length: n }, (_, i) => t.at(i))
    expect(spelled(after.stamps, before.stamps.length)).toEqual(spelled(before.stamps))
  })

  test('long timestamp tables, kept as microseconds with odd spellings aside, answer exactly the same', () => {
    const old = setTextStampsMax(100)
    try {
      clearSeriesCache()
      checkAll()
      expect(p.read(() => cachedSeries(p, run, 'loss'))!.stamps.bytes).toBeLessThan(24 * p.read(() => cachedSeries(p, run, 'loss'))!.stamps.length)
      // Appended rows with spellings Trackio does not write (kept as text) and a zero fraction.
      const odd = ['2026-11-25T06:00:00Z', '2026-11-25T06:00:01.000000+00:00', '2026-11-25 06:00:02+00:00', '2026-11-25T06:00:03+00:00', '2026-11-25T06:00:04.5+00:00']
      insertRows(50, prng(21), { stamp: (i) => odd[i % odd.length]! })
      checkAll()
    } finally {
      setTextStampsMax(old)
      clearSeriesCache()
    }
  })

  test('rows logged with an earlier timestamp, rows deleted in the middle, a value rewritten in place', () => {
    insertRows(40, prng(9), { stamp: (i) => `2026-11-25T04:00:00.${String(i).padStart(6, '0')}+00:00` })
    checkAll()
    writer.run('DELETE FROM metrics WHERE run_id = ? AND rowid % 97 = 0', [run.value])
    checkAll()
    writer.run(`UPDATE metrics SET metrics = replace(metrics, 'file_path":"x/', 'file_path":"y/') WHERE run_id = ?`, [run.value])
    checkAll()
    expect(actual('media', { kind: 'all' })).toContain('"file_path":"y/')
  })

  test('a deleted run answers nothing; a run written again afterwards is read afresh', () => {
    writer.run('DELETE FROM metrics WHERE run_id = ?', [run.value])
    expect(p.read(() => metricValues(p, run, 'loss', { kind: 'all' })).length).toBe(0)
    insertRows(600, prng(10))
    checkAll()
  })

  test('writes through the same connection (as the server writes) invalidate too', async () => {
    await p.writeAsync(() => p.db.run('DELETE FROM metrics WHERE run_id = ? AND step < 0', [run.value]))
    checkAll()
    expect(actual('loss', { kind: 'steps', lo: -100, hi: -1 })).toStartWith('{"data":[]}')
  })

  test('memory stays within the bound: least recently used series are evicted', () => {
    clearSeriesCache()
    const one = p.read(() => cachedSeries(p, run, 'loss'))!.bytes
    setSeriesCacheLimit(Math.floor(one * 2.5))
    for (const m of ['loss', 'mixed', 'sparse', 'loss', 'mixed']) p.read(() => cachedSeries(p, run, m))
    expect(seriesCacheStats().bytes).toBeLessThanOrEqual(Math.floor(one * 2.5))
    expect(seriesCacheStats().series).toBeLessThanOrEqual(2)
    // evicted or not, answers stay right
    checkAll()
    setSeriesCacheLimit(1000)
    expect(seriesCacheStats().bytes).toBeLessThanOrEqual(1000)
    checkAll()
    setSeriesCacheLimit(SERIES_CACHE_BYTES)
  })
})

describe('seriesWindow', () => {
  test('keeps each bucket’s first, smallest, largest and last point, in step order, within maxPoints', () => {
    const all = p.read(() => sqlMetricValues(p, run, 'loss', { kind: 'steps', lo: 100, hi: 1800 }))
    const pts = all.toArray().map((r) => ({ step: Number(r.step), value: Number(r.value) }))
    // step order, ties in timestamp order (the SQL answer is in timestamp order: sort stably by step)
    pts.sort((a, b) => a.step - b.step)
    const w = seriesWindow(p, run, 'loss', 100, 1800, 200)!
    expect(w.total).toBe(pts.length)
    expect(w.steps.length).toBeLessThanOrEqual(200)
    expect(w.steps.length).toBeGreaterThan(100)
    for (let i = 1; i < w.steps.length; i++) expect(w.steps[i]!).toBeGreaterThanOrEqual(w.steps[i - 1]!)
    // global extremes survive, and so does every bucket's
    const values = [...w.values]
    expect(Math.max(...values)).toBe(Math.max(...pts.map((q) => q.value)))
    expect(Math.min(...values)).toBe(Math.min(...pts.map((q) => q.value)))
    const buckets = 50
    const width = (pts.at(-1)!.step - pts[0]!.step) / buckets
    const bucketOf = (s: number) => Math.min(buckets - 1, Math.floor((s - pts[0]!.step) / width))
    for (let b = 0; b < buckets; b++) {
      const inB = pts.filter((q) => bucketOf(q.step) === b)
      if (!inB.length) continue
      const kept = [...w.steps].map((s, i) => [s, w.values[i]!]).filter(([s]) => bucketOf(s!) === b)
      expect(kept.some(([, v]) => v === Math.max(...inB.map((q) => q.value)))).toBe(true)
      expect(kept.some(([, v]) => v === Math.min(...inB.map((q) => q.value)))).toBe(true)
      expect(kept[0]![0]).toBe(inB[0]!.step)
      expect(kept.at(-1)![0]).toBe(inB.at(-1)!.step)
    }
  })

  test('a small range comes back whole; non-numbers read as NaN; an unknown metric is empty', () => {
    const w = seriesWindow(p, run, 'loss', 10, 12)!
    const sql = p.read(() => sqlMetricValues(p, run, 'loss', { kind: 'steps', lo: 10, hi: 12 }))
    expect(w.total).toBe(sql.length)
    expect([...w.steps].sort()).toEqual(sql.toArray().map((r) => Number(r.step)).sort())
    const mixed = seriesWindow(p, run, 'mixed')!
    expect(mixed.values.some((v) => Number.isNaN(v))).toBe(true)
    expect(seriesWindow(p, run, 'absent')?.total ?? 0).toBe(0)
  })
})

describe('long answers (held lazily, spelled by the native JSON.stringify over HTTP)', () => {
  const big: RunFilter = { column: 'run_id', value: 'cafe0000big' }
  beforeAll(() => insertRows(30000, prng(11), { runId: big.value, media: 0.4 }))

  test('HTTP bytes, MCP values and slices equal the SQL path for every metric and filter', async () => {
    clearSeriesCache()
    for (const metric of ['loss', 'mixed', 'sparse', 'media'])
      for (const rf of [{ kind: 'all' }, { kind: 'steps', lo: -100, hi: 1700 }, { kind: 'time', lo: 0, hi: 4e15 }] as RowFilter[]) {
        const ours = p.read(() => metricValues(p, big, metric, rf))
        const sql = p.read(() => sqlMetricValues(p, big, metric, rf))
        expect(ours.length).toBe(sql.length)
        if (metric !== 'sparse') expect(ours.length).toBeGreaterThan(8192)
        if (metric === 'loss') expect(ours.constructor.name).toBe('SeriesRecords')
        const http = await jsonResponse({ data: ours }).text()
        expect(http).toBe(stringify({ data: sql }, { style: 'python' }))
        expect(await jsonResponse({ data: ours }, 200).text()).toBe(http)
        expect(stringify({ data: ours, extra: 1 }, { style: 'python' })).toBe(stringify({ data: sql, extra: 1 }, { style: 'python' }))
        expect(JSON.stringify(toPlain(ours))).toBe(JSON.stringify(toPlain(sql)))
        expect(stringify(ours.slice(100, 9000))).toBe(stringify(sql.slice(100, 9000)))
        expect(ours.at(2, 5000)).toEqual(sql.at(2, 5000))
      }
  })
})

describe('series read ahead in slices (prescanSeries)', () => {
  test('a 150,000-row run: cached by the scan ahead, every answer equal to SQLite’s; timestamps going back: nothing cached, same answers', async () => {
    const d = copyFixtures('basic')
    const w = new Database(join(d, `${STEM}.db`))
    const s = new Storage(d)
    const q = s.project(STEM)!
    const add = (rid: string, n: number, stamp: (i: number) => string) => {
      const insert = w.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
      w.transaction(() => {
        for (let i = 0; i < n; i++) insert.run(rid, stamp(i), rid, i, `{"loss":${SPELLINGS[i % 6]},"x":${i % 3 === 0 ? '"NaN"' : (i / 3).toFixed(4)}}`)
      })()
    }
    const stamp = (i: number) => `2026-03-01T00:${String(Math.floor(i / 6000) % 60).padStart(2, '0')}:${String(Math.floor(i / 100) % 60).padStart(2, '0')}.000000+00:00`
    add('ordered', 150_000, stamp)
    const f: RunFilter = { column: 'run_id', value: 'ordered' }
    const count = () => q.read(() => Number(w.query("SELECT COUNT(*) FROM metrics WHERE run_id = 'ordered'").values()[0]![0]))
    clearSeriesCache()
    for (const metric of ['loss', 'x']) {
      await prescanSeries(q, f, metric, count)
      expect(q.read(() => cachedSeries(q, f, metric, () => false))?.length).toBe(150_000)
      for (const rf of [{ kind: 'all' }, { kind: 'steps', lo: 65_530, hi: 65_540 }, { kind: 'step', step: 131_072 }] as RowFilter[])
        expect(q.read(() => both(metricValues(q, f, metric, rf)))).toBe(q.read(() => both(sqlMetricValues(q, f, metric, rf))))
    }
    // Another run's rows logged with timestamps that go back halfway: the scan ahead stops.
    const d2 = copyFixtures('basic')
    const w2 = new Database(join(d2, `${STEM}.db`))
    const insert = w2.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
    w2.transaction(() => {
      for (let i = 0; i < 150_000; i++) insert.run('back', stamp(i < 100_000 ? i + 50_000 : i - 100_000), 'back', i, `{"loss":${i}}`)
    })()
    const s2 = new Storage(d2)
    const q2 = s2.project(STEM)!
    const g: RunFilter = { column: 'run_id', value: 'back' }
    await prescanSeries(q2, g, 'loss', () => 150_000)
    expect(q2.read(() => cachedSeries(q2, g, 'loss', () => false))).toBeNull()
    // Built on first use instead (in timestamp order), equal to SQLite's answer.
    expect(q2.read(() => both(metricValues(q2, g, 'loss', { kind: 'all' })))).toBe(q2.read(() => both(sqlMetricValues(q2, g, 'loss', { kind: 'all' }))))
    expect(q2.read(() => cachedSeries(q2, g, 'loss', () => false))?.length).toBe(150_000)
    for (const x of [s, s2]) x.close()
    for (const x of [w, w2]) x.close()
  }, 60_000)
})
