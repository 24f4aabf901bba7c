import type { ProjectDb } from '../db/connection'
import { int, text } from '../db/decode'
import { where, type RunFilter } from './runs'

export type AlertRecord = {
  timestamp: string | null
  run: string | null
  title: string | null
  text: string | null
  level: string | null
  step: number | bigint | null
}

export interface AlertQuery {
  run: RunFilter | null
  level: string | null
  since: string | null
}

/** Alerts newest first (compat §5): level is an exact match, `since` a strict text comparison. */
export function alerts(p: ProjectDb, q: AlertQuery): AlertRecord[] {
  if (!p.hasTable('alerts')) return []
  const clauses: string[] = []
  const params: string[] = []
  if (q.run) {
    clauses.push(where(q.run))
    params.push(q.run.value)
  }
  if (q.level !== null) {
    clauses.push('level = ?')
    params.push(q.level)
  }
  if (q.since !== null) {
    clauses.push('timestamp > ?')
    params.push(q.since)
  }
  const w = clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''
  const tie = p.hasColumn('alerts', 'id') ? ', id DESC' : ''
  return p.db
    .query(`SELECT timestamp, run_name, title, text, level, step FROM alerts${w} ORDER BY timestamp DESC${tie}`)
    .values(...params)
    .map(([ts, run, title, body, level, step]) => ({
      timestamp: text(ts),
      run: text(run),
      title: text(title),
      text: text(body),
      level: text(level),
      step: int(step),
    }))
}
