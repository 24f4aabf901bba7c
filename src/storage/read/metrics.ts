import type { Database } from 'bun:sqlite'
import { JsonFloat, JsonRecords, type Json, type JsonObject } from '../../json/values'
import { JsonSyntaxError, parseJson } from '../../json/parse'
import { scanTopLevel } from '../../json/scan'
import { compareCodePoints, type ProjectDb } from '../db/connection'
import { decodeObject, decodeTopLevel, int, text } from '../db/decode'
import { runRowSpan, where, type RunFilter } from './runs'
import { onlyGrewSince, tableMark, type TableMark } from './table-mark'
import { isScalarValue, subsampleIndices, subsampleSignatures } from './subsample'
import { parseInstant } from '../db/timestamps'
import { cachedSeries, keyPath, nearestInstant, SERIES_CACHE_MIN_ROWS, seriesPositions, seriesRecords } from './series-cache'

/** Which rows of a run a value query keeps (compat §5 filter rules, instants in epoch µs). */
export type RowFilter =
  | { kind: 'all' }
  | { kind: 'step'; step: number | bigint }
  | { kind: 'steps'; lo: number | bigint; hi: number | bigint }
  | { kind: 'time'; lo: number; hi: number }
  /** The rows logged at the timestamp nearest to `at` (epoch µs); the earlier one on a tie. */
  | { kind: 'nearest'; at: number }
  | { kind: 'none' }

export interface MetricRow {
  timestamp: string
  step: number | bigint
  metrics: JsonObject
}

function stepClause(f: RowFilter): { sql: string; params: (number | bigint)[] } {
  if (f.kind === 'step') return { sql: ' AND step = ?', params: [f.step] }
  if (f.kind === 'steps') return { sql: ' AND step BETWEEN ? AND ?', params: [f.lo, f.hi] }
  return { sql: '', params: [] }
}

/**
 * ORDER BY for a run's rows, as Trackio's queries come out. Unfiltered or by time, the (run_id,
 * timestamp) index yields timestamp order with ties in id order. Trackio's `around_step` range walks the
 * (run_id, step) index and sorts by timestamp (stably), so rows sharing a timestamp come in step order,
 * then id order. With a step filter, `+timestamp` stops SQLite from walking the timestamp index over the
 * whole run instead of seeking (run_id, step).
 */
function orderClause(f: RowFilter, order: 'timestamp' | 'timestamp, id'): string {
  if (f.kind === 'steps') return '+timestamp, step, rowid'
  if (f.kind === 'step') return '+timestamp, rowid'
  return order === 'timestamp, id' ? 'timestamp, rowid' : 'timestamp'
}

/** `step` as a JS number when exact, else as digit text (read with safeIntegers off: far cheaper). */
const STEP_COLUMN = 'CASE WHEN step BETWEEN -9007199254740991 AND 9007199254740991 THEN step ELSE CAST(step AS TEXT) END'

function stepValue(v: unknown): number | bigint {
  if (typeof v === 'number') return v
  if (typeof v === 'string') return BigInt(v)
  return int(v) ?? 0
}

/** An integer (not `-0`), or a float in fixed notation with 1e-4 <= |x| < 1e16 (Python's fixed range). */
const STORED_SPELLING = /^(?:0|-?[1-9]\d*|-?(?:[1-9]\d{0,15}|0(?!\.0000))\.\d+)$/

/** Rows kept by a time filter: compared as instants, not as text (Trackio's text comparison is a bug). */
function inTime(f: RowFilter, ts: string | null, cache: Map<string, number | null>): boolean {
  if (f.kind !== 'time') return true
  if (ts === null) return false
  let t = cache.get(ts)
  if (t === undefined) {
    t = parseInstant(ts)
    cache.set(ts, t)
  }
  return t !== null && t >= f.lo && t <= f.hi
}

/** Sorted distinct top-level keys of a run's rows in `table`, minus `exclude` (compat §5). */
export function runKeys(p: ProjectDb, table: 'metrics' | 'system_metrics', f: RunFilter, exclude: string[]): string[] {
  const keys = p.memo(`keys:${table}:${f.column}:${f.value}`, () => [...scannedKeys(p, table, f)], (found) => found.length > 0)
  return keys.filter((k) => !exclude.includes(k)).sort(compareCodePoints)
}

/**
 * The keys of a run's rows up to rowid `high` (`rows` of them, the first at rowid `first`), kept across
 * database changes: a commit elsewhere (a live writer) makes the next call scan only the newer rows,
 * not the whole run again (2,000,000 rows take seconds). Per database file; least recently used first.
 */
interface KeyScan {
  rows: number
  first: number
  high: number
  keys: Set<string>
}

/** Runs whose key scans are kept (each holds a handful of key names). */
export const MAX_KEY_SCANS = 1024

const keyScans = new Map<string, KeyScan>()

function scannedKeys(p: ProjectDb, table: 'metrics' | 'system_metrics', f: RunFilter): Set<string> {
  const id = keyScanId(p, table, f)
  const prev = keyScans.get(id)
  keyScans.delete(id)
  let base: KeyScan | null = null
  let tail: [number, number | null, number | null] | null = null
  if (prev) {
    const ends = (p.db.query(`SELECT COUNT(*) FROM "${table}" WHERE rowid IN (?, ?) AND +${f.column} = ?`).safeIntegers(false).values(prev.first, prev.high, f.value)[0] as [number])[0]
    // The rows scanned before must all still be there (none deleted, renamed away or replaced): the
    // run's rows up to the mark are counted through its index, or, when fewer table rows lie beyond the
    // mark than the run has (a run that kept logging), as its row count minus the rows beyond the mark,
    // read in rowid order from the mark on.
    const total = table === 'metrics' ? runStats(p, f).count : null
    const [last] = p.db.query(`SELECT MAX(rowid) FROM "${table}"`).safeIntegers(false).values()[0] as [number | null]
    let count: number
    if (total !== null && last !== null && last - prev.high <= total) {
      tail = p.db
        .query(`SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM "${table}" WHERE rowid > ? AND +${f.column} = ?`)
        .safeIntegers(false)
        .values(prev.high, f.value)[0] as [number, number | null, number | null]
      count = total - tail[0]
    } else
      count = (p.db.query(`SELECT COUNT(*) FROM "${table}" WHERE ${where(f)} AND rowid <= ?`).safeIntegers(false).values(f.value, prev.high)[0] as [number])[0]
    if (count === prev.rows && ends === (prev.first === prev.high ? 1 : 2)) base = prev
    else tail = null
  }
  const after = base?.high ?? -1
  const [rows, first, high] =
    tail ??
    (p.db
      .query(`SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM "${table}" WHERE ${where(f)} AND rowid > ?`)
      .safeIntegers(false)
      .values(f.value, after)[0] as [number, number | null, number | null])
  const seen = new Set(base?.keys)
  if (rows > 0) {
    const span = runRowSpan(f, rows, first!, high!, 'm.')
    try {
      const found = p.db.query(`SELECT DISTINCT j.key FROM "${table}" m, json_each(CAST(m.metrics AS TEXT)) j WHERE ${span.sql}`).values(...span.params)
      for (const [k] of found) seen.add(String(k))
    } catch (err) {
      if (!isMalformedJson(err)) throw err
      // Rows written before 2025-09 may hold bare NaN tokens that SQLite's JSON rejects.
      for (const [m] of p.db.query(`SELECT m.metrics FROM "${table}" m WHERE ${span.sql}`).values(...span.params))
        for (const k of decodeObject(m).keys()) seen.add(k)
    }
  }
  const total = (base?.rows ?? 0) + rows
  if (total > 0 && seen.size > 0) {
    keepBounded(keyScans, id, { rows: total, first: base?.first ?? first!, high: rows > 0 ? high! : base!.high, keys: seen })
  }
  return seen
}

/** Table rowids per slice of a key scan done ahead (prescanKeys): about 100 ms of SQLite's JSON each. */
export const KEY_SCAN_SLICE = 65_536

/** Runs shorter than this are scanned in one go (a few tens of ms). */
export const KEY_PRESCAN_MIN_ROWS = 2 * KEY_SCAN_SLICE

/**
 * Scan ahead, slice by slice, the keys of a long run not scanned yet, yielding to the event loop between
 * slices (each in its own read transaction), so that the first call on a 2,000,000-row run does not hold
 * every other request up for the whole scan. Slices walk the table's rowids in order from where the
 * kept scan stopped, so this is done only for a run holding at least half of its table (otherwise the
 * walk would read mostly other runs' rows; runKeys then scans through the run's index as before).
 * The answer itself still comes from runKeys, which checks the kept scan against the database and scans
 * only the rows beyond it: what changes between slices cannot make it wrong.
 */
export async function prescanKeys(p: ProjectDb, f: RunFilter): Promise<void> {
  const table = 'metrics'
  let cursor: number | null = null
  for (;;) {
    const next: number | null = p.read(() => {
      if (!p.hasTable(table)) return null
      const id = keyScanId(p, table, f)
      const prev = keyScans.get(id)
      if (cursor === null) {
        if (p.memo(`keys:${table}:${f.column}:${f.value}`, () => null, () => false) !== null) return null
        const rows = runStats(p, f).count
        const [last] = p.db.query(`SELECT MAX(rowid) FROM "${table}"`).safeIntegers(false).values()[0] as [number | null]
        const todo = rows - (prev?.rows ?? 0)
        if (todo < KEY_PRESCAN_MIN_ROWS || last === null || rows * 2 < last) return null
        cursor = prev?.high ?? -1
      }
      const hi: number = cursor + KEY_SCAN_SLICE
      const [n, first, high] = p.db
        .query(`SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM "${table}" WHERE rowid > ? AND rowid <= ? AND +${f.column} = ?`)
        .safeIntegers(false)
        .values(cursor, hi, f.value)[0] as [number, number | null, number | null]
      if (n > 0) {
        const seen = new Set(prev?.keys)
        try {
          for (const [k] of p.db.query(`SELECT DISTINCT j.key FROM "${table}" m, json_each(CAST(m.metrics AS TEXT)) j WHERE m.rowid BETWEEN ? AND ? AND +m.${f.column} = ?`).values(first, high, f.value))
            seen.add(String(k))
        } catch (err) {
          if (!isMalformedJson(err)) throw err
          return null
        }
        keepBounded(keyScans, id, { rows: (prev?.rows ?? 0) + n, first: prev?.first ?? first!, high: high!, keys: seen })
      }
      const [last] = p.db.query(`SELECT MAX(rowid) FROM "${table}"`).safeIntegers(false).values()[0] as [number | null]
      return last !== null && hi < last ? hi : null
    })
    if (next === null) return
    cursor = next
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** The distinct top-level keys of a run's rows with lo <= rowid <= hi, and which rows those were. */
export interface KeysOfRange {
  keys: string[]
  rows: number
  first: number | null
  high: number | null
}

/**
 * The keys of a run's rows in a rowid range, read on `db` (the scan worker's connection); null when
 * SQLite's JSON cannot read a row (runKeys then reads it the slow way). `indexed`: through the run's
 * index (a run that is a small part of the table) instead of walking the table's rowids.
 */
export function keysOfRowidRange(db: Database, f: RunFilter, lo: number, hi: number, indexed: boolean): KeysOfRange | null {
  const span = indexed ? `m.${f.column} = ? AND m.rowid BETWEEN ? AND ?` : `m.rowid BETWEEN ? AND ? AND +m.${f.column} = ?`
  const params = indexed ? [f.value, lo, hi] : [lo, hi, f.value]
  const [rows, first, high] = db.query(`SELECT COUNT(*), MIN(m.rowid), MAX(m.rowid) FROM metrics m WHERE ${span}`).safeIntegers(false).values(...params)[0] as [number, number | null, number | null]
  try {
    const keys = db.query(`SELECT DISTINCT j.key FROM metrics m, json_each(CAST(m.metrics AS TEXT)) j WHERE ${span}`).values(...params).map(([k]) => String(k))
    return { keys, rows, first, high }
  } catch (err) {
    if (isMalformedJson(err)) return null
    throw err
  }
}

function keyScanId(p: ProjectDb, table: string, f: RunFilter): string {
  return `${p.paths.db}\u0000${p.inode}\u0000${table}\u0000${f.column}\u0000${f.value}`
}

export function isMalformedJson(err: unknown): boolean {
  return err instanceof Error && /malformed JSON/i.test(err.message)
}

/**
 * Values of one metric over a run, ordered by timestamp (compat §5), as `{timestamp, step, value}` records.
 * Long runs are answered from the series cache (series-cache.ts), the rest by SQLite.
 */
export function metricValues(p: ProjectDb, f: RunFilter, metric: string, rf: RowFilter): JsonRecords {
  if (rf.kind !== 'none' && p.hasTable('metrics')) {
    // Point and range reads by step are index seeks: they use a series already cached but never
    // build one (reading a 2,000,000-step run to answer 201 rows would be a regression).
    const long = () => {
      if (rf.kind === 'step' || rf.kind === 'steps') return false
      const stats = runStats(p, f)
      return stats.safeSteps && stats.count >= SERIES_CACHE_MIN_ROWS
    }
    const s = cachedSeries(p, f, metric, long)
    if (s) return seriesRecords(s, seriesPositions(s, rf))
  }
  const result = sqlMetricValues(p, f, metric, rf.kind === 'nearest' ? { kind: 'all' } : rf)
  return rf.kind === 'nearest' ? nearestRecords(result, rf.at) : result
}

/** The records (timestamp in column 0) logged at the instant nearest to `at`. */
function nearestRecords(r: JsonRecords, at: number): JsonRecords {
  const instants = r.columns[0]!.map((ts) => (typeof ts === 'string' ? (parseInstant(ts) ?? Number.NaN) : Number.NaN))
  const t = nearestInstant(instants, at)
  const keep = instants.flatMap((x, i) => (x === t ? [i] : []))
  return new JsonRecords(
    r.keys,
    r.columns.map((c) => keep.map((i) => c[i]!)),
    r.lexemes.map((l) => l && keep.map((i) => l[i])),
  )
}

/** metricValues by SQLite alone (no cache). */
export function sqlMetricValues(p: ProjectDb, f: RunFilter, metric: string, rf: RowFilter): JsonRecords {
  const timestamps: Json[] = []
  const steps: Json[] = []
  const values: Json[] = []
  const lexemes: (string | undefined)[] = []
  const result = new JsonRecords(['timestamp', 'step', 'value'], [timestamps, steps, values], [undefined, undefined, lexemes])
  if (rf.kind === 'none' || !p.hasTable('metrics')) return result
  const sc = stepClause(rf)
  const cache = new Map<string, number | null>()
  const path = keyPath(metric)
  // SQLite's JSON paths stop at a NUL; such names are matched on decoded rows instead.
  if (!metric.includes('\u0000')) {
    try {
      // Steps are read as plain numbers unless the run has one beyond 2^53 (then as digit text).
      const step = runStats(p, f).safeSteps ? 'step' : STEP_COLUMN
      const rows = p.db
        .query(`SELECT timestamp, ${step}, CAST(metrics AS TEXT) -> ? FROM metrics WHERE ${where(f)}${sc.sql} ORDER BY ${orderClause(rf, 'timestamp')}`)
        .safeIntegers(false)
        .values(path, f.value, ...sc.params)
      for (const [ts, st, v] of rows) {
        if (v === null || (rf.kind === 'time' && !inTime(rf, ts as string, cache))) continue
        timestamps.push(ts as string)
        steps.push(stepValue(st))
        // Integers and fixed-notation floats (>= 1e-4) are written as stored: Trackio's writers store
        // the shortest round-trip digits, which is exactly Python's spelling in that range.
        if (STORED_SPELLING.test(v as string)) {
          values.push(null)
          lexemes.push(v as string)
        } else {
          values.push(decodeTopLevel(parseJson(v as string)))
          lexemes.push(undefined)
        }
      }
      return result
    } catch (err) {
      if (!isMalformedJson(err)) throw err
    }
  }
  for (const row of metricRows(p, f, rf, 'timestamp')) {
    if (!row.metrics.has(metric)) continue
    timestamps.push(row.timestamp)
    steps.push(row.step)
    values.push(row.metrics.get(metric)!)
    lexemes.push(undefined)
  }
  return result
}

/**
 * A run's rows with their decoded JSON. `order` is Trackio's: `timestamp` alone for value and
 * snapshot queries, `timestamp, id` for logs. `decode` false keeps "NaN" strings (scalar_only).
 */
export function metricRows(p: ProjectDb, f: RunFilter, rf: RowFilter, order: 'timestamp' | 'timestamp, id', decode = true): MetricRow[] {
  if (rf.kind === 'none' || !p.hasTable('metrics')) return []
  if (rf.kind === 'nearest') rf = nearestFilter(p, f, rf.at)
  const sc = stepClause(rf)
  const rows = p.db
    .query(`SELECT timestamp, step, metrics FROM metrics WHERE ${where(f)}${sc.sql} ORDER BY ${orderClause(rf, order)}`)
    .values(f.value, ...sc.params)
  const out: MetricRow[] = []
  const cache = new Map<string, number | null>()
  for (const [ts, step, m] of rows) {
    const t = text(ts)
    if (!inTime(rf, t, cache)) continue
    out.push({ timestamp: t ?? '', step: int(step) ?? 0, metrics: decodeObject(m, decode) })
  }
  return out
}

/**
 * get_snapshot's answer: every metric key of the selected rows (in order of first appearance) →
 * its `{timestamp, step, value}` points, in the row order of `metricRows`. Rows are walked one at
 * a time and points kept by column (a timestamp string is shared by all keys of its row; numbers
 * in their stored spelling stay text), so a whole 200,000-step run costs a fraction of one object
 * per point, and the answer can be streamed (transports/http/respond.ts).
 */
export function snapshotRecords(p: ProjectDb, f: RunFilter, rf: RowFilter): Map<string, JsonRecords> {
  const out = new Map<string, JsonRecords>()
  if (rf.kind === 'none' || !p.hasTable('metrics')) return out
  if (rf.kind === 'nearest') rf = nearestFilter(p, f, rf.at)
  if (rf.kind === 'none') return out
  const sc = stepClause(rf)
  const rows = p.db
    .query(`SELECT timestamp, step, metrics FROM metrics WHERE ${where(f)}${sc.sql} ORDER BY ${orderClause(rf, 'timestamp')}`)
    .iterate(f.value, ...sc.params) as IterableIterator<{ timestamp: unknown; step: unknown; metrics: unknown }>
  const cache = new Map<string, number | null>()
  for (const row of rows) {
    const t = text(row.timestamp)
    if (!inTime(rf, t, cache)) continue
    const ts = t ?? ''
    const step = int(row.step) ?? 0
    for (const [k, value] of decodeObject(row.metrics)) {
      let rec = out.get(k)
      if (!rec) out.set(k, (rec = new JsonRecords(['timestamp', 'step', 'value'], [[], [], []], [undefined, undefined, []])))
      rec.columns[0]!.push(ts)
      rec.columns[1]!.push(step)
      if (value instanceof JsonFloat && STORED_SPELLING.test(value.text)) {
        rec.columns[2]!.push(null)
        rec.lexemes[2]!.push(value.text)
      } else {
        rec.columns[2]!.push(value)
        rec.lexemes[2]!.push(undefined)
      }
    }
  }
  return out
}

/** A time filter for the rows of a run logged at the instant nearest to `at` (none when no row has a readable timestamp). */
function nearestFilter(p: ProjectDb, f: RunFilter, at: number): RowFilter {
  const stamps = p.db.query(`SELECT DISTINCT timestamp FROM metrics WHERE ${where(f)}`).safeIntegers(false).values(f.value)
  const t = nearestInstant(
    stamps.map(([ts]) => (typeof ts === 'string' ? (parseInstant(ts) ?? Number.NaN) : Number.NaN)),
    at,
  )
  return t === null ? { kind: 'none' } : { kind: 'time', lo: t, hi: t }
}

/** Signature of a row's JSON text (see subsample.ts), read with a key scanner instead of a parse. */
function textSignature(json: string, scalarOnly: boolean, normalised: Map<string, string | null>): string | null {
  let seq = ''
  scanTopLevel(
    json,
    (key, kind) => {
      if (!scalarOnly || kind !== 'other') seq += JSON.stringify(key) + ','
    },
    scalarOnly,
  )
  // Rows of one run repeat a handful of key sequences: sort each distinct sequence once.
  let sig = normalised.get(seq)
  if (sig === undefined) {
    const keys = seq === '' ? [] : (JSON.parse(`[${seq.slice(0, -1)}]`) as string[])
    sig = scalarOnly && keys.length === 0 ? null : JSON.stringify(keys.sort())
    normalised.set(seq, sig)
  }
  return sig
}

/**
 * A run's rows for get_logs, subsampled to `maxPoints` as Trackio does. For long runs the rows are
 * grouped by key signatures read with a scanner, and only the rows kept are decoded.
 */
export function sampledMetricRows(p: ProjectDb, f: RunFilter, maxPoints: number, scalarOnly: boolean): MetricRow[] {
  if (!p.hasTable('metrics')) return []
  const decode = !scalarOnly
  if (runStats(p, f).count <= maxPoints) return metricRows(p, f, { kind: 'all' }, 'timestamp, id', decode)
  const rows = p.db
    .query(`SELECT rowid, CAST(metrics AS TEXT) FROM metrics WHERE ${where(f)} ORDER BY timestamp, rowid`)
    .safeIntegers(false)
    .values(f.value)
  const normalised = new Map<string, string | null>()
  let sigs: (string | null)[]
  try {
    sigs = rows.map((r) => textSignature(r[1] as string, scalarOnly, normalised))
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err
    const all = metricRows(p, f, { kind: 'all' }, 'timestamp, id', decode)
    return subsampleIndices(all.map((r) => r.metrics), maxPoints, scalarOnly).map((i) => all[i]!)
  }
  const keep = subsampleSignatures(sigs, maxPoints).map((i) => rows[i]![0] as number)
  return p.db
    .query(`SELECT timestamp, step, metrics FROM metrics WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY timestamp, rowid`)
    .values(JSON.stringify(keep))
    .map(([ts, step, m]) => ({ timestamp: text(ts) ?? '', step: int(step) ?? 0, metrics: decodeObject(m, decode) }))
}

/** Number of metrics rows of a run, its last step, and whether every step is exact as a JS number. */
export function runStats(p: ProjectDb, f: RunFilter): RunStats {
  if (!p.hasTable('metrics')) return { count: 0, lastStep: null, safeSteps: true }
  return p.memo(
    `stats:${f.column}:${f.value}`,
    () => {
      const id = keyScanId(p, 'metrics', f)
      const kept = keptStats.get(id)
      let row: unknown[] | undefined
      // Kept across changes and extended by the rows logged since when the table only grew (a run id
      // is never renamed: its rows stay its rows); a live writer's run is not counted whole each commit.
      if (kept && f.column === 'run_id' && onlyGrewSince(p, kept.mark)) {
        const [n, last, first] = p.db.query('SELECT COUNT(*), MAX(step), MIN(step) FROM metrics WHERE rowid > ? AND +run_id = ?').values(kept.mark.high, f.value)[0]!
        const pick = (a: unknown, b: unknown, larger: boolean) => (b === null ? a : a === null ? b : (larger ? (b as number) > (a as number) : (b as number) < (a as number)) ? b : a)
        row = [kept.row[0] as number + Number(n), pick(kept.row[1], last, true), pick(kept.row[2], first, false)]
      } else row = p.db.query(runSpanSql(f)).values(f.value)[0]
      const mark = tableMark(p)
      if (mark && row) keepStats(id, mark, row)
      return statsOf(row)
    },
    (stats) => stats.count > 0,
  )
}

/** A run's count, last and first step, kept with the table's mark when read (runs whose stats are kept: MAX_KEY_SCANS). */
const keptStats = new Map<string, { mark: TableMark; row: unknown[] }>()

function keepStats(id: string, mark: TableMark, row: unknown[]): void {
  if (Number(row[0]) === 0) keptStats.delete(id)
  else keepBounded(keptStats, id, { mark, row: [Number(row[0]), row[1], row[2]] })
}

export interface RunStats {
  count: number
  lastStep: number | bigint | null
  safeSteps: boolean
}

/** A run's row count, last and first step, first and last rowid (runStats reads the first three). */
export function runSpanSql(f: RunFilter): string {
  return `SELECT COUNT(*), MAX(step), MIN(step), MIN(rowid), MAX(rowid) FROM metrics WHERE ${where(f)}`
}

function statsOf(row: unknown[] | undefined): RunStats {
  const last = int(row?.[1])
  const first = int(row?.[2])
  return { count: Number(row?.[0] ?? 0), lastStep: last, safeSteps: typeof last !== 'bigint' && typeof first !== 'bigint' }
}

/**
 * Keep a run's runSpanSql row, read by a scan worker while the database was at `token` with the table
 * at `mark`, as runStats' answer (if the database has not changed since) and for extension later.
 */
export function seedRunStats(p: ProjectDb, f: RunFilter, token: object, row: unknown[], mark: TableMark | null): void {
  const stats = statsOf(row)
  if (stats.count === 0) return
  if (mark) keepStats(keyScanId(p, 'metrics', f), mark, row)
  p.seed(`stats:${f.column}:${f.value}`, token, stats)
}

/**
 * Keep the keys of a run's rows up to rowid `high` (`rows` of them from rowid `first`), read by the scan
 * workers, for runKeys: it checks them against the database and reads only the rows beyond.
 */
export function keepKeyScan(p: ProjectDb, f: RunFilter, rows: number, first: number, high: number, keys: Iterable<string>): void {
  keepBounded(keyScans, keyScanId(p, 'metrics', f), { rows, first, high, keys: new Set(keys) })
}

/** Keep `value` under `id` as the most recently used entry, at most MAX_KEY_SCANS in `m` (the oldest go). */
function keepBounded<V>(m: Map<string, V>, id: string, value: V): void {
  m.delete(id)
  m.set(id, value)
  if (m.size > MAX_KEY_SCANS) m.delete(m.keys().next().value!)
}

/** Whether runKeys has the run's keys: memoised for this version of the database, or a kept scan to extend. */
export function keysHeld(p: ProjectDb, f: RunFilter): boolean {
  return p.peek(`keys:metrics:${f.column}:${f.value}`) !== undefined || keyScans.has(keyScanId(p, 'metrics', f))
}

/** Largest step over the whole project (`last_activity` of the project summary). */
export function projectLastStep(p: ProjectDb): number | bigint | null {
  if (!p.hasTable('metrics')) return null
  return p.memo('laststep', () => int(p.db.query('SELECT MAX(step) FROM metrics').values()[0]?.[0]))
}

/** The config stored for a run (its run_id, or its name in legacy configs tables), top-level decoded. */
export function runConfig(p: ProjectDb, metricsFilter: RunFilter, runName: string | null): JsonObject | null {
  if (!p.hasTable('configs')) return null
  let key: string | null
  let column: string
  if (p.hasRunIds('configs')) {
    column = 'run_id'
    key = metricsFilter.column === 'run_id' ? metricsFilter.value : null
  } else {
    column = 'run_name'
    key = metricsFilter.column === 'run_name' ? metricsFilter.value : runName
  }
  if (key === null) return null
  const row = p.db.query(`SELECT config FROM configs WHERE ${column} = ? ORDER BY rowid DESC LIMIT 1`).values(key)[0]
  return row ? decodeObject(row[0]) : null
}

/** A row as get_logs answers it: its metrics (only scalar values with scalar_only), then `timestamp` and `step`. */
export function logRow(row: MetricRow, scalarOnly: boolean): JsonObject {
  let m: JsonObject = row.metrics
  if (scalarOnly) {
    m = new Map()
    for (const [k, v] of row.metrics) if (isScalarValue(v)) m.set(k, v)
  }
  m.set('timestamp', row.timestamp)
  m.set('step', row.step)
  return m
}
