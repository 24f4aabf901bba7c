import { Database } from 'bun:sqlite'
import { mkdirSync, statSync } from 'node:fs'
import { BadRequestError, NotFoundError } from '../../errors'
import { ProjectDb, READ_BUSY_STEP_MS, retryWhileLocked, storageFailure, WRITE_BUSY_TIMEOUT_MS, type Storage } from '../db/connection'
import { withProjectLock } from '../db/lock'
import { projectPaths, refuseLinksOut, reservedProjectReason, stemTooLong } from '../db/paths'
import { ensureSchema } from '../db/schema'
import { writePragmas } from '../db/pragmas'
import { closeWriter } from './checkpoint'
import { replayRenameJournal } from './rename-journal'

/** Filesystem steps done inside a write transaction, undone (newest first) when it does not commit. */
export type UndoLog = (() => void)[]

export interface WriteTarget {
  dataDir: string
  project: string
  /** 'create': logging (the file and the data directory are made when missing); 'existing': a mutation of a project that must exist. */
  mode: 'create' | 'existing'
}

/**
 * The one way the server writes a project database, as the Python library does (docs/compatibility.md,
 * "Writing"): a fresh connection with Trackio's PRAGMAs, the cross-process `.lock` flock, the schema
 * steps, then one BEGIN IMMEDIATE transaction around `fn`. SQLite's own busy wait is kept short (it
 * would block the whole server); a locked database is retried asynchronously for up to 30 s, each
 * attempt a whole transaction, so a retry never half-writes. When `fn` or the COMMIT fails, the
 * transaction is rolled back and the `undo` steps `fn` registered are run: a failed call changes
 * nothing. The cached read connection is never used for writing. The COMMIT does not checkpoint:
 * `closeWriter` has a large WAL checkpointed on a worker thread, then closes the connection (checkpoint.ts). `fn` may be async (a large batch
 * yields between chunks): the lock and the transaction are held until it settles.
 */
export async function writeTransaction<T>(target: WriteTarget, fn: (p: ProjectDb, undo: UndoLog) => T | Promise<T>): Promise<T> {
  const paths = projectPaths(target.dataDir, target.project)
  const missing = (): NotFoundError => new NotFoundError(`Project '${target.project}' does not exist`)
  if (stemTooLong(paths.stem)) throw target.mode === 'existing' ? missing() : new BadRequestError(`Project name is too long: ${target.project}`)
  const reserved = target.mode === 'create' ? reservedProjectReason(target.project) : null
  if (reserved) throw new BadRequestError(reserved)
  if (target.mode === 'existing') {
    try {
      if (!statSync(paths.db).isFile()) throw missing()
    } catch {
      throw missing()
    }
  }
  const pragmas = writePragmas()
  return retryWhileLocked(async () => {
    let db: Database | undefined
    let committed = false
    try {
      if (target.mode === 'create') mkdirSync(target.dataDir, { recursive: true })
      refuseLinksOut(target.dataDir, paths)
      db = new Database(paths.db, { readwrite: true, create: target.mode === 'create', safeIntegers: true })
      db.run(`PRAGMA busy_timeout = ${READ_BUSY_STEP_MS}`)
      for (const sql of pragmas) db.run(sql)
      // The COMMIT does not checkpoint: closeWriter has it done off the event loop (checkpoint.ts).
      db.run('PRAGMA wal_autocheckpoint = 0')
      const open = db
      const result = await withProjectLock(paths.lock, async () => {
        replayRenameJournal(target.dataDir, paths, open)
        const p = new ProjectDb(open, paths, statSync(paths.db).ino)
        const undo: UndoLog = []
        try {
          return await p.writeAsync(() => fn(p, undo), () => ensureSchema(open))
        } catch (err) {
          for (const step of undo.reverse()) {
            try {
              step()
            } catch {
              /* best effort: keep undoing the rest */
            }
          }
          throw err
        }
      })
      committed = true
      return result
    } catch (err) {
      throw storageFailure(err, paths.stem)
    } finally {
      if (committed) closeWriter(db!, paths.db, pragmas)
      else db?.close(false)
    }
  }, WRITE_BUSY_TIMEOUT_MS)
}

/** A mutation (delete, rename) of an existing project; the server's cached read connection is told. */
export async function mutateProject<T>(storage: Storage, project: string, fn: (p: ProjectDb, undo: UndoLog) => T): Promise<T> {
  const result = await writeTransaction({ dataDir: storage.dataDir, project, mode: 'existing' }, fn)
  storage.project(project)?.noteWrite()
  return result
}
