import type { ProjectDb } from '../db/connection'
import { decodeObject, int, text } from '../db/decode'
import type { MetricRow } from './metrics'
import { where, type RunFilter } from './runs'

/**
 * A run's metric rows as raw JSON text with their rowids, in get_logs order (timestamp, rowid): cheap
 * to scan with the native JSON parser when only a few rows will be decoded losslessly afterwards.
 */
export function metricRowTexts(p: ProjectDb, f: RunFilter): { rowids: number[]; texts: string[] } {
  const rowids: number[] = []
  const texts: string[] = []
  if (!p.hasTable('metrics')) return { rowids, texts }
  const rows = p.db
    .query(`SELECT rowid, CAST(metrics AS TEXT) FROM metrics WHERE ${where(f)} ORDER BY timestamp, rowid`)
    .safeIntegers(false)
    .values(f.value)
  for (const [id, t] of rows) {
    rowids.push(id as number)
    texts.push((t as string | null) ?? '{}')
  }
  return { rowids, texts }
}

/** The rows with these rowids, decoded (`decode` false keeps "NaN" strings), in (timestamp, rowid) order. */
export function metricRowsByRowid(p: ProjectDb, rowids: number[], decode: boolean): MetricRow[] {
  if (rowids.length === 0) return []
  return p.db
    .query('SELECT timestamp, step, metrics FROM metrics WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY timestamp, rowid')
    .values(JSON.stringify(rowids))
    .map(([ts, step, m]) => ({ timestamp: text(ts) ?? '', step: int(step) ?? 0, metrics: decodeObject(m, decode) }))
}
