import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import type { ProjectDb, Storage } from '../db/connection'
import { runKeys } from './metrics'
import { keysAhead, runListAhead, seriesAhead, tableSpan } from './read-ahead'
import { listRuns, type RunFilter } from './runs'
import { scanValues } from './scans'
import { SERIES_CACHE_BYTES, seriesCacheStats, seriesHeld } from './series-cache'
import { textStampsMax } from './stamp-table'

/**
 * Warming up after the server starts: the long runs of every project are read ahead on the scan
 * workers in the background (one worker, the other left to clients, whose jobs go first), so that the
 * first chart or summary of a run of millions of steps is answered from memory: the most recently written
 * projects first, each long project's run list, then its long runs, latest first, their keys and the
 * series of each metric while the series cache holds less than `budgetBytes` (half its bound: what
 * clients read is never pushed out for it; past it, run lists and keys only). Nothing is read on the
 * server's thread and nothing is written.
 */

/** Runs shorter than this are not warmed (their first read takes well under a second). */
export const WARM_MIN_ROWS = 65_536

/** Bytes of the series cache a warm-up may fill. */
export const WARM_BUDGET_BYTES = SERIES_CACHE_BYTES / 2

/**
 * About this many bytes per point in the series cache (see series-cache.ts), each row with its own
 * timestamp, to stop before the budget: a long table keeps them as microseconds, a short one as strings.
 */
export function warmBytesPerPoint(rows: number): number {
  return rows > textStampsMax() ? 33 : 150
}

export interface WarmOptions {
  minRows?: number
  budgetBytes?: number
  /** Checked between steps: true stops the warm-up (the server is stopping). */
  stopped?: () => boolean
}

export interface WarmReport {
  projects: number
  runs: number
  series: number
}

/** Warm every long project of `storage`; resolves when done (or stopped). */
export async function warmUp(storage: Storage, opts: WarmOptions = {}): Promise<WarmReport> {
  const minRows = opts.minRows ?? WARM_MIN_ROWS
  const budget = opts.budgetBytes ?? WARM_BUDGET_BYTES
  const stopped = opts.stopped ?? (() => false)
  const report: WarmReport = { projects: 0, runs: 0, series: 0 }
  for (const { stem, bytes } of latestFirst(storage)) {
    if (stopped()) break
    // A file too small to hold minRows rows is not even opened (an open connection would stand in the
    // way of another process switching the file's journal mode).
    if (bytes < minRows * MIN_ROW_BYTES) continue
    try {
      const p = storage.project(stem)
      if (!p || p.read(() => tableSpan(p)) < minRows) continue
      report.projects++
      if (!(await warmProject(p, minRows, budget, stopped, report))) break
    } catch {
      // A project that cannot be read now (locked, damaged, removed) is left to its first request.
    }
  }
  return report
}

/** Fewer bytes than this per row of the metrics table cannot be (run id, timestamp, name, JSON, indexes). */
const MIN_ROW_BYTES = 64

/** Project stems with the bytes of their database and WAL files, the most recently written first. */
function latestFirst(storage: Storage): { stem: string; bytes: number }[] {
  const files = storage.listProjects().map((stem) => {
    let t = 0
    let bytes = 0
    for (const suffix of ['.db', '.db-wal']) {
      try {
        const st = lstatSync(join(storage.dataDir, stem + suffix))
        t = Math.max(t, st.mtimeMs)
        bytes += st.size
      } catch {
        /* no such file */
      }
    }
    return { stem, t, bytes }
  })
  return files.sort((a, b) => b.t - a.t)
}

/** False when the warm-up is stopped. */
async function warmProject(p: ProjectDb, minRows: number, budget: number, stopped: () => boolean, report: WarmReport): Promise<boolean> {
  await runListAhead(p, 'background')
  const byId = p.read(() => p.hasRunIds('metrics'))
  const column = byId ? 'run_id' : 'run_name'
  const [sizes] = await scanValues(p.paths.db, [[`SELECT ${column}, COUNT(*) FROM metrics GROUP BY ${column}`, []]], 'background')
  const rows = new Map(sizes!.map(([k, n]) => [String(k), Number(n)]))
  const runs = p
    .read(() => listRuns(p))
    .map((r) => ({ key: byId ? r.id : r.name, created: r.created_at ?? '' }))
    .filter((r): r is { key: string; created: string } => r.key !== null && (rows.get(r.key) ?? 0) >= minRows)
    .reverse() // latest first
  const seen = new Set<string>()
  for (const run of runs) {
    if (seen.has(run.key)) continue
    seen.add(run.key)
    const f: RunFilter = { column, value: run.key }
    if (stopped()) return false
    await keysAhead(p, f, 'background')
    report.runs++
    for (const metric of p.read(() => runKeys(p, 'metrics', f, []))) {
      if (stopped()) return false
      // Past the budget, run lists and keys are still read (they take no room in the series cache).
      const n = rows.get(run.key)!
      if (seriesHeld(p, f, metric) || seriesCacheStats().bytes + n * warmBytesPerPoint(n) > budget) continue
      await seriesAhead(p, f, metric, 'background')
      if (seriesHeld(p, f, metric)) report.series++
    }
  }
  return true
}
