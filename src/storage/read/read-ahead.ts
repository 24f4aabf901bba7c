import { lstatSync } from 'node:fs'
import type { ProjectDb } from '../db/connection'
import { keepKeyScan, keysHeld, prescanKeys, runSpanSql, runStats, seedRunStats } from './metrics'
import { listRunsHeld, runListSql, seedRunList, type RunFilter } from './runs'
import { scanKeys, scanSeries, scanValues, type ScanPriority } from './scans'
import { textStampsMax } from './stamp-table'
import { markOf, tableMarkSql } from './table-mark'
import { concatSeries, keepSeries, prescanSeries, seriesFromWire, seriesHeld } from './series-cache'

/**
 * Reads ahead on the scan workers (scans.ts): what the first call on a long run or project would
 * otherwise read on the server's thread for seconds (the project's run list, a run's row count, keys
 * and series) is read on the workers' own connections, a long run in two halves at once, and kept
 * where the synchronous reads look first: memos of the ProjectDb (only if the database has not changed
 * since: its version token is compared), the key scans and the series cache (checked against the
 * database and extended on use, as after any commit). The answer is then read as before. When no worker
 * can run, key scans and series are read ahead in slices on this thread (prescanKeys, prescanSeries).
 */

/** Tables and runs shorter than this are read on first use, on the server's thread (tens of ms). */
export const READ_AHEAD_MIN_ROWS = 32_768

/** Whether `p`'s file is still the one its connection has open (a file replaced meanwhile: keep nothing). */
function sameFile(p: ProjectDb): boolean {
  try {
    return lstatSync(p.paths.db).ino === p.inode
  } catch {
    return false
  }
}

/**
 * The metrics table's rowid span: two seeks of the table's b-tree (one query asking both MIN and MAX
 * would scan the whole table: SQLite's min/max shortcut takes one aggregate alone).
 */
export function tableSpan(p: ProjectDb): number {
  if (!p.hasTable('metrics')) return 0
  const [lo, hi] = p.db.query('SELECT (SELECT MIN(rowid) FROM metrics), (SELECT MAX(rowid) FROM metrics)').safeIntegers(false).values()[0] as [number | null, number | null]
  return lo === null || hi === null ? 0 : hi - lo + 1
}

/** The project's run list (listRuns), when the metrics table is long and the list is not held. */
export async function runListAhead(p: ProjectDb, priority: ScanPriority = 'client'): Promise<void> {
  const plan = p.read(() => {
    const sql = runListSql(p)
    if (sql === null || listRunsHeld(p) || tableSpan(p) < READ_AHEAD_MIN_ROWS) return null
    return { sql, mark: tableMarkSql(p), token: p.versionToken() }
  })
  if (!plan) return
  try {
    const [rows, mark] = await scanValues(p.paths.db, plan.mark ? [[plan.sql, []], [plan.mark, []]] : [[plan.sql, []]], priority)
    if (sameFile(p)) seedRunList(p, plan.token, rows!, markOf(mark?.[0]))
  } catch {
    /* read on first use */
  }
}

interface Span {
  token: object
  rows: number
  first: number
  high: number
}

/** A long run's row count and rowid span, read by a worker (runStats is kept from it); null for a short run. */
async function longRun(p: ProjectDb, f: RunFilter, priority: ScanPriority): Promise<Span | null> {
  const key = `span:${f.column}:${f.value}`
  const known = p.read(() => {
    if (!p.hasTable('metrics') || tableSpan(p) < READ_AHEAD_MIN_ROWS) return null
    return { token: p.versionToken(), span: p.peek<Span | null>(key) }
  })
  if (!known) return null
  if (known.span !== undefined) return known.span
  const { token } = known
  const markSql = p.read(() => tableMarkSql(p))
  const [[row], mark] = (await scanValues(p.paths.db, markSql ? [[runSpanSql(f), [f.value]], [markSql, []]] : [[runSpanSql(f), [f.value]]], priority)) as [[unknown[]], unknown[][] | undefined]
  if (!sameFile(p)) return null
  seedRunStats(p, f, token, row, markOf(mark?.[0]))
  const [rows, , , first, high] = row.map((v) => (typeof v === 'bigint' ? Number(v) : v)) as [number, unknown, unknown, number | null, number | null]
  const span = rows < READ_AHEAD_MIN_ROWS || first === null || high === null ? null : { token, rows, first, high }
  p.seed(key, token, span)
  return span
}

/** Two halves of a run's rowid span, and whether to walk the run's index rather than the table. */
function halves(s: Span): { parts: [number, number][]; indexed: boolean } {
  const mid = Math.floor((s.first + s.high) / 2)
  return {
    parts: [
      [s.first, mid],
      [mid + 1, s.high],
    ],
    indexed: s.rows * 2 < s.high - s.first + 1,
  }
}

/** A run's keys (runKeys), read in two halves at once when the run is long and its keys are not held. */
export async function keysAhead(p: ProjectDb, f: RunFilter, priority: ScanPriority = 'client'): Promise<void> {
  if (p.read(() => !p.hasTable('metrics') || keysHeld(p, f))) return
  try {
    const span = await longRun(p, f, priority)
    if (!span) return
    const { parts, indexed } = halves(span)
    const found = await Promise.all(parts.map(([lo, hi]) => scanKeys(p.paths.db, f, lo, hi, indexed, priority)))
    if (found.some((k) => k === null) || !sameFile(p)) return
    const [a, b] = found as [NonNullable<(typeof found)[0]>, NonNullable<(typeof found)[0]>]
    const first = a.first ?? b.first
    const high = b.high ?? a.high
    if (first === null || high === null) return
    keepKeyScan(p, f, a.rows + b.rows, first, high, [...a.keys, ...b.keys])
  } catch {
    // No worker: slices on this thread, for a client only (a warm-up never holds the server up).
    if (priority === 'client') await prescanKeys(p, f)
  }
}

/** A run's series of `metric` (the series cache), read in two halves at once when the run is long and it is not cached. */
export async function seriesAhead(p: ProjectDb, f: RunFilter, metric: string, priority: ScanPriority = 'client'): Promise<void> {
  if (metric.includes('\u0000') || p.read(() => !p.hasTable('metrics') || seriesHeld(p, f, metric))) return
  try {
    const span = await longRun(p, f, priority)
    if (!span) return
    const { parts, indexed } = halves(span)
    const [a, b] = await Promise.all(parts.map(([lo, hi]) => scanSeries(p.paths.db, f, metric, lo, hi, indexed, span.rows > textStampsMax(), priority)))
    // null: rows not in timestamp order, or not cacheable: built on first use, as before.
    if (!a || !b || !sameFile(p)) return
    const s = concatSeries(seriesFromWire(a), seriesFromWire(b))
    if (s) keepSeries(p, f, metric, s, span.token)
  } catch {
    if (priority === 'background') return
    await prescanSeries(p, f, metric, () => {
      const st = runStats(p, f)
      return st.safeSteps ? st.count : 0
    })
  }
}
