import type { ProjectDb } from '../db/connection'
import { int, text } from '../db/decode'
import { parseInstant } from '../db/timestamps'
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
  /** Only alerts logged after this instant (epoch microseconds). */
  since: number | null
}

/** Alerts newest first (compat §5): level is an exact match, `since` an instant (Trackio compares text). */
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
  const w = clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''
  const tie = p.hasColumn('alerts', 'id') ? ', id DESC' : ''
  let rows = p.db.query(`SELECT timestamp, run_name, title, text, level, step FROM alerts${w} ORDER BY timestamp DESC${tie}`).values(...params)
  if (q.since !== null) {
    const since = q.since
    // Stored times may carry any offset (bulk_alert keeps a client's spelling): compare instants.
    rows = rows.filter(([ts]) => {
      const t = typeof ts === 'string' ? parseInstant(ts) : null
      return t !== null && t > since
    })
  }
  return rows.map(([ts, run, title, body, level, step]) => ({
      timestamp: text(ts),
      run: text(run),
      title: text(title),
      text: text(body),
      level: text(level),
      step: int(step),
    }))
}
