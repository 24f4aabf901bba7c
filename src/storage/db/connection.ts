import { Database } from 'bun:sqlite'
import { readdirSync, statSync } from 'node:fs'
import { StorageError } from '../../errors'
import { projectPaths, refuseLinksOut, stemTooLong, type ProjectPaths } from './paths'

/** How long a read waits in total for a lock held by a writer before giving up (503). */
export const READ_BUSY_TIMEOUT_MS = 5000

/**
 * SQLite's own busy wait per statement. bun:sqlite is synchronous, so a long busy_timeout would
 * stall every request of the server while one project is locked; the rest of the wait happens in
 * `retryWhileLocked`, between attempts, with the event loop free.
 */
export const READ_BUSY_STEP_MS = 20

/** How long a write waits in total for SQLite locks (Trackio's `sqlite3.connect(timeout=30)`), asynchronously. */
export const WRITE_BUSY_TIMEOUT_MS = 30000

/** The database is locked by another process (SQLITE_BUSY / SQLITE_LOCKED); retrying later may work. */
export class DatabaseLockedError extends StorageError {}

/** Run `fn` again (after short async sleeps) while it fails with DatabaseLockedError, up to `budgetMs`. */
export async function retryWhileLocked<T>(fn: () => T | Promise<T>, budgetMs: number = READ_BUSY_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + budgetMs
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    try {
      return await fn()
    } catch (err) {
      if (!(err instanceof DatabaseLockedError) || Date.now() + wait > deadline) throw err
      await Bun.sleep(wait)
    }
  }
}

/**
 * One open project database. Connections are cached per file (re-opened when the file is
 * replaced). Every tool call reads inside one short read transaction (`read`), so its answer is
 * a single snapshot even while the Python library commits to the same file in WAL mode.
 * We never take the `.lock` file for reads and never change the journal mode.
 */
export class ProjectDb {
  private columns = new Map<string, Set<string>>()
  private schemaVersion = -1n
  private dataVersion = -1n
  private localWrites = 0
  private memoTag = ''
  private memos = new Map<string, unknown>()
  private inRead = false

  constructor(
    readonly db: Database,
    readonly paths: ProjectPaths,
    readonly inode: number,
  ) {}

  /** Run `fn` inside a read transaction, mapping SQLite failures to StorageError. */
  read<T>(fn: () => T): T {
    if (this.inRead) return fn()
    this.inRead = true
    try {
      this.db.run('BEGIN')
      try {
        this.refresh()
        return fn()
      } finally {
        this.db.run('COMMIT')
      }
    } catch (err) {
      throw storageFailure(err, this.paths.stem)
    } finally {
      this.inRead = false
    }
  }

  /**
   * Run `fn` inside one write transaction (BEGIN IMMEDIATE) on this connection: committed when it
   * returns, rolled back when it throws. `setup` (schema steps) runs first, inside the same
   * transaction, so a failed call leaves no trace at all. Reads made by `fn` see the transaction.
   */
  write<T>(fn: () => T, setup?: () => void): T {
    if (this.inRead) throw new Error('write() cannot run inside read()')
    this.inRead = true
    try {
      this.db.run('BEGIN IMMEDIATE')
      try {
        setup?.()
        this.schemaVersion = -1n
        this.refresh()
        const result = fn()
        this.db.run('COMMIT')
        return result
      } catch (err) {
        if (this.db.inTransaction) this.db.run('ROLLBACK')
        throw err
      } finally {
        this.noteWrite()
      }
    } catch (err) {
      throw storageFailure(err, this.paths.stem)
    } finally {
      this.inRead = false
    }
  }

  /**
   * `write` for work that yields to the event loop between chunks (a 50,000-row batch): the
   * transaction stays open across the awaits, so other requests are served meanwhile and the
   * rows still commit all together. Only for a connection of its own (the write transaction's).
   */
  async writeAsync<T>(fn: () => T | Promise<T>, setup?: () => void): Promise<T> {
    if (this.inRead) throw new Error('write() cannot run inside read()')
    this.inRead = true
    try {
      this.db.run('BEGIN IMMEDIATE')
      try {
        setup?.()
        this.schemaVersion = -1n
        this.refresh()
        const result = await fn()
        this.db.run('COMMIT')
        return result
      } catch (err) {
        if (this.db.inTransaction) this.db.run('ROLLBACK')
        throw err
      } finally {
        this.noteWrite()
      }
    } catch (err) {
      throw storageFailure(err, this.paths.stem)
    } finally {
      this.inRead = false
    }
  }

  /** Note a write made through this connection (invalidates memoised reads). */
  noteWrite(): void {
    this.localWrites++
    this.schemaVersion = -1n
  }

  private refresh(): void {
    const sv = (this.db.query('PRAGMA schema_version').values()[0]?.[0] ?? 0n) as bigint
    if (sv !== this.schemaVersion) {
      this.schemaVersion = sv
      this.columns.clear()
      const tables = this.db.query("SELECT name FROM sqlite_master WHERE type = 'table'").values()
      for (const [name] of tables) {
        const cols = this.db.query(`PRAGMA table_info("${String(name).replace(/"/g, '""')}")`).all() as { name: string }[]
        this.columns.set(String(name), new Set(cols.map((c) => c.name)))
      }
    }
    const dv = (this.db.query('PRAGMA data_version').values()[0]?.[0] ?? 0n) as bigint
    const tag = `${sv}:${dv}:${this.localWrites}`
    if (tag !== this.memoTag) {
      this.memoTag = tag
      this.memos.clear()
    }
    this.dataVersion = dv
  }

  hasTable(table: string): boolean {
    return this.columns.has(table)
  }

  hasColumn(table: string, column: string): boolean {
    return this.columns.get(table)?.has(column) ?? false
  }

  /** Whether a table identifies runs by run_id (current schema) or by run_name (legacy). */
  hasRunIds(table: string): boolean {
    return this.hasColumn(table, 'run_id')
  }

  /** Cache a derived value until the database changes (another connection commits, or we write). */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T
    const v = compute()
    this.memos.set(key, v)
    return v
  }

  close(): void {
    this.db.close(false)
  }
}

export function storageFailure(err: unknown, stem: string): unknown {
  if (!(err instanceof Error) || err instanceof StorageError) return err
  const code = (err as { code?: string }).code ?? ''
  const what = `project '${stem}'`
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new DatabaseLockedError(`The database of ${what} is locked by another process; try again`)
  if (code.startsWith('SQLITE_NOTADB')) return new StorageError(`The database file of ${what} is not an SQLite database`)
  if (code.startsWith('SQLITE_CORRUPT')) return new StorageError(`The database of ${what} is corrupt: ${err.message}`)
  if (code.startsWith('SQLITE_READONLY'))
    return new StorageError(`The database of ${what} cannot be used: ${err.message} (the data directory or the database file is read-only for this server; reading a WAL database needs its -shm file)`)
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR'))
    return new StorageError(`The database of ${what} cannot be read: ${err.message}`)
  if (code.startsWith('SQLITE_FULL')) return new StorageError(`The disk holding ${what} is full`)
  return err
}

/** Opens and caches project databases below one data directory. */
export class Storage {
  private open_ = new Map<string, ProjectDb>()

  constructor(readonly dataDir: string) {}

  paths(project: string): ProjectPaths {
    return projectPaths(this.dataDir, project)
  }

  /** The project's database, or null when it has no file (reads then answer empty data). */
  project(project: string): ProjectDb | null {
    const paths = this.paths(project)
    if (stemTooLong(paths.stem)) return null
    refuseLinksOut(this.dataDir, paths)
    let st
    try {
      st = statSync(paths.db)
    } catch {
      this.drop(paths.db)
      return null
    }
    if (!st.isFile()) return null
    const cached = this.open_.get(paths.db)
    if (cached && cached.inode === st.ino) return cached
    this.drop(paths.db)
    let db: Database
    try {
      db = new Database(paths.db, { readwrite: true, create: false, safeIntegers: true })
    } catch {
      try {
        db = new Database(paths.db, { readonly: true, safeIntegers: true })
      } catch (err) {
        throw storageFailure(err, paths.stem)
      }
    }
    try {
      db.run(`PRAGMA busy_timeout = ${READ_BUSY_STEP_MS}`)
    } catch (err) {
      db.close(false)
      throw storageFailure(err, paths.stem)
    }
    const pdb = new ProjectDb(db, paths, st.ino)
    this.open_.set(paths.db, pdb)
    return pdb
  }

  /** Stems of every `*.db` file directly in the data directory, in code-point order. */
  listProjects(): string[] {
    let names: string[]
    try {
      names = readdirSync(this.dataDir)
    } catch {
      return []
    }
    const stems = names.filter((n) => n.endsWith('.db')).map((n) => n.slice(0, -3))
    return stems.sort(compareCodePoints)
  }

  /** Forget a cached connection (after the file was replaced or removed). */
  drop(dbPath: string): void {
    const cached = this.open_.get(dbPath)
    if (cached) {
      this.open_.delete(dbPath)
      try {
        cached.close()
      } catch {
        /* already closed */
      }
    }
  }

  close(): void {
    for (const p of [...this.open_.keys()]) this.drop(p)
  }
}

/** Python's string ordering: by Unicode code point (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]()
  const bi = b[Symbol.iterator]()
  for (;;) {
    const x = ai.next()
    const y = bi.next()
    if (x.done) return y.done ? 0 : -1
    if (y.done) return 1
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!
    if (d) return d
  }
}
