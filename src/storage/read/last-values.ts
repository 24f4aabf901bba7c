import { JsonFloat, type Json } from '../../json/values'
import type { ProjectDb } from '../db/connection'
import { decodeObject, nonFiniteOf } from '../db/decode'
import type { ChartKeys } from './nested'
import { where, type RunFilter } from './runs'

/** A stored value as a number (NaN/±Infinity included), or undefined when it is none. */
function numeric(v: Json | undefined, nested: boolean): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof JsonFloat) return v.value
  // Nested leaves keep Trackio's "NaN" strings; chart reads (nestedPoints) take them as numbers.
  return nested ? nonFiniteOf(v) : undefined
}

function leaf(row: Map<string, Json>, keys: string[]): Json | undefined {
  let v: Json | undefined = row
  for (const k of keys) {
    if (!(v instanceof Map)) return undefined
    v = v.get(k)
  }
  return v
}

/**
 * Each chartable metric's last value in a run: the numeric value of the row with the highest step
 * holding it (of several rows at that step, the last in timestamp order, as the last point of
 * get_metric_history). NaN and ±Infinity are kept as numbers. Rows are read from the highest step down
 * (the run/step index) and the scan stops once every name has a value: usually one row. Memoised
 * until the database changes. Call inside `p.read`.
 */
export function lastValues(p: ProjectDb, f: RunFilter, keys: ChartKeys): Map<string, number> {
  const wanted = keys.numeric.length + keys.nested.size
  if (!wanted || !p.hasTable('metrics')) return new Map()
  return p.memo(`last-values:${f.column}:${f.value}`, () => {
    const found = new Map<string, number>()
    const rows = p.db
      .query(`SELECT metrics FROM metrics WHERE ${where(f)} ORDER BY step DESC, timestamp DESC, rowid DESC`)
      .iterate(f.value) as Iterable<{ metrics: unknown }>
    for (const { metrics } of rows) {
      const row = decodeObject(metrics)
      for (const k of keys.numeric) {
        if (found.has(k)) continue
        const n = numeric(row.get(k), false)
        if (n !== undefined) found.set(k, n)
      }
      for (const [name, path] of keys.nested) {
        if (found.has(name)) continue
        const n = numeric(leaf(row, path), true)
        if (n !== undefined) found.set(name, n)
      }
      if (found.size === wanted) break
    }
    const ordered = new Map<string, number>()
    for (const k of [...keys.numeric, ...keys.nested.keys()]) if (found.has(k)) ordered.set(k, found.get(k)!)
    return ordered
  })
}
