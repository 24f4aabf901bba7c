import { Database } from 'bun:sqlite'
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { messageOf, StorageError } from '../../errors'
import { ProjectDb, READ_BUSY_STEP_MS } from '../db/connection'
import { withProjectLock } from '../db/lock'
import { canonicalProjectName, projectPaths, refuseLinksOut, type ProjectPaths } from '../db/paths'
import { refuseLinks, rollBack, rollForward, safeMediaName, type MoveStep } from './media-move'
import { RUN_TABLES, scopeOf, type RunIdentity } from './run-scope'

/**
 * The rename journal: `rename_run` moves a run's media folder inside its transaction, just
 * before COMMIT, so a crash (kill -9, power loss) between the first move and the COMMIT would
 * leave rows and folders disagreeing. Before the first move it writes (and fsyncs)
 * `TRACKIO_DIR/{stem}.rename-journal`: the run, the new name and every planned step. After the
 * COMMIT (or after undoing a failed call) the journal is removed. A journal found later — at
 * startup, or under the project lock before the next write to that project — is settled: when
 * the database shows the rename committed (no row of the run keeps the old name) the plan is
 * finished, otherwise it is undone; then the journal goes. Every step is idempotent and judged
 * by what is on disk, so a crash during recovery is recovered the same way.
 *
 * The journal lives in a directory other processes may write to, so it is read as untrusted:
 * never through a link, and every path in it must stay inside the project's media folders.
 */

export interface RenameJournal {
  run: RunIdentity
  target: string
  /** Paths relative to TRACKIO_DIR/media. */
  steps: MoveStep[]
}

const SUFFIX = '.rename-journal'
/** Larger journals are not ours (a plan lists one line per merged file; this is millions of them). */
const MAX_BYTES = 256 * 1024 * 1024

export const journalPath = (dataDir: string, stem: string): string => join(dataDir, `${stem}${SUFFIX}`)

const mediaRoot = (dataDir: string): string => join(dataDir, 'media')

function mapPaths(steps: MoveStep[], f: (p: string) => string): MoveStep[] {
  return steps.map((s) =>
    s.op === 'rename' ? { op: 'rename', src: f(s.src), dst: f(s.dst) } : s.op === 'mkdir' ? { op: 'mkdir', dir: f(s.dir), first: f(s.first) } : { op: 'rmdir', dir: f(s.dir) },
  )
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY)
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    /* not supported here: the file's own fsync is what matters most */
  }
}

/** Write the journal durably (file and directory entry) before any media moves. */
export function writeJournal(dataDir: string, stem: string, j: RenameJournal): void {
  const root = mediaRoot(dataDir)
  const text = JSON.stringify({ version: 1, stem, run: j.run, target: j.target, steps: mapPaths(j.steps, (p) => relative(root, p)) })
  const fd = openSync(journalPath(dataDir, stem), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0), 0o644)
  try {
    const buf = Buffer.from(text)
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  fsyncDir(dataDir)
}

export function removeJournal(dataDir: string, stem: string): void {
  try {
    unlinkSync(journalPath(dataDir, stem))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/** The journal's text, or null when there is none; never read through a link. */
function readText(path: string): string | null {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    if (code === 'ELOOP') throw new Error('the journal is a symbolic link')
    throw err
  }
  try {
    const size = fstatSync(fd).size
    if (!fstatSync(fd).isFile() || size > MAX_BYTES) throw new Error('the journal is not a journal file')
    const buf = Buffer.alloc(size)
    for (let off = 0; off < size; ) {
      const n = readSync(fd, buf, off, size - off, off)
      if (n === 0) break
      off += n
    }
    return buf.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

/** A relative media path of this project, or throws: no `..`, no absolute path, first folder the project's own. */
function checkedPath(root: string, stem: string, rel: unknown): string {
  if (typeof rel !== 'string' || !safeMediaName(rel) || rel.startsWith('/')) throw new Error(`bad path ${JSON.stringify(rel)}`)
  const first = rel.split('/')[0]!
  if (first !== stem && canonicalProjectName(first) !== stem) throw new Error(`path ${JSON.stringify(rel)} is outside the project's media`)
  if (!rel.includes('/')) throw new Error(`path ${JSON.stringify(rel)} is a project folder`)
  const abs = join(root, rel)
  refuseLinks(join(root, first), abs)
  return abs
}

function parseJournal(text: string, dataDir: string, stem: string): RenameJournal {
  const j = JSON.parse(text) as { version?: unknown; stem?: unknown; run?: Partial<RunIdentity>; target?: unknown; steps?: unknown }
  if (j.version !== 1 || j.stem !== stem || typeof j.target !== 'string' || !Array.isArray(j.steps) || !j.run) throw new Error('unknown format')
  const { id, name, byName } = j.run
  if ((id !== null && typeof id !== 'string') || typeof name !== 'string' || typeof byName !== 'boolean') throw new Error('bad run')
  const root = mediaRoot(dataDir)
  const p = (rel: unknown) => checkedPath(root, stem, rel)
  const steps = (j.steps as Record<string, unknown>[]).map((s): MoveStep => {
    if (s?.op === 'rename') return { op: 'rename', src: p(s.src), dst: p(s.dst) }
    if (s?.op === 'mkdir') return { op: 'mkdir', dir: p(s.dir), first: p(s.first) }
    if (s?.op === 'rmdir') return { op: 'rmdir', dir: p(s.dir) }
    throw new Error('unknown step')
  })
  return { run: { id, name, byName }, target: j.target, steps }
}

/** Whether the rename reached the database: no row of the run still carries the old name. */
function committed(p: ProjectDb, j: RenameJournal): boolean {
  return p.read(() => {
    for (const table of RUN_TABLES) {
      const s = scopeOf(p, table, j.run)
      if (!s) continue
      if (p.db.query(`SELECT 1 FROM "${table}" WHERE ${s.sql} AND run_name = ? LIMIT 1`).values(...s.params, j.run.name).length) return false
    }
    return true
  })
}

export type ReplayOutcome = 'none' | 'finished' | 'undone' | 'discarded'

/**
 * Settle a journal left by a rename that did not finish. The caller holds the project lock and
 * passes an open connection to the project's database.
 */
export function replayRenameJournal(dataDir: string, paths: ProjectPaths, db: Database): ReplayOutcome {
  const path = journalPath(dataDir, paths.stem)
  try {
    lstatSync(path)
  } catch {
    return 'none'
  }
  let j: RenameJournal
  try {
    const text = readText(path)
    if (text === null) return 'none'
    j = parseJournal(text, dataDir, paths.stem)
  } catch (err) {
    // A torn journal means the crash came before the first move; anything else is not ours to follow.
    console.error(`trackio: ignoring and removing the rename journal of project '${paths.stem}': ${messageOf(err)}`)
    removeJournal(dataDir, paths.stem)
    return 'discarded'
  }
  const done = committed(new ProjectDb(db, paths, 0), j)
  try {
    if (done) rollForward(j.steps)
    else rollBack(j.steps)
    removeJournal(dataDir, paths.stem)
  } catch (err) {
    // Writes wait until the media folders can be put right (a later attempt retries from the journal).
    throw new StorageError(`Could not settle the interrupted rename of run '${j.run.name}' in project '${paths.stem}': ${messageOf(err)}`)
  }
  console.error(
    `trackio: ${done ? 'finished' : 'undid'} an interrupted rename of run '${j.run.name}' to '${j.target}' in project '${paths.stem}' (media folders now match the database)`,
  )
  return done ? 'finished' : 'undone'
}

/** At startup: settle every journal in the data directory, each under its project's lock. */
export async function recoverRenameJournals(dataDir: string): Promise<{ stem: string; outcome: ReplayOutcome | 'failed' }[]> {
  let names: string[]
  try {
    names = readdirSync(dataDir)
  } catch {
    return []
  }
  const out: { stem: string; outcome: ReplayOutcome | 'failed' }[] = []
  for (const name of names) {
    if (!name.endsWith(SUFFIX)) continue
    const stem = name.slice(0, -SUFFIX.length)
    if (!stem || canonicalProjectName(stem) !== stem || stem.includes(sep)) continue
    const paths = projectPaths(dataDir, stem)
    try {
      const outcome = await withProjectLock(paths.lock, () => {
        refuseLinksOut(dataDir, paths)
        let db: Database
        try {
          db = new Database(paths.db, { readwrite: true, create: false, safeIntegers: true })
        } catch {
          // No database left to judge by: the journal cannot be settled, and describes nothing that exists.
          removeJournal(dataDir, stem)
          return 'discarded' as const
        }
        try {
          db.run(`PRAGMA busy_timeout = ${READ_BUSY_STEP_MS}`)
          return replayRenameJournal(dataDir, paths, db)
        } finally {
          db.close(false)
        }
      })
      out.push({ stem, outcome })
    } catch (err) {
      console.error(`trackio: could not settle the rename journal of project '${stem}' (retried before its next write): ${messageOf(err)}`)
      out.push({ stem, outcome: 'failed' })
    }
  }
  return out
}
