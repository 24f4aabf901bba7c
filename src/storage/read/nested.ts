import type { ProjectDb } from '../db/connection'
import { compareCodePoints } from '../db/connection'
import { decodeObject } from '../db/decode'
import { JsonFloat, type Json, type JsonObject } from '../../json/values'
import { isMalformedJson, metricRows, type RowFilter } from './metrics'
import { where, type RunFilter } from './runs'

/**
 * Nested metric dicts as chartable names. Trackio stores `{"val": {"loss": 1.0}}` as it is (no flattening,
 * compat §3.3); a `/` in a name is its dashboard's section convention. So each numeric leaf of a dict-valued
 * metric is named by its keys joined with `/` (`val/loss`, section `val`), and read through its JSON path.
 * Trackio's typed values (`_type` objects: media, histograms, tables) and list items are not leaves.
 */

/** The chartable metric names of a run: top-level numeric keys, and nested leaves by name → key path. */
export interface ChartKeys {
  /** Top-level keys holding a number (or a NaN/Infinity token) in at least one row; `step`/`timestamp` excluded. */
  numeric: string[]
  /** `a/b` name → the keys of its path (`["a", "b"]`), in name order. */
  nested: Map<string, string[]>
}

const RESERVED = new Set(['step', 'timestamp'])
const NUMERIC_TEXT = new Set(['NaN', 'Infinity', '-Infinity'])

/** JSON path of a list of keys, each quoted so dots, `$` and quotes in names stay literal. */
export function nestedPath(keys: string[]): string {
  return '$' + keys.map((k) => `."${k.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join('')
}

/**
 * Keys of a JSON path as SQLite's json_tree spells it (`$."v a".b`, with `\"` inside quotes); null for a
 * path through a list (`[0]`).
 */
export function parsePath(path: string): string[] | null {
  if (!path.startsWith('$')) return null
  const keys: string[] = []
  let i = 1
  while (i < path.length) {
    if (path[i] !== '.') return null
    i++
    if (path[i] === '"') {
      let k = ''
      i++
      while (i < path.length && path[i] !== '"') {
        if (path[i] === '\\' && i + 1 < path.length) i++
        k += path[i]
        i++
      }
      if (path[i] !== '"') return null
      keys.push(k)
      i++
    } else {
      let j = i
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
      keys.push(path.slice(i, j))
      i = j
    }
  }
  return keys
}

const isNumber = (v: Json | undefined) => typeof v === 'number' || typeof v === 'bigint' || v instanceof JsonFloat

/** Leaves of decoded dicts (the fallback for rows SQLite's JSON cannot read). */
function walk(value: Json | undefined, keys: string[], out: Map<string, string[]>): void {
  if (!(value instanceof Map)) {
    if (keys.length > 1 && isNumber(value) && !out.has(keys.join('/'))) out.set(keys.join('/'), keys)
    return
  }
  if (value.has('_type')) return
  for (const [k, v] of value) walk(v, [...keys, k], out)
}

function sorted(nested: Map<string, string[]>, numeric: string[]): ChartKeys {
  const top = new Set(numeric)
  const names = [...nested.keys()].filter((n) => !top.has(n)).sort(compareCodePoints)
  return { numeric: numeric.sort(compareCodePoints), nested: new Map(names.map((n) => [n, nested.get(n)!])) }
}

/** What a scan of a run's rows found, up to its row count and highest rowid. */
interface KeyScan {
  count: number
  high: number
  numeric: Set<string>
  nested: Map<string, string[]>
  /** Paths (JSON of their keys) of typed values seen: leaves below them are not metrics. */
  typed: Set<string>
}

/**
 * Scans by run, kept across database changes: rows are appended far more often than anything else, so a
 * run that grew is scanned from its previous highest rowid on (a dashboard re-reads the names while a run
 * logs). Anything else (rows deleted, a rename) scans the run again. Small: names only.
 */
const scans = new Map<string, KeyScan>()
const MAX_SCANS = 4096

function scanRows(p: ProjectDb, f: RunFilter, s: KeyScan, after: number): void {
  const dicts = new Set<string>()
  const rows = p.db
    .query(`SELECT DISTINCT j.key, j.type, CASE WHEN j.type = 'text' THEN j.value END FROM metrics m, json_each(CAST(m.metrics AS TEXT)) j WHERE m.${where(f)} AND m.rowid > ?`)
    .values(f.value, after)
  for (const [key, type, text] of rows) {
    const k = String(key)
    if (RESERVED.has(k)) continue
    if (type === 'integer' || type === 'real' || (type === 'text' && NUMERIC_TEXT.has(String(text)))) s.numeric.add(k)
    else if (type === 'object') dicts.add(k)
  }
  for (const d of dicts) {
    const top = nestedPath([d])
    const leaves = p.db
      .query(
        `SELECT DISTINCT t.path, t.key, t.type FROM metrics m, json_tree(CAST(m.metrics AS TEXT), ?) t
         WHERE m.${where(f)} AND m.rowid > ? AND json_type(CAST(m.metrics AS TEXT), ?) = 'object' AND (t.type IN ('integer', 'real') OR t.key = '_type')`,
      )
      .values(top, f.value, after, top)
    for (const [path, key] of leaves) if (key === '_type') s.typed.add(JSON.stringify(parsePath(String(path))))
    for (const [path, key, type] of leaves) {
      if (key === '_type' || (type !== 'integer' && type !== 'real')) continue
      const parent = parsePath(String(path))
      if (!parent || typeof key !== 'string') continue
      // A leaf inside a typed value (or below one) is part of that value, not a metric.
      let inTyped = false
      for (let i = 1; i <= parent.length && !inTyped; i++) inTyped = s.typed.has(JSON.stringify(parent.slice(0, i)))
      if (inTyped) continue
      const keys = [...parent, key]
      const name = keys.join('/')
      if (!s.nested.has(name)) s.nested.set(name, keys)
    }
  }
}

/** Rows SQLite's JSON cannot read (bare NaN tokens of old writers): decoded here instead. */
function scanDecoded(p: ProjectDb, f: RunFilter, s: KeyScan): void {
  for (const [m] of p.db.query(`SELECT metrics FROM metrics WHERE ${where(f)}`).values(f.value)) {
    const row: JsonObject = decodeObject(m)
    for (const [k, v] of row) {
      if (RESERVED.has(k)) continue
      if (v instanceof Map) walk(v, [k], s.nested)
      else if (isNumber(v)) s.numeric.add(k)
    }
  }
}

/** The run's chartable names (memoised until the database changes; a grown run is scanned from where it was). */
export function chartKeys(p: ProjectDb, f: RunFilter): ChartKeys {
  if (!p.hasTable('metrics')) return { numeric: [], nested: new Map() }
  return p.memo(`chart-keys:${f.column}:${f.value}`, () => {
    const key = `${p.paths.db}\u0000${p.inode}\u0000${f.column}\u0000${f.value}`
    const [count, high] = p.db.query(`SELECT COUNT(*), IFNULL(MAX(rowid), -1) FROM metrics WHERE ${where(f)}`).values(f.value)[0]!.map(Number) as [number, number]
    let s = scans.get(key)
    scans.delete(key)
    try {
      if (s && !(s.count === count && s.high === high)) {
        const added = Number(p.db.query(`SELECT COUNT(*) FROM metrics WHERE ${where(f)} AND rowid > ?`).values(f.value, s.high)[0]![0])
        if (high > s.high && s.count + added === count) scanRows(p, f, s, s.high)
        else s = undefined
      }
      if (!s) {
        s = { count, high, numeric: new Set(), nested: new Map(), typed: new Set() }
        scanRows(p, f, s, -1)
      }
    } catch (err) {
      if (!isMalformedJson(err)) throw err
      s = { count, high, numeric: new Set(), nested: new Map(), typed: new Set() }
      scanDecoded(p, f, s)
    }
    s.count = count
    s.high = high
    scans.set(key, s)
    if (scans.size > MAX_SCANS) scans.delete(scans.keys().next().value!)
    return sorted(new Map(s.nested), [...s.numeric])
  })
}

function numberText(text: string): number | undefined {
  if (text === '"NaN"') return NaN
  if (text === '"Infinity"') return Infinity
  if (text === '"-Infinity"') return -Infinity
  return /^-?\d/.test(text) ? Number(text) : undefined
}

/** Points of one nested leaf, in timestamp order (as every metric read): numbers only. */
export function nestedPoints(p: ProjectDb, f: RunFilter, keys: string[], rows: RowFilter): { steps: number[]; values: number[]; timestamps: string[]; skipped: number } {
  const out = { steps: [] as number[], values: [] as number[], timestamps: [] as string[], skipped: 0 }
  if (rows.kind === 'none' || !p.hasTable('metrics')) return out
  const range = rows.kind === 'steps' ? ' AND +step BETWEEN ? AND ?' : rows.kind === 'step' ? ' AND step = ?' : ''
  const params = rows.kind === 'steps' ? [rows.lo, rows.hi] : rows.kind === 'step' ? [rows.step] : []
  const add = (ts: unknown, step: unknown, n: number | undefined) => {
    if (n === undefined) return void out.skipped++
    out.steps.push(Number(step))
    out.values.push(n)
    out.timestamps.push(String(ts))
  }
  try {
    const found = p.db
      .query(`SELECT timestamp, step, CAST(metrics AS TEXT) -> ? FROM metrics WHERE ${where(f)}${range} ORDER BY timestamp, rowid`)
      .safeIntegers(false)
      .values(nestedPath(keys), f.value, ...params)
    // A nested NaN/Infinity is stored as its token string (compat §3.2): charted as the float it stands for.
    for (const [ts, step, v] of found) if (v !== null) add(ts, step, numberText(String(v)))
  } catch (err) {
    if (!isMalformedJson(err)) throw err
    Object.assign(out, { steps: [], values: [], timestamps: [], skipped: 0 })
    for (const row of metricRows(p, f, rows, 'timestamp')) {
      let v: Json | undefined = row.metrics
      for (const k of keys) v = v instanceof Map ? v.get(k) : undefined
      if (v === undefined || v === null) continue
      add(row.timestamp, row.step, v instanceof JsonFloat ? v.value : typeof v === 'number' || typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? numberText(JSON.stringify(v)) : undefined)
    }
  }
  return out
}
