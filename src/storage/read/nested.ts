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

/** The run's chartable names (memoised until the database changes). */
export function chartKeys(p: ProjectDb, f: RunFilter): ChartKeys {
  if (!p.hasTable('metrics')) return { numeric: [], nested: new Map() }
  return p.memo(`chart-keys:${f.column}:${f.value}`, () => {
    try {
      const numeric: string[] = []
      const dicts: string[] = []
      const rows = p.db
        .query(`SELECT DISTINCT j.key, j.type, CASE WHEN j.type = 'text' THEN j.value END FROM metrics m, json_each(CAST(m.metrics AS TEXT)) j WHERE m.${where(f)}`)
        .values(f.value)
      for (const [key, type, text] of rows) {
        const k = String(key)
        if (RESERVED.has(k)) continue
        if (type === 'integer' || type === 'real' || (type === 'text' && NUMERIC_TEXT.has(String(text)))) numeric.push(k)
        else if (type === 'object') dicts.push(k)
      }
      const nested = new Map<string, string[]>()
      for (const d of new Set(dicts)) {
        const top = nestedPath([d])
        const leaves = p.db
          .query(
            `SELECT DISTINCT t.path, t.key, t.type FROM metrics m, json_tree(CAST(m.metrics AS TEXT), ?) t
             WHERE m.${where(f)} AND json_type(CAST(m.metrics AS TEXT), ?) = 'object' AND (t.type IN ('integer', 'real') OR t.key = '_type')`,
          )
          .values(top, f.value, top)
        const typed = new Set(leaves.filter(([, key]) => key === '_type').map(([path]) => JSON.stringify(parsePath(String(path)))))
        for (const [path, key, type] of leaves) {
          if (key === '_type' || (type !== 'integer' && type !== 'real')) continue
          const parent = parsePath(String(path))
          if (!parent || typeof key !== 'string') continue
          // A leaf inside a typed value (or below one) is part of that value, not a metric.
          let inTyped = false
          for (let i = 1; i <= parent.length && !inTyped; i++) inTyped = typed.has(JSON.stringify(parent.slice(0, i)))
          if (inTyped) continue
          const keys = [...parent, key]
          const name = keys.join('/')
          if (!nested.has(name)) nested.set(name, keys)
        }
      }
      return sorted(nested, [...new Set(numeric)])
    } catch (err) {
      if (!isMalformedJson(err)) throw err
      const numeric = new Set<string>()
      const nested = new Map<string, string[]>()
      for (const [m] of p.db.query(`SELECT metrics FROM metrics WHERE ${where(f)}`).values(f.value)) {
        const row: JsonObject = decodeObject(m)
        for (const [k, v] of row) {
          if (RESERVED.has(k)) continue
          if (v instanceof Map) walk(v, [k], nested)
          else if (isNumber(v)) numeric.add(k)
        }
      }
      return sorted(nested, [...numeric])
    }
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
