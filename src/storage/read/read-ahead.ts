import { lstatSync } from 'node:fs'
import type { ProjectDb } from '../db/connection'
import { keepKeyScan, keysHeld, prescanKeys, runSpanSql, runStats, seedRunStats } from './metrics'
import { listRunsHeld, runListSql, seedRunList, type RunFilter } from './runs'
import { scanKeys, scanSeries, scanValues, type ScanPriority } from './scans'
import { textStampsMax } from './stamp-table'
import { markOf, tableMarkSql } from './table-mark'
import { concatSeries, keepSeries, prescanSeries, seriesFromWire, seriesHeld, type Series } from './series-cache'

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

/** `statement` and, when the table has one, the statement of its mark: read in one worker transaction. */
function withMark(statement: [string, (string | number)[]], markSql: string | null): [string, (string | number)[]][] {
  return markSql ? [statement, [markSql, []]] : [statement]
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
    const [rows, mark] = await scanValues(p.paths.db, withMark([plan.sql, []], plan.mark), priority)
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
    return { token: p.versionToken(), span: p.peek<Span | null>(key), markSql: tableMarkSql(p) }
  })
  if (!known) return null
  if (known.span !== undefined) return known.span
  const { token } = known
  const [[row], mark] = (await scanValues(p.paths.db, withMark([runSpanSql(f), [f.value]], known.markSql), priority)) as [[unknown[]], unknown[][] | undefined]
  if (!sameFile(p)) return null
  seedRunStats(p, f, token, row, markOf(mark?.[0]))
  const [rows, , , first, high] = row.map((v) => (typeof v === 'bigint' ? Number(v) : v)) as [number, unknown, unknown, number | null, number | null]
  const span = rows < READ_AHEAD_MIN_ROWS || first === null || high === null ? null : { token, rows, first, high }
  p.seed(key, token, span)
  return span
}

/** Rowids per part of a run read ahead when readers hold writers up (see parts). */
export const PART_ROWIDS = 65_536

/**
 * The parts of a run's rowid span to read, each in its own read transaction, and whether to walk the
 * run's index rather than the table. In WAL mode (Trackio's default) readers never hold a writer up:
 * two halves, read at once. In a rollback journal (Spaces' DELETE mode) a read holds the Python writer's
 * COMMIT up while it runs: parts of PART_ROWIDS rowids (some 100 ms each), read one after the other.
 */
function parts(p: ProjectDb, s: Span): { parts: [number, number][]; indexed: boolean; sequential: boolean } {
  const wal = p.read(() => p.memo('journal-wal', () => String(p.db.query('PRAGMA journal_mode').values()[0]?.[0]).toLowerCase() === 'wal'))
  const indexed = s.rows * 2 < s.high - s.first + 1
  if (wal) {
    const mid = Math.floor((s.first + s.high) / 2)
    return {
      parts: [
        [s.first, mid],
        [mid + 1, s.high],
      ],
      indexed,
      sequential: false,
    }
  }
  const out: [number, number][] = []
  for (let lo = s.first; lo <= s.high; lo += PART_ROWIDS) out.push([lo, Math.min(s.high, lo + PART_ROWIDS - 1)])
  return { parts: out, indexed, sequential: true }
}

/** Read each part with `read`: at once (two halves, WAL) or one after the other (a rollback journal). */
async function readParts<T>(split: { parts: [number, number][]; sequential: boolean }, read: (lo: number, hi: number) => Promise<T>): Promise<T[]> {
  if (!split.sequential) return Promise.all(split.parts.map(([lo, hi]) => read(lo, hi)))
  const out: T[] = []
  for (const [lo, hi] of split.parts) out.push(await read(lo, hi))
  return out
}

/** A run's keys (runKeys), read in two halves at once when the run is long and its keys are not held. */
export async function keysAhead(p: ProjectDb, f: RunFilter, priority: ScanPriority = 'client'): Promise<void> {
  if (p.read(() => !p.hasTable('metrics') || keysHeld(p, f))) return
  try {
    const span = await longRun(p, f, priority)
    if (!span) return
    const split = parts(p, span)
    const found = await readParts(split, (lo, hi) => scanKeys(p.paths.db, f, lo, hi, split.indexed, priority))
    if (found.some((k) => k === null) || !sameFile(p)) return
    const read = found as NonNullable<(typeof found)[0]>[]
    const first = read.find((k) => k.first !== null)?.first ?? null
    const high = read.findLast((k) => k.high !== null)?.high ?? null
    if (first === null || high === null) return
    keepKeyScan(p, f, read.reduce((n, k) => n + k.rows, 0), first, high, read.flatMap((k) => k.keys))
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
    const split = parts(p, span)
    const read = await readParts(split, (lo, hi) => scanSeries(p.paths.db, f, metric, lo, hi, split.indexed, span.rows > textStampsMax(), priority))
    // null: rows not in timestamp order, or not cacheable: built on first use, as before.
    if (read.some((w) => w === null) || !sameFile(p)) return
    let s: Series | null = seriesFromWire(read[0]!)
    for (const w of read.slice(1)) if (s) s = concatSeries(s, seriesFromWire(w!))
    if (s) keepSeries(p, f, metric, s, span.token)
  } catch {
    if (priority === 'background') return
    await prescanSeries(p, f, metric, () => {
      const st = runStats(p, f)
      return st.safeSteps ? st.count : 0
    })
  }
}
