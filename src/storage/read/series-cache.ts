import type { Database } from 'bun:sqlite'
import { parseJson } from '../../json/parse'
import { formatFloat, stringify } from '../../json/serialize'
import { JsonFloat, JsonRecords, type Json } from '../../json/values'
import { compareCodePoints, type ProjectDb } from '../db/connection'
import { decodeTopLevel } from '../db/decode'
import type { RowFilter } from './metrics'
import { runRowSpan, where, type RunFilter } from './runs'
import { grown, StampTable, type StampWire } from './stamp-table'
import { onlyGrewSince, tableMark, type TableMark } from './table-mark'

/**
 * A per-(run, metric) column cache of the metrics table, so that long series are answered from memory
 * instead of SQLite extracting one key from every row's JSON on each request.
 *
 * A series holds, in Trackio's row order (timestamp, then rowid), for each row holding the metric: its
 * step (Float64Array), its timestamp (an index into the series' sorted table of distinct timestamps), its
 * value as a number, and how to spell that value exactly as stored (so answers stay byte-identical):
 *   kind 0: `String(value)`; kind 1: `String(value) + '.0'`; kind 2: a stored lexeme kept aside;
 *   kind 3: a decoded value kept aside (strings, objects, NaN tokens, ...); kinds 4 and 5: a float
 *   written exactly as Python (`5.1e-05`) or JavaScript (`0.000051`) writes its value, rebuilt from it.
 *
 * Built on first use; afterwards, whenever the database changed (another connection committed, or this
 * server wrote), a series is checked inside the caller's read transaction: its rows up to the rowid
 * high-water mark must still be there (same count, first and last rowid present), then rows beyond the
 * mark are appended. Anything else (a deleted or renamed run, rows rewritten in place by a media move,
 * rows logged with an earlier timestamp than the cached ones) rebuilds it. Nothing is ever written to the
 * database. Runs with a step beyond 2^53, metric names holding NUL and rows SQLite's JSON cannot read are
 * not cached (the SQL path answers them).
 *
 * Memory: at most SERIES_CACHE_BYTES (256 MiB) in all (least recently used series evicted first), about 25 bytes
 * per point plus the spellings kept aside; a single series larger than the bound is not kept.
 */

/** Default upper bound of the whole cache's memory. */
export const SERIES_CACHE_BYTES = 256 * 1024 * 1024

let limit = SERIES_CACHE_BYTES

/** Series shorter than this are served by SQLite directly: the cache pays off on long series. */
export const SERIES_CACHE_MIN_ROWS = 512

export interface Series {
  length: number
  steps: Float64Array
  values: Float64Array
  /** Index into `stamps` per row; non-decreasing (rows are in timestamp order). */
  stampIndex: Uint32Array
  kinds: Uint8Array
  /** Distinct timestamps in order, as stored. */
  stamps: StampTable
  /** Spellings (kind 2) and decoded values (kind 3) by row. */
  extra: Map<number, string | Json>
  /** Rows holding the metric or not: the run's rows up to `highRowid`, and the first/last of them. */
  runRows: number
  firstRowid: number
  highRowid: number
  /** Whether some value is an object or array (media, histograms): a media move rewrites those in place. */
  hasObjects: boolean
  /** Estimated bytes of the spellings and values kept aside. */
  extraBytes: number
  /** Lazily: row positions sorted by (step, position); null when steps never decrease (identity). */
  byStep?: Int32Array | null
  /** Lazily: each distinct timestamp as epoch µs (NaN when unparseable). */
  instants?: Float64Array
  bytes: number
  /** The database version (a memo token of the ProjectDb) this series was last checked against. */
  checkedAt?: object
  /** The metrics table's mark when this series was last read or checked (see table-mark.ts). */
  mark?: TableMark | null
  /** The arrays behind the columns' views, with room to grow (see Assembler). */
  spare?: Columns
  /** The last seriesWindow answer (dashboards ask for the same view again and again). */
  window?: { key: string; value: SeriesWindow }
}

/** A JSON number that decodes as a float (a fraction or an exponent). */
const FLOAT = /^-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+)$/

/** An integer, or a float in fixed notation with 1e-4 <= |x| < 1e16: written as stored (see metrics.ts). */
const STORED_SPELLING = /^(?:0|-?[1-9]\d*|-?(?:[1-9]\d{0,15}|0(?!\.0000))\.\d+)$/

const MAX_SAFE = Number.MAX_SAFE_INTEGER

class Lru {
  private entries = new Map<string, Series>()
  private total = 0

  get(key: string): Series | undefined {
    const s = this.entries.get(key)
    if (s) {
      this.entries.delete(key)
      this.entries.set(key, s)
    }
    return s
  }

  set(key: string, s: Series): void {
    this.delete(key)
    if (s.bytes > limit) return
    this.entries.set(key, s)
    this.total += s.bytes
    this.trim()
  }

  trim(): void {
    for (const [k, old] of this.entries) {
      if (this.total <= limit) break
      this.entries.delete(k)
      this.total -= old.bytes
    }
  }

  delete(key: string): void {
    const s = this.entries.get(key)
    if (s) {
      this.entries.delete(key)
      this.total -= s.bytes
    }
  }

  stats(): { series: number; bytes: number } {
    return { series: this.entries.size, bytes: this.total }
  }

  clear(): void {
    this.entries.clear()
    this.total = 0
  }
}

const cache = new Lru()

/** Number of cached series and their bytes (for tests and benchmarks). */
export function seriesCacheStats(): { series: number; bytes: number } {
  return cache.stats()
}

/** Change the memory bound (tests, benchmarks); evicts down to it at once. */
export function setSeriesCacheLimit(bytes: number): void {
  limit = bytes
  cache.trim()
}

/** Forget every cached series. */
export function clearSeriesCache(): void {
  cache.clear()
}

function cacheKey(p: ProjectDb, f: RunFilter, metric: string): string {
  return `${p.paths.db}\u0000${p.inode}\u0000${f.column}\u0000${f.value}\u0000${metric}`
}

/** JSON path for one top-level key, quoted so dots, `$` and quotes in names are literal. */
export function keyPath(key: string): string {
  return `$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * An object that stays the same while the database does not change, and is new after any change
 * (another connection committed, or this server wrote): ProjectDb clears its memos then. Caches keep
 * the token they were checked against.
 */
export function versionToken(p: ProjectDb): object {
  return p.versionToken()
}

/**
 * The cached series of `metric` in a run, brought up to date with the database; null when the run is
 * not cacheable (see above). `worthBuilding` says whether a series not yet cached should be built (a
 * long run whose steps are all exact as JS numbers). Call inside `p.read`.
 */
export function cachedSeries(p: ProjectDb, f: RunFilter, metric: string, worthBuilding: () => boolean = () => true): Series | null {
  if (metric.includes('\u0000') || !p.hasTable('metrics')) return null
  const key = cacheKey(p, f, metric)
  // A new token each time the database changes (the memo is cleared when another connection commits
  // or we write): a series is checked once per change. Only the token and a flag live in the memo.
  const version = versionToken(p)
  let s = cache.get(key) ?? null
  if (s && s.checkedAt === version) return s
  if (s) s = refreshed(p, f, metric, s)
  if (!s) {
    // Runs whose rows SQLite's JSON cannot read (bare NaN tokens) are not tried again until a change.
    const unreadable = p.memo('series-unreadable', () => new Set<string>())
    if (unreadable.has(key) || !worthBuilding()) {
      cache.delete(key)
      return null
    }
    s = build(p, f, metric)
    if (!s && unreadable.size < 1024) unreadable.add(key)
  }
  // A series with no points is a metric name that matches nothing: keep nothing for it (issue 10.3).
  if (s && s.length > 0) {
    s.checkedAt = version
    s.mark = tableMark(p)
    cache.set(key, s)
  } else cache.delete(key)
  return s
}

/** Whether a series of `metric` in the run is cached (up to date or not). */
export function seriesHeld(p: ProjectDb, f: RunFilter, metric: string): boolean {
  return cache.get(cacheKey(p, f, metric)) !== undefined
}

/**
 * Cache a series read by the scan workers while the database was at `token`: checked already if the
 * database has not changed since, otherwise checked and extended on first use like any cached series.
 */
export function keepSeries(p: ProjectDb, f: RunFilter, metric: string, s: Series, token: object): void {
  p.read(() => {
    const key = cacheKey(p, f, metric)
    if (cache.get(key) || s.hasObjects || s.length === 0 || metric.includes('\u0000')) return
    const now = versionToken(p)
    s.checkedAt = now === token ? now : undefined
    cache.set(key, s)
  })
}

/** One row of a run: rowid, timestamp, step, and the metric's JSON text (null when the row lacks it). */
interface Row {
  r: number
  t: unknown
  s: unknown
  v: string | null
}

/**
 * A run's rows after rowid `after`, in (timestamp, rowid) order: through the run's index, or (`viaRowids`)
 * from the table's rowids after `after`, which is far cheaper for the few rows logged since a long run
 * was read (its index would be walked whole: 2,000,000 entries for a hundred new rows).
 */
function selectRows(p: ProjectDb, f: RunFilter, metric: string, after: number, viaRowids = false): Iterable<Row> {
  const filter = viaRowids ? `rowid > ? AND +${f.column} = ?` : `${where(f)} AND rowid > ?`
  const stmt = p.db
    .query(`SELECT rowid AS r, timestamp AS t, step AS s, CAST(metrics AS TEXT) -> ? AS v FROM metrics WHERE ${filter} ORDER BY timestamp, rowid`)
    .safeIntegers(false)
  // Row by row: a 2,000,000-row run never sits in memory as 2,000,000 rows at once.
  return (viaRowids ? stmt.iterate(keyPath(metric), after, f.value) : stmt.iterate(keyPath(metric), f.value, after)) as Iterable<Row>
}

/**
 * A run's rows in rowid order (see runRowSpan), or null when the run has none. Rows are almost always
 * logged in timestamp order, so this is (timestamp, rowid) order without walking the timestamp index
 * (one lookup per row); assemble refuses rows whose timestamps go back, and build then reads in order.
 */
function selectRowsByRowid(p: ProjectDb, f: RunFilter, metric: string): Iterable<Row> | null {
  const [rows, first, high] = p.db
    .query(`SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM metrics WHERE ${where(f)}`)
    .safeIntegers(false)
    .values(f.value)[0] as [number, number | null, number | null]
  if (rows === 0 || first === null || high === null) return null
  const span = runRowSpan(f, rows, first, high)
  return p.db
    .query(`SELECT rowid AS r, timestamp AS t, step AS s, CAST(metrics AS TEXT) -> ? AS v FROM metrics WHERE ${span.sql} ORDER BY rowid`)
    .safeIntegers(false)
    .iterate(keyPath(metric), ...span.params) as Iterable<Row>
}

/** A whole series from SQLite, or null when it cannot be cached. */
function build(p: ProjectDb, f: RunFilter, metric: string): Series | null {
  try {
    const byRowid = selectRowsByRowid(p, f, metric)
    const s = byRowid && assemble(byRowid, null)
    if (s) return s
    return assemble(selectRows(p, f, metric, -1), null)
  } catch (err) {
    if (err instanceof Error && /malformed JSON/i.test(err.message)) return null
    throw err
  }
}

/** Table rowids per slice of a series read ahead (prescanSeries): some 100 ms each. */
export const SERIES_SLICE = 65_536

/**
 * Read ahead, slice by slice, the series of `metric` in a long run that is not cached yet, yielding to
 * the event loop between slices (each in its own read transaction), so that the first read of a
 * 2,000,000-row run does not hold every other request up for seconds. Slices walk the table in rowid
 * order, so this goes on only while the run holds at least half of each slice's rowids and its rows come
 * in timestamp order (else it stops and the series is built on first use, as before). The result is
 * kept only if it is exact: the database did not change between the first slice and the last, or the
 * run's row count (`rowCount`, read in the last slice's transaction) equals the rows read.
 */
export async function prescanSeries(p: ProjectDb, f: RunFilter, metric: string, rowCount: () => number): Promise<void> {
  if (metric.includes('\u0000')) return
  const key = cacheKey(p, f, metric)
  const asm = new Assembler(null)
  let cursor = -1
  let version: object | null = null
  for (;;) {
    const next = p.read((): number | null => {
      if (!p.hasTable('metrics') || cache.get(key)) return null
      version ??= versionToken(p)
      const [last] = p.db.query('SELECT MAX(rowid) FROM metrics').safeIntegers(false).values()[0] as [number | null]
      if (last === null || last < 2 * SERIES_SLICE) return null
      const hi = cursor + SERIES_SLICE
      const final = hi >= last
      const before = asm.progress.runRows
      const rows = p.db
        .query(`SELECT rowid AS r, timestamp AS t, step AS s, CAST(metrics AS TEXT) -> ? AS v FROM metrics WHERE rowid > ? AND rowid <= ? AND +${f.column} = ? ORDER BY rowid`)
        .safeIntegers(false)
        .iterate(keyPath(metric), cursor, final ? last : hi, f.value) as Iterable<Row>
      try {
        if (!asm.add(rows)) return null
      } catch (err) {
        if (err instanceof Error && /malformed JSON/i.test(err.message)) return null
        throw err
      }
      if (!final) return (asm.progress.runRows - before) * 2 >= SERIES_SLICE ? hi : null
      const s = asm.finish()
      // Rows deleted, renamed away or rewritten while slices were read: leave it to the first use.
      if (s.hasObjects || s.length === 0 || (versionToken(p) !== version && s.runRows !== rowCount())) return null
      s.checkedAt = versionToken(p)
      cache.set(key, s)
      return null
    })
    if (next === null) return
    cursor = next
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** `base` brought up to date, or null when it must be rebuilt. */
function refreshed(p: ProjectDb, f: RunFilter, metric: string, base: Series): Series | null {
  const ends = base.firstRowid === base.highRowid ? 1 : 2
  const [present] = p.db
    .query(`SELECT COUNT(*) FROM metrics WHERE rowid IN (?, ?) AND +${f.column} = ?`)
    .safeIntegers(false)
    .values(base.firstRowid, base.highRowid, f.value)[0] as [number]
  if (present !== ends) return null
  // The run's rows up to the mark must all still be there: when the table only grew since the series
  // was checked (a run id's rows stay its own), they are; otherwise they are counted through its index.
  if (!(f.column === 'run_id' && onlyGrewSince(p, base.mark))) {
    const [count] = p.db.query(`SELECT COUNT(*) FROM metrics WHERE ${where(f)} AND rowid <= ?`).safeIntegers(false).values(f.value, base.highRowid)[0] as [number]
    if (count !== base.runRows) return null
  }
  if (base.hasObjects) return null
  // Fewer table rows beyond the series than it holds (a run that kept logging): found from the rowids.
  const [last] = p.db.query('SELECT MAX(rowid) FROM metrics').safeIntegers(false).values()[0] as [number | null]
  const viaRowids = last !== null && last - base.highRowid <= base.runRows
  try {
    return assemble(selectRows(p, f, metric, base.highRowid, viaRowids), base)
  } catch (err) {
    if (err instanceof Error && /malformed JSON/i.test(err.message)) return null
    throw err
  }
}

/** Growable typed columns for assemble. */
class Columns {
  n = 0
  /** Whether an extension has taken the room past `n` (see Assembler). */
  claimed = false
  steps: Float64Array
  values: Float64Array
  stampIndex: Uint32Array
  kinds: Uint8Array
  constructor(capacity: number) {
    this.steps = new Float64Array(capacity)
    this.values = new Float64Array(capacity)
    this.stampIndex = new Uint32Array(capacity)
    this.kinds = new Uint8Array(capacity)
  }
  reserve(): void {
    if (this.n < this.steps.length) return
    const cap = grown(this.steps.length)
    const grow = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap)
      b.set(a)
      return b
    }
    this.steps = grow(this.steps, (c) => new Float64Array(c))
    this.values = grow(this.values, (c) => new Float64Array(c))
    this.stampIndex = grow(this.stampIndex, (c) => new Uint32Array(c))
    this.kinds = grow(this.kinds, (c) => new Uint8Array(c))
  }
}

/**
 * A series of `base` (or nothing) followed by `rows` (in timestamp, rowid order), as new arrays (a
 * series handed out earlier is never changed); null if not cacheable. `base` itself when no row came.
 */
function assemble(rows: Iterable<Row>, base: Series | null): Series | null {
  const a = new Assembler(base)
  return a.add(rows) ? a.finish() : null
}

/** Rows appended to a series (or to nothing) in one or more batches (assemble, prescanSeries). */
class Assembler {
  private c: Columns
  private stamps: StampTable | null
  private extra: Map<number, string | Json> | null
  private hasObjects: boolean
  private extraBytes: number
  private last: string | null
  private firstRowid: number
  private highRowid: number
  private runRows: number

  /**
   * `keepText`: kind-3 values are kept as their JSON text (a series read by the scan worker, sent
   * between threads; see seriesFromWire); `compact`: timestamps as microseconds from the start (a run too
   * long for a table of strings, read in parts that are joined: see StampTable.concat).
   */
  constructor(
    private readonly base: Series | null,
    private readonly keepText = false,
    compact = false,
  ) {
    const old = base?.length ?? 0
    if (base?.spare && !base.spare.claimed && base.spare.n === old) {
      // Rows are added past the base's length in the arrays behind its views: nothing is copied, and
      // the base (and whoever holds it) never sees them. Only the first extension of a series may.
      base.spare.claimed = true
      this.c = base.spare
    } else {
      this.c = new Columns(grown(old))
      if (base) {
        this.c.steps.set(base.steps)
        this.c.values.set(base.values)
        this.c.stampIndex.set(base.stampIndex)
        this.c.kinds.set(base.kinds)
        this.c.n = old
      }
    }
    this.stamps = base ? null : compact ? StampTable.compact() : new StampTable()
    this.extra = base ? null : new Map()
    this.hasObjects = base?.hasObjects ?? false
    this.extraBytes = base?.extraBytes ?? 0
    this.last = base ? base.stamps.last : null
    this.firstRowid = base?.firstRowid ?? -1
    this.highRowid = base?.highRowid ?? -1
    this.runRows = base?.runRows ?? 0
  }

  /** Appends `rows`; false when the series cannot be cached (then the assembler is not to be used again). */
  add(rows: Iterable<Row>): boolean {
    const c = this.c
    for (const r of rows) {
      this.runRows++
      const rowid = r.r
      if (this.firstRowid < 0) this.firstRowid = rowid
      if (rowid > this.highRowid) this.highRowid = rowid
      const v = r.v
      if (v === null) continue
      const ts = r.t
      const step = r.s
      if (typeof ts !== 'string' || typeof step !== 'number' || !Number.isInteger(step) || Math.abs(step) > MAX_SAFE) return false
      const stamps = (this.stamps ??= this.base!.stamps.extendable())
      const extra = (this.extra ??= new Map(this.base!.extra))
      if (this.last === null || ts !== this.last) {
        // New rows with an earlier timestamp than the cached ones would have to be merged: rebuild.
        if (this.last !== null && compareCodePoints(ts, this.last) < 0) return false
        stamps.push(ts)
        this.last = ts
      }
      c.reserve()
      const i = c.n++
      c.stampIndex[i] = stamps.length - 1
      c.steps[i] = step
      if (STORED_SPELLING.test(v)) {
        const x = Number(v)
        c.values[i] = x
        const s = String(x)
        if (s === v) c.kinds[i] = 0
        else if (s + '.0' === v) c.kinds[i] = 1
        else {
          c.kinds[i] = 2
          extra.set(i, v)
          this.extraBytes += 40 + 2 * v.length
        }
      } else if (FLOAT.test(v) && (formatFloat(Number(v)) === v || String(Number(v)) === v)) {
        // A float as Python (1e-05) or JavaScript (0.00001) writes its value: spelled again from the
        // number, nothing kept aside.
        c.values[i] = Number(v)
        c.kinds[i] = formatFloat(Number(v)) === v ? 4 : 5
      } else {
        const decoded = decodeTopLevel(parseJson(v))
        c.values[i] = typeof decoded === 'number' || typeof decoded === 'bigint' || decoded instanceof JsonFloat ? Number(decoded) : Number.NaN
        c.kinds[i] = 3
        extra.set(i, this.keepText ? v : decoded)
        this.extraBytes += 64 + 2 * v.length
        if (decoded instanceof Map || Array.isArray(decoded)) this.hasObjects = true
      }
    }
    return true
  }

  /** Rows taken so far (with the metric or not) and the highest rowid among them. */
  get progress(): { runRows: number; highRowid: number } {
    return { runRows: this.runRows, highRowid: this.highRowid }
  }

  finish(): Series {
    const { base, runRows, highRowid, firstRowid, hasObjects, extraBytes, c } = this
    if (base && this.stamps === null) {
      // Only rows without the metric came: same points, newer high-water mark (and the same spare arrays,
      // nothing having been written to them).
      if (c === base.spare) c.claimed = false
      return { ...base, runRows, highRowid, firstRowid, byStep: base.byStep, instants: base.instants, window: undefined }
    }
    const stamps = this.stamps ?? new StampTable()
    const extra = this.extra ?? new Map()
    const n = c.n
    const stampBytes = stamps.bytes
    // Views of the arrays, whose spare room the next extension fills (see the constructor).
    c.claimed = false
    return {
      spare: c,
      length: n,
      steps: c.steps.subarray(0, n),
      values: c.values.subarray(0, n),
      stampIndex: c.stampIndex.subarray(0, n),
      kinds: c.kinds.subarray(0, n),
      stamps,
      extra,
      runRows,
      firstRowid,
      highRowid,
      hasObjects,
      extraBytes,
      bytes: seriesBytes(c.steps.length, stampBytes, extraBytes),
    }
  }
}

/** Per point (room for one included): step, value (8 + 8), stamp index (4), kind (1), and the step order if built (4). */
function seriesBytes(points: number, stampBytes: number, extraBytes: number): number {
  return points * 25 + stampBytes + extraBytes + 256
}

/** A series as sent between threads: typed arrays transferred, kind-3 values as their JSON text. */
export interface SeriesWire {
  length: number
  steps: Float64Array
  values: Float64Array
  stampIndex: Uint32Array
  kinds: Uint8Array
  stamps: StampWire
  extra: [number, string][]
  runRows: number
  firstRowid: number
  highRowid: number
  hasObjects: boolean
  extraBytes: number
}

/**
 * The series of `metric` over a run's rows with lo <= rowid <= hi, read in rowid order on `db` (the
 * scan worker's own connection), for another thread; null when it cannot be cached (timestamps going
 * back, a step beyond 2^53, JSON SQLite cannot read). `indexed`: walk the run's index (a run that is a
 * small part of the table) instead of the table's rowids; `compact`: timestamps as microseconds (a run
 * longer than TEXT_STAMPS_MAX rows, whose parts are joined without spelling them).
 */
export function seriesOfRowidRange(db: Database, f: RunFilter, metric: string, lo: number, hi: number, indexed: boolean, compact: boolean): SeriesWire | null {
  const filter = indexed ? `${where(f)} AND rowid BETWEEN ? AND ?` : `rowid BETWEEN ? AND ? AND +${f.column} = ?`
  const params = indexed ? [f.value, lo, hi] : [lo, hi, f.value]
  const rows = db
    .query(`SELECT rowid AS r, timestamp AS t, step AS s, CAST(metrics AS TEXT) -> ? AS v FROM metrics WHERE ${filter} ORDER BY rowid`)
    .safeIntegers(false)
    .iterate(keyPath(metric), ...params) as Iterable<Row>
  const a = new Assembler(null, true, compact)
  try {
    if (!a.add(rows)) return null
  } catch (err) {
    if (err instanceof Error && /malformed JSON/i.test(err.message)) return null
    throw err
  }
  const s = a.finish()
  return {
    length: s.length,
    steps: s.steps,
    values: s.values,
    stampIndex: s.stampIndex,
    kinds: s.kinds,
    stamps: s.stamps.toWire(),
    extra: [...s.extra] as [number, string][],
    runRows: s.runRows,
    firstRowid: s.firstRowid,
    highRowid: s.highRowid,
    hasObjects: s.hasObjects,
    extraBytes: s.extraBytes,
  }
}

/** The buffers of a SeriesWire to transfer rather than copy. */
export function seriesTransfer(w: SeriesWire): ArrayBuffer[] {
  const out = [w.steps.buffer, w.values.buffer, w.stampIndex.buffer, w.kinds.buffer] as ArrayBuffer[]
  if (w.stamps.micros) out.push(w.stamps.micros.buffer as ArrayBuffer)
  return out
}

/** A series received from the scan worker (kind-3 values decoded here). */
export function seriesFromWire(w: SeriesWire): Series {
  const extra = new Map<number, string | Json>()
  for (const [i, t] of w.extra) extra.set(i, w.kinds[i] === 3 ? decodeTopLevel(parseJson(t)) : t)
  const stamps = StampTable.fromWire(w.stamps)
  return {
    length: w.length,
    steps: w.steps,
    values: w.values,
    stampIndex: w.stampIndex,
    kinds: w.kinds,
    stamps,
    extra,
    runRows: w.runRows,
    firstRowid: w.firstRowid,
    highRowid: w.highRowid,
    hasObjects: w.hasObjects,
    extraBytes: w.extraBytes,
    bytes: seriesBytes(w.length, stamps.bytes, w.extraBytes),
  }
}

/**
 * A run's series read in two rowid ranges, `a`'s before `b`'s, as one; null when b's timestamps go back
 * before a's last (then rows are not in timestamp order and the series is built on first use).
 */
export function concatSeries(a: Series, b: Series): Series | null {
  if (a.runRows === 0) return b
  if (b.runRows === 0) return a
  if (a.stamps.length > 0 && b.stamps.length > 0 && compareCodePoints(b.stamps.at(0), a.stamps.last!) < 0) return null
  const n = a.length + b.length
  const join = <T extends Float64Array | Uint32Array | Uint8Array>(x: T, y: T, make: (n: number) => T): T => {
    const out = make(n)
    out.set(x)
    out.set(y, x.length)
    return out
  }
  const { table, shift } = StampTable.concat(a.stamps, b.stamps)
  const stampIndex = join(a.stampIndex, b.stampIndex, (k) => new Uint32Array(k))
  for (let i = a.length; i < n; i++) stampIndex[i]! += shift
  const extra = new Map(a.extra)
  for (const [i, v] of b.extra) extra.set(i + a.length, v)
  const extraBytes = a.extraBytes + b.extraBytes
  return {
    length: n,
    steps: join(a.steps, b.steps, (k) => new Float64Array(k)),
    values: join(a.values, b.values, (k) => new Float64Array(k)),
    stampIndex,
    kinds: join(a.kinds, b.kinds, (k) => new Uint8Array(k)),
    stamps: table,
    extra,
    runRows: a.runRows + b.runRows,
    firstRowid: a.firstRowid,
    highRowid: b.highRowid,
    hasObjects: a.hasObjects || b.hasObjects,
    extraBytes,
    bytes: seriesBytes(n, table.bytes, extraBytes),
  }
}

/** Row positions sorted by (step, position), or null when the steps never decrease (positions in order). */
export function stepOrder(s: Series): Int32Array | null {
  if (s.byStep !== undefined) return s.byStep
  let sorted = true
  for (let i = 1; i < s.length; i++)
    if (s.steps[i]! < s.steps[i - 1]!) {
      sorted = false
      break
    }
  if (sorted) s.byStep = null
  else {
    const order = new Int32Array(s.length)
    for (let i = 0; i < s.length; i++) order[i] = i
    const st = s.steps
    order.sort((a, b) => st[a]! - st[b]! || a - b)
    s.byStep = order
  }
  return s.byStep
}

/** First index in the step order whose step is >= lo (> lo when `after`). */
function lowerBound(s: Series, order: Int32Array | null, lo: number, after: boolean): number {
  let a = 0
  let b = s.length
  while (a < b) {
    const m = (a + b) >>> 1
    const st = s.steps[order ? order[m]! : m]!
    if (st < lo || (after && st === lo)) a = m + 1
    else b = m
  }
  return a
}

/** Positions of rows with lo <= step <= hi, in step order (ties by position). */
export function positionsInSteps(s: Series, lo: number, hi: number): Int32Array {
  const order = stepOrder(s)
  const a = lowerBound(s, order, lo, false)
  const b = lowerBound(s, order, hi, true)
  if (b <= a) return new Int32Array(0)
  if (!order) {
    const out = new Int32Array(b - a)
    for (let i = 0; i < out.length; i++) out[i] = a + i
    return out
  }
  return order.slice(a, b)
}

/** Each distinct timestamp as epoch µs (NaN when unparseable), computed once. */
export function stampInstants(s: Series): Float64Array {
  if (!s.instants) {
    s.instants = new Float64Array(s.stamps.length)
    for (let i = 0; i < s.stamps.length; i++) s.instants[i] = s.stamps.instant(i)
  }
  return s.instants
}

/** The instant nearest to `at` among the series' timestamps (the earlier one on a tie), or null. */
export function nearestInstant(instants: ArrayLike<number>, at: number): number | null {
  let best: number | null = null
  for (let i = 0; i < instants.length; i++) {
    const t = instants[i]!
    if (t !== t) continue
    if (best === null) best = t
    else {
      const d = Math.abs(t - at) - Math.abs(best - at)
      if (d < 0 || (d === 0 && t < best)) best = t
    }
  }
  return best
}

/**
 * Positions of the rows a filter keeps, in Trackio's order for that filter (null: every row, in
 * series order). Trackio's `step` and `around_step` queries walk the (run_id, step) index and sort by
 * timestamp, so rows sharing a timestamp come in step order (then rowid); the others walk the
 * (run_id, timestamp) index: timestamp, then rowid, which is series order.
 */
export function seriesPositions(s: Series, rf: RowFilter): Int32Array | null {
  switch (rf.kind) {
    case 'all':
      return null
    case 'none':
      return new Int32Array(0)
    case 'step': {
      if (typeof rf.step === 'bigint') return new Int32Array(0)
      return positionsInSteps(s, rf.step, rf.step).sort()
    }
    case 'steps': {
      const pos = positionsInSteps(s, Number(rf.lo), Number(rf.hi))
      const idx = s.stampIndex
      const steps = s.steps
      // Stable sort by timestamp of rows already in (step, position) order.
      return pos.sort((a, b) => idx[a]! - idx[b]! || steps[a]! - steps[b]! || a - b)
    }
    case 'time':
    case 'nearest': {
      const inst = stampInstants(s)
      let lo: number
      let hi: number
      if (rf.kind === 'time') {
        lo = rf.lo
        hi = rf.hi
      } else {
        const t = nearestInstant(inst, rf.at)
        if (t === null) return new Int32Array(0)
        lo = hi = t
      }
      const keep = new Uint8Array(inst.length)
      for (let k = 0; k < inst.length; k++) keep[k] = inst[k]! >= lo && inst[k]! <= hi ? 1 : 0
      let n = 0
      for (let i = 0; i < s.length; i++) n += keep[s.stampIndex[i]!]!
      const out = new Int32Array(n)
      n = 0
      for (let i = 0; i < s.length; i++) if (keep[s.stampIndex[i]!]) out[n++] = i
      return out
    }
  }
}

const KEYS = ['timestamp', 'step', 'value'] as const

/** Answers this long are held lazily (SeriesRecords); shorter ones are spelled out at once. */
const LAZY_ROWS = 8192

/**
 * The rows at `positions` (null: all) as `{timestamp, step, value}` records, spelled exactly as the
 * SQL path spells them (stored lexemes for integers and fixed-notation floats, decoded values otherwise).
 */
export function seriesRecords(s: Series, positions: Int32Array | null): JsonRecords {
  const n = positions ? positions.length : s.length
  return n > LAZY_ROWS ? new SeriesRecords(s, positions) : materialise(s, positions, 0, n)
}

function materialise(s: Series, positions: Int32Array | null, start: number, end: number): JsonRecords {
  const n = end - start
  const timestamps: Json[] = new Array(n)
  const steps: Json[] = new Array(n)
  const values: Json[] = new Array(n)
  const lexemes: (string | undefined)[] = new Array(n)
  const { stamps, stampIndex, kinds, extra } = s
  for (let j = 0; j < n; j++) {
    const i = positions ? positions[start + j]! : start + j
    timestamps[j] = stamps.at(stampIndex[i]!)
    steps[j] = s.steps[i]!
    const kind = kinds[i]!
    if (kind === 0) {
      values[j] = null
      lexemes[j] = String(s.values[i]!)
    } else if (kind === 1) {
      values[j] = null
      lexemes[j] = String(s.values[i]!) + '.0'
    } else if (kind === 2) {
      values[j] = null
      lexemes[j] = extra.get(i) as string
    } else if (kind === 4 || kind === 5) {
      values[j] = new JsonFloat(kind === 4 ? formatFloat(s.values[i]!) : String(s.values[i]!))
      lexemes[j] = undefined
    } else {
      values[j] = extra.get(i) as Json
      lexemes[j] = undefined
    }
  }
  return new JsonRecords(KEYS, [timestamps, steps, values], [undefined, undefined, lexemes])
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON

/**
 * A long answer read from a series, spelled out only as it is written: `pythonJson` gives the HTTP
 * spelling of a range of rows through the engine's native JSON.stringify (several times faster than a
 * loop of string concatenation); everything else (`columns`, `slice`, `toArray`) materialises the same
 * records the SQL path would build. The series' arrays are never changed (a refresh makes new ones), so
 * a slow reader sees one consistent snapshot.
 */
export class SeriesRecords extends JsonRecords {
  private plain: JsonRecords | null = null

  constructor(
    private readonly series: Series,
    private readonly positions: Int32Array | null,
  ) {
    super(KEYS, [], [])
    for (const name of ['columns', 'lexemes'] as const)
      Object.defineProperty(this, name, { get: () => this.whole()[name], enumerable: true })
  }

  private whole(): JsonRecords {
    return (this.plain ??= materialise(this.series, this.positions, 0, this.length))
  }

  override get length(): number {
    return this.positions ? this.positions.length : this.series.length
  }

  override slice(start: number, end: number): JsonRecords {
    return materialise(this.series, this.positions, start, Math.min(end, this.length))
  }

  override at(j: number, i: number): Json {
    return this.slice(i, i + 1).at(j, 0)
  }

  override toArray(): { [key: string]: Json }[] {
    return this.whole().toArray()
  }

  /**
   * Rows `start` to `end` as compact JSON text with Python's float spelling (the HTTP answer), without
   * the enclosing brackets; null when a value is an object or array (then use `slice` and stringify).
   */
  pythonJson(start: number, end: number): string | null {
    const s = this.series
    if (s.hasObjects) return null
    const pos = this.positions
    end = Math.min(end, this.length)
    const rows = new Array(end - start)
    const { stamps, stampIndex, kinds, steps, values, extra } = s
    for (let j = start; j < end; j++) {
      const i = pos ? pos[j]! : j
      const kind = kinds[i]!
      let value: unknown
      if (kind === 0) value = values[i]
      else if (kind === 1) value = rawJson(String(values[i]!) + '.0')
      else if (kind === 2) value = rawJson(extra.get(i) as string)
      else if (kind === 4 || kind === 5) value = rawJson(formatFloat(values[i]!))
      else value = rawJson(stringify(extra.get(i) as Json, { style: 'python' }))
      rows[j - start] = { timestamp: stamps.at(stampIndex[i]!), step: steps[i], value }
    }
    const text = JSON.stringify(rows)
    return text.slice(1, -1)
  }
}

export interface SeriesWindow {
  /** Steps and values of the points kept, in step order (ties in timestamp order). */
  steps: Float64Array
  values: Float64Array
  /** Points of the series within [minStep, maxStep] before downsampling. */
  total: number
}

/**
 * The points of one metric of a run with minStep <= step <= maxStep, downsampled to at most
 * `maxPoints` while keeping extremes: the range is cut into maxPoints/4 buckets of equal step width and
 * each keeps its first, smallest, largest and last point (in step order, each point once). Values that
 * are not numbers read as NaN and never count as extremes. Null when the run cannot be cached (a step
 * beyond 2^53, unreadable JSON: read those with get_metric_values).
 * Runs its own read transaction when called outside one.
 */
export function seriesWindow(
  p: ProjectDb,
  run: RunFilter,
  metric: string,
  minStep: number = -Infinity,
  maxStep: number = Infinity,
  maxPoints = 1000,
): SeriesWindow | null {
  const s = p.read(() => cachedSeries(p, run, metric))
  if (!s) return null
  const key = `${minStep}:${maxStep}:${maxPoints}`
  if (s.window?.key === key) return s.window.value
  const value = downsample(s, minStep, maxStep, Math.max(4, maxPoints))
  s.window = { key, value }
  return value
}

function downsample(s: Series, minStep: number, maxStep: number, maxPoints: number): SeriesWindow {
  const order = stepOrder(s)
  const a = lowerBound(s, order, minStep, false)
  const b = lowerBound(s, order, maxStep, true)
  const total = Math.max(0, b - a)
  const st = s.steps
  const va = s.values
  // Position of the k-th point of the range in step order.
  const at = order ? (k: number) => order[k]! : (k: number) => k
  if (total <= maxPoints) {
    const steps = new Float64Array(total)
    const values = new Float64Array(total)
    for (let j = 0; j < total; j++) {
      steps[j] = st[at(a + j)]!
      values[j] = va[at(a + j)]!
    }
    return { steps, values, total }
  }
  const buckets = Math.floor(maxPoints / 4)
  const lo = st[at(a)]!
  const hi = st[at(b - 1)]!
  const scale = buckets / (hi - lo || 1)
  const keep = new Int32Array(maxPoints)
  let kept = 0
  let j = a
  while (j < b) {
    const bucket = Math.min(buckets - 1, Math.floor((st[at(j)]! - lo) * scale))
    // The bucket ends before the first point whose step falls in a later bucket.
    const first = j
    let min = -1
    let max = -1
    let minV = Infinity
    let maxV = -Infinity
    for (; j < b; j++) {
      const i = at(j)
      if (Math.min(buckets - 1, Math.floor((st[i]! - lo) * scale)) !== bucket) break
      const v = va[i]!
      if (v < minV) {
        minV = v
        min = j
      }
      if (v > maxV) {
        maxV = v
        max = j
      }
    }
    const last = j - 1
    // first, min, max, last in step order, each once (min/max are -1 when the bucket has no number)
    let lo2 = min < max ? min : max
    let hi2 = min < max ? max : min
    if (lo2 < 0) lo2 = hi2
    for (const k of [first, lo2, hi2, last]) if (k >= 0 && (kept === 0 || keep[kept - 1]! < k)) keep[kept++] = k
  }
  const steps = new Float64Array(kept)
  const values = new Float64Array(kept)
  for (let k = 0; k < kept; k++) {
    steps[k] = st[at(keep[k]!)]!
    values[k] = va[at(keep[k]!)]!
  }
  return { steps, values, total }
}
