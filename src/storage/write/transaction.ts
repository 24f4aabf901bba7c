import { Database } from 'bun:sqlite'
import { statSync } from 'node:fs'
import { NotFoundError } from '../../errors'
import { ProjectDb, READ_BUSY_STEP_MS, retryWhileLocked, storageFailure, WRITE_BUSY_TIMEOUT_MS, type Storage } from '../db/connection'
import { withProjectLock } from '../db/lock'
import { refuseLinksOut, stemTooLong } from '../db/paths'
import { ensureSchema } from '../db/schema'
import { writePragmas } from './append'
import { replayRenameJournal } from './rename-journal'

/** Filesystem steps done inside a write transaction, undone (newest first) when it does not commit. */
export type UndoLog = (() => void)[]

/**
 * Run one mutation of an existing project database the way the Python library writes (spec 2.5):
 * under the cross-process `.lock` flock, on a fresh connection with Trackio's PRAGMAs (a locked
 * database is retried asynchronously for up to 30 s, each attempt a whole transaction), in a single BEGIN IMMEDIATE transaction preceded by the schema steps.
 * The cached read connection is never used for writing, so no read transaction is left open.
 * When `fn` or the COMMIT fails, the transaction is rolled back and the `undo` steps `fn`
 * registered are run, so a failed call changes nothing.
 */
export async function mutateProject<T>(storage: Storage, project: string, fn: (p: ProjectDb, undo: UndoLog) => T): Promise<T> {
  const paths = storage.paths(project)
  const missing = (): NotFoundError => new NotFoundError(`Project '${project}' does not exist`)
  if (stemTooLong(paths.stem)) throw missing()
  let ino: number
  try {
    const st = statSync(paths.db)
    if (!st.isFile()) throw missing()
    ino = st.ino
  } catch {
    throw missing()
  }
  return retryWhileLocked(async () => {
    let db: Database
    try {
      refuseLinksOut(storage.dataDir, paths)
      db = new Database(paths.db, { readwrite: true, create: false, safeIntegers: true })
    } catch (err) {
      throw storageFailure(err, paths.stem)
    }
    try {
      const result = await withProjectLock(paths.lock, () => {
        db.run(`PRAGMA busy_timeout = ${READ_BUSY_STEP_MS}`)
        for (const sql of writePragmas()) db.run(sql)
        replayRenameJournal(storage.dataDir, paths, db)
        const p = new ProjectDb(db, paths, ino)
        const undo: UndoLog = []
        try {
          return p.write(() => fn(p, undo), () => ensureSchema(db))
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
      storage.project(project)?.noteWrite()
      return result
    } catch (err) {
      throw storageFailure(err, paths.stem)
    } finally {
      db.close(false)
    }
  }, WRITE_BUSY_TIMEOUT_MS)
}
