import { parseJson } from '../../json/parse'
import { JsonFloat, JsonRecords, type Json } from '../../json/values'
import { compareCodePoints, type ProjectDb } from '../db/connection'
import { decodeTopLevel } from '../db/decode'
import { parseInstant } from '../db/timestamps'
import type { RowFilter } from './metrics'
import { where, type RunFilter } from './runs'

/**
 * A per-(run, metric) column cache of the metrics table, so that long series are answered from memory
 * instead of SQLite extracting one key from every row's JSON on each request.
 *
 * A series holds, in Trackio's row order (timestamp, then rowid), for each row holding the metric: its
 * step (Float64Array), its timestamp (an index into the series' sorted table of distinct timestamps), its
 * value as a number, and how to spell that value exactly as stored (so answers stay byte-identical):
 *   kind 0: `String(value)`; kind 1: `String(value) + '.0'`; kind 2: a stored lexeme kept aside;
 *   kind 3: a decoded value kept aside (strings, objects, NaN tokens, exponent floats, ...).
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
  stamps: string[]
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
}

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
 * The cached series of `metric` in a run, brought up to date with the database; null when the run is
 * not cacheable (see above). `worthBuilding` says whether a series not yet cached should be built (a
 * long run whose steps are all exact as JS numbers). Call inside `p.read`.
 */
export function cachedSeries(p: ProjectDb, f: RunFilter, metric: string, worthBuilding: () => boolean = () => true): Series | null {
  if (metric.includes('\u0000') || !p.hasTable('metrics')) return null
  const key = cacheKey(p, f, metric)
  // A new token each time the database changes (the memo is cleared when another connection commits
  // or we write): a series is checked once per change. Only the token and a flag live in the memo.
  const version = p.memo('series-version', () => ({}))
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
    if (!s) unreadable.add(key)
  }
  if (s) {
    s.checkedAt = version
    cache.set(key, s)
  } else cache.delete(key)
  return s
}

function selectRows(p: ProjectDb, f: RunFilter, metric: string, after: number): unknown[][] {
  return p.db
    .query(`SELECT rowid, timestamp, step, CAST(metrics AS TEXT) -> ? FROM metrics WHERE ${where(f)} AND rowid > ? ORDER BY timestamp, rowid`)
    .safeIntegers(false)
    .values(keyPath(metric), f.value, after)
}

/** A whole series from SQLite, or null when it cannot or need not be cached. */
function build(p: ProjectDb, f: RunFilter, metric: string): Series | null {
  let rows: unknown[][]
  try {
    rows = selectRows(p, f, metric, -1)
  } catch (err) {
    if (err instanceof Error && /malformed JSON/i.test(err.message)) return null
    throw err
  }
  return assemble(rows, null)
}

/** `base` brought up to date, or null when it must be rebuilt. */
function refreshed(p: ProjectDb, f: RunFilter, metric: string, base: Series): Series | null {
  const check = p.db
    .query(
      `SELECT (SELECT COUNT(*) FROM metrics WHERE ${where(f)} AND rowid <= ?),
              (SELECT COUNT(*) FROM metrics WHERE rowid IN (?, ?) AND ${where(f)})`,
    )
    .safeIntegers(false)
    .values(f.value, base.highRowid, base.firstRowid, base.highRowid, f.value)[0]!
  const ends = base.firstRowid === base.highRowid ? 1 : 2
  if (check[0] !== base.runRows || check[1] !== ends) return null
  if (base.hasObjects) return null
  let rows: unknown[][]
  try {
    rows = selectRows(p, f, metric, base.highRowid)
  } catch (err) {
    if (err instanceof Error && /malformed JSON/i.test(err.message)) return null
    throw err
  }
  if (rows.length === 0) return base
  return assemble(rows, base)
}

/** A series of `base` (or nothing) followed by `rows` (in timestamp, rowid order); null if not cacheable. */
function assemble(rows: unknown[][], base: Series | null): Series | null {
  const old = base?.length ?? 0
  let held = 0
  for (const r of rows) if (r[3] !== null) held++
  const n = old + held
  const steps = new Float64Array(n)
  const values = new Float64Array(n)
  const stampIndex = new Uint32Array(n)
  const kinds = new Uint8Array(n)
  const stamps = base ? base.stamps.slice() : []
  const extra = base ? new Map(base.extra) : new Map<number, string | Json>()
  if (base) {
    steps.set(base.steps)
    values.set(base.values)
    stampIndex.set(base.stampIndex)
    kinds.set(base.kinds)
  }
  let hasObjects = base?.hasObjects ?? false
  let extraBytes = base?.extraBytes ?? 0
  let last = stamps.length ? stamps[stamps.length - 1]! : null
  let firstRowid = base?.firstRowid ?? -1
  let highRowid = base?.highRowid ?? -1
  let i = old
  for (const r of rows) {
    const rowid = r[0] as number
    if (firstRowid < 0) firstRowid = rowid
    if (rowid > highRowid) highRowid = rowid
    const v = r[3] as string | null
    if (v === null) continue
    const ts = r[1]
    const step = r[2]
    if (typeof ts !== 'string' || typeof step !== 'number' || !Number.isInteger(step) || Math.abs(step) > MAX_SAFE) return null
    if (last === null || ts !== last) {
      // New rows with an earlier timestamp than the cached ones would have to be merged: rebuild.
      if (last !== null && compareCodePoints(ts, last) < 0) return null
      stamps.push(ts)
      last = ts
    }
    stampIndex[i] = stamps.length - 1
    steps[i] = step
    if (STORED_SPELLING.test(v)) {
      const x = Number(v)
      values[i] = x
      const s = String(x)
      if (s === v) kinds[i] = 0
      else if (s + '.0' === v) kinds[i] = 1
      else {
        kinds[i] = 2
        extra.set(i, v)
        extraBytes += 40 + 2 * v.length
      }
    } else {
      const decoded = decodeTopLevel(parseJson(v))
      values[i] = typeof decoded === 'number' || typeof decoded === 'bigint' || decoded instanceof JsonFloat ? Number(decoded) : Number.NaN
      kinds[i] = 3
      extra.set(i, decoded)
      extraBytes += 64 + 2 * v.length
      if (decoded instanceof Map || Array.isArray(decoded)) hasObjects = true
    }
    i++
  }
  const runRows = (base?.runRows ?? 0) + rows.length
  let stampBytes = 0
  for (const st of stamps) stampBytes += 56 + 2 * st.length
  return {
    length: n,
    steps,
    values,
    stampIndex,
    kinds,
    stamps,
    extra,
    runRows,
    firstRowid,
    highRowid,
    hasObjects,
    extraBytes,
    // Per point: step, value (8 + 8), stamp index (4), kind (1), and the step order if built (4).
    bytes: n * 25 + stampBytes + extraBytes + 256,
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
    for (let i = 0; i < s.stamps.length; i++) s.instants[i] = parseInstant(s.stamps[i]!) ?? Number.NaN
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

/**
 * The rows at `positions` as `{timestamp, step, value}` records, spelled exactly as the SQL path
 * spells them (stored lexemes for integers and fixed-notation floats, decoded values otherwise).
 */
export function seriesRecords(s: Series, positions: ArrayLike<number> | null): JsonRecords {
  const n = positions ? positions.length : s.length
  const timestamps: Json[] = new Array(n)
  const steps: Json[] = new Array(n)
  const values: Json[] = new Array(n)
  const lexemes: (string | undefined)[] = new Array(n)
  const { stamps, stampIndex, kinds, extra } = s
  for (let j = 0; j < n; j++) {
    const i = positions ? positions[j]! : j
    timestamps[j] = stamps[stampIndex[i]!]!
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
    } else {
      values[j] = extra.get(i) as Json
      lexemes[j] = undefined
    }
  }
  return new JsonRecords(['timestamp', 'step', 'value'], [timestamps, steps, values], [undefined, undefined, lexemes])
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
  const pos = positionsInSteps(s, minStep, maxStep)
  const total = pos.length
  if (total <= maxPoints) {
    const steps = new Float64Array(total)
    const values = new Float64Array(total)
    for (let j = 0; j < total; j++) {
      steps[j] = s.steps[pos[j]!]!
      values[j] = s.values[pos[j]!]!
    }
    return { steps, values, total }
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 4))
  const lo = s.steps[pos[0]!]!
  const hi = s.steps[pos[total - 1]!]!
  const width = (hi - lo) / buckets || 1
  const keep = new Int32Array(maxPoints)
  let kept = 0
  let j = 0
  while (j < total) {
    const bucket = Math.min(buckets - 1, Math.floor((s.steps[pos[j]!]! - lo) / width))
    const first = j
    let min = -1
    let max = -1
    while (j < total && Math.min(buckets - 1, Math.floor((s.steps[pos[j]!]! - lo) / width)) === bucket) {
      const v = s.values[pos[j]!]!
      if (v === v) {
        if (min < 0 || v < s.values[pos[min]!]!) min = j
        if (max < 0 || v > s.values[pos[max]!]!) max = j
      }
      j++
    }
    const last = j - 1
    const picks = [first, min, max, last].filter((x) => x >= 0).sort((a, b) => a - b)
    for (let k = 0; k < picks.length; k++) if (k === 0 || picks[k] !== picks[k - 1]) keep[kept++] = picks[k]!
  }
  const steps = new Float64Array(kept)
  const values = new Float64Array(kept)
  for (let k = 0; k < kept; k++) {
    steps[k] = s.steps[pos[keep[k]!]!]!
    values[k] = s.values[pos[keep[k]!]!]!
  }
  return { steps, values, total }
}
