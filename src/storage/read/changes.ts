import type { ProjectDb } from '../db/connection'
import { int, text } from '../db/decode'
import type { AlertRecord } from './alerts'

/**
 * High-water marks for change feeds. Trackio's tables use AUTOINCREMENT ids, so rowids only grow:
 * "rows after mark m" is `rowid > m`, answered from the rowid b-tree without a scan.
 */
export interface Marks {
  metrics: number
  alerts: number
}

function maxRowid(p: ProjectDb, table: string): number {
  if (!p.hasTable(table)) return 0
  return Number(p.db.query(`SELECT COALESCE(MAX(rowid), 0) FROM "${table}"`).values()[0]?.[0] ?? 0)
}

export function marks(p: ProjectDb): Marks {
  return { metrics: maxRowid(p, 'metrics'), alerts: maxRowid(p, 'alerts') }
}

export interface NewSteps {
  run_id: string | null
  run: string
  from_step: number | bigint | null
  to_step: number | bigint | null
  points: number
  /** Whether every row of the run is after the mark (the run is new). */
  new_run: boolean
  created_at: string | null
}

/** Per run, the metric rows after `mark`: step range and count, in order of first new row. */
export function metricsSince(p: ProjectDb, mark: number): NewSteps[] {
  if (!p.hasTable('metrics')) return []
  const key = p.hasRunIds('metrics') ? 'run_id' : 'run_name'
  const rows = p.db
    .query(
      `SELECT n.k, n.name, n.lo, n.hi, n.c, (SELECT MIN(rowid) FROM metrics m WHERE m.${key} = n.k) <= ? , n.created, n.first
       FROM (SELECT ${key} AS k, MAX(run_name) AS name, MIN(step) AS lo, MAX(step) AS hi, COUNT(*) AS c, MIN(timestamp) AS created, MIN(rowid) AS first
             FROM metrics WHERE rowid > ? GROUP BY ${key}) n ORDER BY n.first`,
    )
    .values(mark, mark)
  return rows.map(([k, name, lo, hi, c, old, created]) => ({
    run_id: key === 'run_id' ? text(k) : null,
    run: text(name) ?? '',
    from_step: int(lo),
    to_step: int(hi),
    points: Number(c),
    new_run: Number(old) !== 1,
    created_at: text(created),
  }))
}

/** Alerts after `mark`, oldest first, at most `limit`, and how many there are in all. */
export function alertsSince(p: ProjectDb, mark: number, limit: number): { count: number; alerts: AlertRecord[] } {
  if (!p.hasTable('alerts')) return { count: 0, alerts: [] }
  const count = Number(p.db.query('SELECT COUNT(*) FROM alerts WHERE rowid > ?').values(mark)[0]?.[0] ?? 0)
  const list = p.db
    .query('SELECT timestamp, run_name, title, text, level, step FROM alerts WHERE rowid > ? ORDER BY rowid LIMIT ?')
    .values(mark, limit)
    .map(([ts, run, title, body, level, step]) => ({ timestamp: text(ts), run: text(run), title: text(title), text: text(body), level: text(level), step: int(step) }))
  return { count, alerts: list }
}
