import type { ProjectDb } from '../db/connection'
import { text } from '../db/decode'

export type RunRecord = {
  id: string | null
  name: string
  created_at: string | null
}

/** Which rows of a table belong to one run: `column = value` (run_id, or run_name in legacy tables). */
export interface RunFilter {
  column: 'run_id' | 'run_name'
  value: string
}

/**
 * Runs of a project (compat §4): one SQL statement (union → group → order) so ties come out in
 * SQLite's order, as in Trackio. Runs known only from artifact links are included.
 */
export function listRuns(p: ProjectDb): RunRecord[] {
  if (!p.hasTable('metrics')) return []
  return p.memo('runs', () => {
    const links = p.hasTable('run_artifact_links')
    const runIds = p.hasRunIds('metrics')
    let sql: string
    if (runIds) {
      sql = 'SELECT run_id, run_name, timestamp AS t FROM metrics'
      if (links)
        sql += ` UNION ALL SELECT l.run_id, l.run_name, l.created_at FROM run_artifact_links l
          WHERE l.run_name IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_name = l.run_name)
            AND (l.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = l.run_id))
            AND (l.run_id IS NOT NULL OR NOT EXISTS (
              SELECT 1 FROM run_artifact_links l2 WHERE l2.run_name = l.run_name AND l2.run_id IS NOT NULL))`
      sql = `SELECT run_id, run_name, MIN(t) AS created_at FROM (${sql}) GROUP BY run_id, run_name ORDER BY created_at`
    } else {
      sql = 'SELECT run_name, timestamp AS t FROM metrics'
      if (links) sql += ' UNION ALL SELECT run_name, created_at FROM run_artifact_links WHERE run_name IS NOT NULL'
      sql = `SELECT run_name AS run_id, run_name, MIN(t) AS created_at FROM (${sql}) GROUP BY run_name ORDER BY created_at`
    }
    return p.db
      .query(sql)
      .values()
      .map(([id, name, created]) => ({ id: text(id), name: text(name) ?? '', created_at: text(created) }))
  })
}

/**
 * Resolve `(run, run_id)` against one table (compat §4): run_id wins; a name means the run of
 * that name created last *in this table*; legacy tables are keyed by name. Null: nothing to read.
 */
export function resolveRun(p: ProjectDb, table: string, run: string | null, runId: string | null): RunFilter | null {
  if (!p.hasTable(table)) return null
  if (!p.hasRunIds(table)) {
    const name = run ?? runId
    return name === null ? null : { column: 'run_name', value: name }
  }
  if (runId !== null) return { column: 'run_id', value: runId }
  if (run === null) return null
  const source = p.hasColumn(table, 'timestamp') ? table : 'metrics'
  if (!p.hasTable(source) || !p.hasRunIds(source)) return null
  const id = p.memo(`latest:${source}:${run}`, () => {
    const row = p.db
      .query(`SELECT run_id FROM "${source}" WHERE run_name = ? GROUP BY run_id ORDER BY MIN(timestamp) DESC LIMIT 1`)
      .values(run)[0]
    return row ? text(row[0]) : null
  }, (found) => found !== null)
  return id === null ? null : { column: 'run_id', value: id }
}

/** `"col" = ?` for a filter, for use in WHERE clauses (the column name is one of two constants). */
export function where(f: RunFilter): string {
  return `${f.column} = ?`
}

/**
 * A WHERE clause for the rows of run `f` with rowid in [first, high] (`rows` of them; `alias` is the
 * table's alias with its dot). When the run holds at least half of that rowid span (a run logged
 * alone, the usual case for long runs), the span is walked in table order and the run's column
 * checked on each row: sequential page reads instead of one index lookup per row (about 30 % less
 * time for 2,000,000 rows). Otherwise the run's index is used. Both select the same rows.
 */
export function runRowSpan(f: RunFilter, rows: number, first: number, high: number, alias = ''): { sql: string; params: (string | number)[] } {
  if (rows * 2 >= high - first + 1) return { sql: `${alias}rowid BETWEEN ? AND ? AND +${alias}${f.column} = ?`, params: [first, high, f.value] }
  return { sql: `${alias}${f.column} = ? AND ${alias}rowid BETWEEN ? AND ?`, params: [f.value, first, high] }
}
