import { statSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequestError } from '../../errors'
import type { ProjectDb, Storage } from '../db/connection'
import { applySteps, planMediaMove, rollBack, safeMediaName, type MoveStep } from './media-move'
import { removeJournal, writeJournal } from './rename-journal'
import { rewriteStoredJson, type PrefixMap } from '../db/media-paths'
import { databaseError, findRun, producerScope, RUN_TABLES, scopeOf, type RunIdentity } from './run-scope'
import { canonicalProjectName } from '../db/paths'
import { mutateProject } from './transaction'

/**
 * Test seam: called at each point where a crash would leave work half done ('journal',
 * 'step-<i>' after each media step, 'committed' after COMMIT); tests kill the process there.
 */
export const renameCrashPoints: { hit?: (point: string) => void } = {}

/** JSON columns that may hold media objects with a `file_path`. */
const MEDIA_COLUMNS: Record<string, readonly string[]> = { metrics: ['metrics'], traces: ['messages', 'metadata'] }

/**
 * Rename a run (compat §5) in one transaction. Unlike Trackio, rows are updated in place (ids and
 * log_id kept) and only `file_path` strings are rewritten inside the stored JSON. The new name is
 * trimmed; empty → 400; unknown project or run → 404; in a legacy name-keyed project an existing
 * name → 400 (runs could no longer be told apart).
 *
 * Media folder ordering: the folder is moved *inside* the transaction, after every row was
 * updated and just before COMMIT, and moved back when COMMIT fails. The whole move is planned
 * first, so everything likely to fail (a file in the way, a symbolic link on the way) refuses
 * the call before anything changes. Before the first move the plan goes to the project's
 * rename journal (rename-journal.ts), so a crash between the move and the COMMIT is settled
 * automatically at the next start or the next write to the project.
 */
export async function renameRun(storage: Storage, project: string, oldName: string, newName: string, runId: string | null): Promise<void> {
  const target = newName.trim()
  if (target === '') throw new BadRequestError('New run name cannot be empty')
  const stem = storage.paths(project).stem
  const journaled = await mutateProject(storage, project, (p, undo) => {
    const r = findRun(p, project, oldName, runId)
    if (r.name === target) return false
    if (r.byName && p.db.query('SELECT 1 FROM metrics WHERE run_name = ? LIMIT 1').values(target).length)
      throw new BadRequestError(`A run named '${target}' already exists in project '${project}'`)
    const prefixes = mediaPrefixes(project, r.name, target)
    for (const table of RUN_TABLES) {
      const s = scopeOf(p, table, r)
      if (!s) continue
      for (const column of MEDIA_COLUMNS[table] ?? []) if (p.hasColumn(table, column)) rewriteColumn(p, table, column, s.sql, s.params, prefixes)
      p.db.run(`UPDATE "${table}" SET run_name = ? WHERE ${s.sql}`, [target, ...s.params])
    }
    const prod = producerScope(p, r)
    if (prod) p.db.run(`UPDATE artifact_versions SET producer_run_name = ? WHERE ${prod.sql}`, [target, ...prod.params])
    const steps = planMedia(p, project, r, target)
    if (!steps.length) return false
    writeJournal(storage.dataDir, stem, { run: r, target, steps })
    undo.push(() => {
      rollBack(steps)
      removeJournal(storage.dataDir, stem)
    })
    renameCrashPoints.hit?.('journal')
    applySteps(steps, 0, (i) => renameCrashPoints.hit?.(`step-${i}`))
    return true
  }).catch((err: unknown) => {
    throw databaseError(err, `renaming run '${oldName}' to '${target}'`)
  })
  if (journaled) {
    renameCrashPoints.hit?.('committed')
    try {
      removeJournal(storage.dataDir, stem)
    } catch {
      /* the rename is committed and complete; a journal left here is settled (as finished) by the next write */
    }
  }
}

/** `{project}/{old}/` → `{project}/{new}/`, for the project as passed and its canonical name (rows may use either). */
function mediaPrefixes(project: string, oldName: string, newName: string): PrefixMap {
  const forms = [...new Set([project, canonicalProjectName(project)])]
  return forms.map((f) => [`${f}/${oldName}/`, `${f}/${newName}/`] as const)
}

function rewriteColumn(p: ProjectDb, table: string, column: string, where: string, params: string[], prefixes: PrefixMap): void {
  const rows = p.db.query(`SELECT rowid, "${column}" FROM "${table}" WHERE ${where} AND instr("${column}", 'file_path') > 0`).values(...params)
  if (!rows.length) return
  const update = p.db.prepare(`UPDATE "${table}" SET "${column}" = ? WHERE rowid = ?`)
  for (const [rowid, value] of rows) {
    const next = rewriteStoredJson(value, prefixes)
    if (next !== null) update.run(next, rowid as bigint)
  }
  update.finalize()
}

/**
 * Move MEDIA_DIR/{canonical}/{old} to …/{new}; also MEDIA_DIR/{project}/{old} when files were
 * written under the raw project name (older Trackio) and that name is a plain folder name.
 */
function planMedia(p: ProjectDb, project: string, r: RunIdentity, target: string): MoveStep[] {
  const mediaRoot = join(p.paths.mediaDir, '..')
  const projectDirs = [p.paths.mediaDir]
  if (project !== p.paths.stem && safeMediaName(project) && !project.includes('/')) projectDirs.push(join(mediaRoot, project))
  const steps: MoveStep[] = []
  const hop = `${process.pid}-${Date.now()}`
  for (const dir of projectDirs) {
    if (!safeMediaName(r.name)) continue
    const from = join(dir, r.name)
    if (!safeMediaName(target)) {
      if (existsDir(from)) throw new BadRequestError(`Run name '${target}' cannot be used as a media folder name`)
      continue
    }
    steps.push(...planMediaMove(dir, from, join(dir, target), hop))
  }
  return steps
}

function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
