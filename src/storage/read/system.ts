import type { JsonObject } from '../../json/values'
import type { ProjectDb } from '../db/connection'
import { decodeObject, text } from '../db/decode'
import { where, type RunFilter } from './runs'

export interface SystemRow {
  timestamp: string
  metrics: JsonObject
}

/** A run's system-metric rows ordered by (timestamp, id), decoded (compat §5). */
export function systemRows(p: ProjectDb, f: RunFilter): SystemRow[] {
  if (!p.hasTable('system_metrics')) return []
  const order = p.hasColumn('system_metrics', 'id') ? 'timestamp, id' : 'timestamp'
  return p.db
    .query(`SELECT timestamp, metrics FROM system_metrics WHERE ${where(f)} ORDER BY ${order}`)
    .values(f.value)
    .map(([ts, m]) => ({ timestamp: text(ts) ?? '', metrics: decodeObject(m) }))
}
