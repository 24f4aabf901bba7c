import { NotFoundError, TrackioError } from '../../errors'
import type { ProjectDb } from '../db/connection'
import { text } from '../db/decode'
import { resolveRun } from '../read/runs'

/**
 * The run a delete or rename acts on. `byName`: the project is a legacy name-keyed database, so the
 * name is the identity in every table. Otherwise rows are matched by `id`; a run known only from
 * artifact links may have a null id and is then matched by name among rows without a run id.
 */
export interface RunIdentity {
  id: string | null
  name: string
  byName: boolean
}

/** A WHERE clause and its parameters. */
export interface Scope {
  sql: string
  params: string[]
}

/** Tables with per-run rows that a delete removes and a rename relabels. */
export const RUN_TABLES = ['metrics', 'configs', 'system_metrics', 'alerts', 'traces', 'run_artifact_links'] as const

/** Tables searched for a run when it has no metrics rows (our extension: Trackio looks at metrics and links only). */
const FALLBACK_TABLES = ['system_metrics', 'alerts', 'traces'] as const

/**
 * Find the run (compat §4, §5): resolved against metrics, then artifact links, then the other
 * tables holding rows of it. Throws 404 naming the run when nothing holds it.
 */
export function findRun(p: ProjectDb, project: string, run: string | null, runId: string | null): RunIdentity {
  const byName = p.hasTable('metrics') && !p.hasRunIds('metrics')
  const inMetrics = existing(p, 'metrics', run, runId)
  if (inMetrics) return inMetrics
  const linked = fromLinks(p, run, runId, byName)
  if (linked) return linked
  if (!byName) {
    for (const table of FALLBACK_TABLES) {
      const found = existing(p, table, run, runId)
      if (found) return found
    }
  }
  throw new NotFoundError(`Run '${runId ?? run}' does not exist in project '${project}'`)
}

function existing(p: ProjectDb, table: string, run: string | null, runId: string | null): RunIdentity | null {
  const f = resolveRun(p, table, run, runId)
  if (!f) return null
  const row = p.db.query(`SELECT run_name FROM "${table}" WHERE ${f.column} = ? ORDER BY rowid DESC LIMIT 1`).values(f.value)[0]
  if (!row) return null
  const name = text(row[0]) ?? ''
  return f.column === 'run_id' ? { id: f.value, name, byName: false } : { id: null, name, byName: true }
}

function fromLinks(p: ProjectDb, run: string | null, runId: string | null, byName: boolean): RunIdentity | null {
  if (!p.hasTable('run_artifact_links')) return null
  const q = (sql: string, v: string) => p.db.query(sql).values(v)[0]
  const row =
    runId !== null
      ? q('SELECT run_id, run_name FROM run_artifact_links WHERE run_id = ? ORDER BY id DESC LIMIT 1', runId)
      : run !== null
        ? q('SELECT run_id, run_name FROM run_artifact_links WHERE run_name = ? ORDER BY run_id IS NULL, created_at DESC LIMIT 1', run)
        : undefined
  if (!row) return null
  const name = text(row[1]) ?? runId ?? run ?? ''
  return { id: byName ? null : text(row[0]), name, byName }
}

/** Rows of `table` that belong to the run, or null when the table does not exist. */
export function scopeOf(p: ProjectDb, table: string, r: RunIdentity): Scope | null {
  if (!p.hasTable(table)) return null
  if (r.byName || !p.hasRunIds(table)) return { sql: 'run_name = ?', params: [r.name] }
  if (r.id !== null) return { sql: 'run_id = ?', params: [r.id] }
  return { sql: 'run_id IS NULL AND run_name = ?', params: [r.name] }
}

/** Artifact versions the run produced. */
export function producerScope(p: ProjectDb, r: RunIdentity): Scope | null {
  if (!p.hasColumn('artifact_versions', 'producer_run_name')) return null
  if (r.byName) return { sql: 'producer_run_name = ?', params: [r.name] }
  if (r.id !== null) return { sql: 'producer_run_id = ?', params: [r.id] }
  return { sql: 'producer_run_id IS NULL AND producer_run_name = ?', params: [r.name] }
}

/** A SQLite failure not mapped to one of our errors, worded as Trackio words it (500). */
export function databaseError(err: unknown, what: string): unknown {
  if (err instanceof TrackioError || !(err instanceof Error)) return err
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SQLITE') ? new TrackioError(`Database error while ${what}: ${err.message}`) : err
}
