import type { ProjectDb } from '../db/connection'

/**
 * Whether the metrics table only grew since a moment: what lets a cache kept across commits (a run
 * list, a run's row count, a series) be extended by the rows logged since instead of read again while
 * a writer logs beside the server. At that moment the cache notes the table's row count and highest
 * rowid (a TableMark, read in the same read transaction as the cache's rows). Later, in the reader's
 * transaction: if the rows at or below that rowid still number the same, none of them was deleted, and
 * none was added among them either, because the table is AUTOINCREMENT (Trackio's schema): a rowid is
 * never used twice. Counting the whole table is one pass over its smallest index (about 30 ms for
 * 2,000,000 rows here), done once per change of the database, instead of one count per run and cache.
 *
 * Rows changed in place (a rename rewrites run_name, a media move rewrites JSON) are not seen by
 * counting: each cache checks what it depends on (see its callers).
 */
export interface TableMark {
  rows: number
  high: number
}

/**
 * The statement reading a TableMark (row count, highest rowid, whether the table is AUTOINCREMENT: without
 * it a rowid freed at the end could be used again and counts would prove nothing); null when the
 * project has no metrics table or no AUTOINCREMENT table at all.
 */
export function tableMarkSql(p: ProjectDb): string | null {
  if (!p.hasTable('metrics') || !p.hasTable('sqlite_sequence')) return null
  return "SELECT (SELECT COUNT(*) FROM metrics), (SELECT MAX(rowid) FROM metrics), EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'metrics')"
}

/** A TableMark from tableMarkSql's row (read here or by a scan worker). */
export function markOf(row: unknown[] | undefined): TableMark | null {
  if (!row || !Number(row[2])) return null
  return { rows: Number(row[0]), high: Number(row[1] ?? 0) }
}

/** The metrics table's row count and highest rowid now (memoised per database version); null when marks cannot be trusted. */
export function tableMark(p: ProjectDb): TableMark | null {
  const sql = tableMarkSql(p)
  if (sql === null) return null
  return p.memo('table-mark', () => markOf(p.db.query(sql).values()[0]))
}

/** Whether no metrics row at or below `mark.high` was deleted (or added) since `mark` was read. */
export function onlyGrewSince(p: ProjectDb, mark: TableMark | null | undefined): boolean {
  if (!mark) return false
  const now = tableMark(p)
  if (!now || now.high < mark.high || now.rows < mark.rows) return false
  if (now.high === mark.high) return now.rows === mark.rows
  const [beyond] = p.db.query('SELECT COUNT(*) FROM metrics WHERE rowid > ?').safeIntegers(false).values(mark.high)[0] as [number]
  return now.rows - beyond === mark.rows
}
