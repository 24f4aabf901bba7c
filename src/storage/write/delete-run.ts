import { BadRequestError, NotFoundError } from '../../errors'
import type { Storage } from '../db/connection'
import { databaseError, findRun, producerScope, RUN_TABLES, scopeOf, type RunIdentity } from './run-scope'
import type { ProjectDb } from '../db/connection'
import { mutateProject } from './transaction'

export interface DeleteResult {
  /** Rows removed per table (artifact_versions: producer references cleared). */
  rows: Record<string, number>
}

/**
 * Delete a run (compat §5) in one transaction: its rows in every run table, its artifact links,
 * and its name on the artifact versions it produced. Media files are kept, as in Trackio.
 * Unknown project or run → null (Trackio answers false), and the file is left untouched; a run
 * known only from system metrics, alerts or traces is found and deleted (Trackio leaves those
 * rows orphaned). Nothing changes on failure.
 */
export async function deleteRun(storage: Storage, project: string, run: string | null, runId: string | null): Promise<DeleteResult | null> {
  if (run === null && runId === null) throw new BadRequestError('delete_run needs run or run_id')
  return mutateProject(storage, project, (p) => {
    const r = findRun(p, project, run, runId)
    const rows: Record<string, number> = {}
    for (const table of RUN_TABLES) {
      const s = scopeOf(p, table, r)
      if (s) rows[table] = p.db.run(`DELETE FROM "${table}" WHERE ${s.sql}`, s.params).changes
    }
    const prod = producerScope(p, r)
    if (prod)
      rows.artifact_versions = p.db.run(
        `UPDATE artifact_versions SET producer_run_id = NULL, producer_run_name = NULL WHERE ${prod.sql}`,
        prod.params,
      ).changes
    if (!r.byName && nameUnclaimed(p, r)) dropNamelessLinks(p, r, rows)
    return { rows }
  }).catch((err: unknown) => {
    // findRun's 404 rolls the transaction back (the schema steps too), so the file stays as it was.
    if (err instanceof NotFoundError) return null
    throw databaseError(err, `deleting run '${runId ?? run}'`)
  })
}

/** Whether no other run still uses the deleted run's name (in metrics or in links with a run id). */
function nameUnclaimed(p: ProjectDb, r: RunIdentity): boolean {
  const q = (sql: string) => p.db.query(sql).values(r.name).length === 0
  if (p.hasTable('metrics') && !q('SELECT 1 FROM metrics WHERE run_name = ? LIMIT 1')) return false
  return !p.hasTable('run_artifact_links') || q('SELECT 1 FROM run_artifact_links WHERE run_name = ? AND run_id IS NOT NULL LIMIT 1')
}

/** Legacy link rows without a run id that carry the name belong to the deleted run too. */
function dropNamelessLinks(p: ProjectDb, r: RunIdentity, rows: Record<string, number>): void {
  if (p.hasTable('run_artifact_links'))
    rows.run_artifact_links =
      (rows.run_artifact_links ?? 0) + p.db.run('DELETE FROM run_artifact_links WHERE run_id IS NULL AND run_name = ?', [r.name]).changes
  if (p.hasColumn('artifact_versions', 'producer_run_name'))
    rows.artifact_versions =
      (rows.artifact_versions ?? 0) +
      p.db.run(
        'UPDATE artifact_versions SET producer_run_id = NULL, producer_run_name = NULL WHERE producer_run_id IS NULL AND producer_run_name = ?',
        [r.name],
      ).changes
}
