import { Database } from 'bun:sqlite'
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs'
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

/** The memo holding ProjectDb.versionToken's object. */
const VERSION_MEMO = 'cache-version'

/** Memoised values kept per project connection; the least recently used goes first. */
export const MAX_MEMOS = 256

/** Project databases kept open at once (each holds up to 3 descriptors: the file, -wal, -shm). */
export const MAX_OPEN_PROJECTS = 128

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
  private handle: Database | null
  /** Closed by the cache (evicted or replaced): a holder may still read, on a handle opened for that read. */
  private retired = false
  /** The data directory's state (dev:ino:ctime) when Storage last checked this file's name and links, and when. */
  checkedDir: string | null = null
  checkedAt = 0

  constructor(
    db: Database,
    readonly paths: ProjectPaths,
    readonly inode: number,
    /** Opens the file again, for a read through a connection the cache has closed meanwhile. */
    private readonly reopen?: () => Database,
  ) {
    this.handle = db
  }

  get db(): Database {
    if (!this.handle) throw new StorageError(`The database of project '${this.paths.stem}' was closed`)
    return this.handle
  }

  /** Number of memoised values (for tests of the bound). */
  get memoCount(): number {
    return this.memos.size
  }

  /** Whether a read or write transaction is running on this connection right now. */
  get busy(): boolean {
    return this.inRead
  }

  /** Run `fn` inside a read transaction, mapping SQLite failures to StorageError. */
  read<T>(fn: () => T): T {
    if (this.inRead) return fn()
    if (!this.handle) {
      if (!this.reopen) throw new StorageError(`The database of project '${this.paths.stem}' was closed`)
      try {
        this.handle = this.reopen()
      } catch (err) {
        throw storageFailure(err, this.paths.stem)
      }
    }
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
      if (this.retired) this.closeHandle()
    }
  }

  /**
   * Run `fn` inside one write transaction (BEGIN IMMEDIATE) on this connection: committed when it
   * returns, rolled back when it throws. `setup` (schema steps) runs first, inside the same
   * transaction, so a failed call leaves no trace. `fn` may yield to the event loop between chunks
   * (a 50,000-row batch): the transaction stays open across the awaits, so other requests are served
   * meanwhile and the rows still commit all together. Only for a connection of its own (the write
   * transaction's), never the cached read connection.
   */
  async writeAsync<T>(fn: () => T | Promise<T>, setup?: () => void): Promise<T> {
    if (this.inRead) throw new Error('writeAsync() cannot run inside read()')
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

  /**
   * Cache a derived value until the database changes (another connection commits, or we write).
   * `keep` says whether a value is worth keeping: keys often carry a client's run name, and a
   * name that matches nothing must not stay in memory. At most MAX_MEMOS values are kept.
   */
  memo<T>(key: string, compute: () => T, keep?: (value: T) => boolean): T {
    if (this.memos.has(key)) {
      const v = this.memos.get(key) as T
      this.memos.delete(key)
      this.memos.set(key, v)
      return v
    }
    const v = compute()
    if (keep && !keep(v)) return v
    this.remember(key, v)
    return v
  }

  /** Keep `value` as the most recently used memo `key`; at most MAX_MEMOS are kept (the oldest go). */
  private remember(key: string, value: unknown): void {
    this.memos.delete(key)
    this.memos.set(key, value)
    if (this.memos.size > MAX_MEMOS) this.memos.delete(this.memos.keys().next().value!)
  }

  /**
   * Keep `value` as the memo `key`, computed elsewhere (a scan worker's own read) while the database
   * was at `token` (a versionToken read before), if it still is; false (nothing kept) when it changed.
   */
  seed(key: string, token: object, value: unknown): boolean {
    return this.read(() => {
      if (this.versionToken() !== token) return false
      this.remember(key, value)
      return true
    })
  }

  /** The memo `key` if it is held for the database as it is now (nothing is computed). */
  peek<T>(key: string): T | undefined {
    return this.read(() => this.memos.get(key) as T | undefined)
  }

  /**
   * An object that stays the same while the database does not change, and is new after any change
   * (another connection committed, or this server wrote): the memos are cleared then. Caches keep the
   * token they were checked against. Outside a read, one `PRAGMA data_version` tells whether the last
   * read's token still holds (another connection's commit, schema changes included, moves it).
   */
  versionToken(): object {
    if (!this.inRead && this.handle && this.memos.has(VERSION_MEMO)) {
      const dv = this.handle.query('PRAGMA data_version').values()[0]?.[0]
      if (dv === this.dataVersion && this.memoTag === `${this.schemaVersion}:${dv}:${this.localWrites}`) return this.memo(VERSION_MEMO, () => ({}))
    }
    return this.read(() => this.memo(VERSION_MEMO, () => ({})))
  }

  /** Close the connection now, or when the transaction running on it ends. */
  close(): void {
    this.retired = true
    if (!this.inRead) this.closeHandle()
  }

  private closeHandle(): void {
    const h = this.handle
    this.handle = null
    this.memos.clear()
    this.columns.clear()
    this.schemaVersion = -1n
    this.memoTag = ''
    h?.close(false)
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

/** Descriptors one project connection may need at once: the database, -wal, -shm, and a journal. */
const FDS_PER_OPEN = 8

/**
 * Whether an open failed for want of file descriptors (EMFILE / ENFILE), so that closing idle
 * connections may help. SQLite reports only "unable to open" (its first file may open and the -wal
 * fail): probe by taking a few descriptors of our own and giving them back.
 */
function outOfDescriptors(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? ''
  if (code === 'EMFILE' || code === 'ENFILE') return true
  if (!code.startsWith('SQLITE_CANTOPEN') && !code.startsWith('SQLITE_IOERR')) return false
  const taken: number[] = []
  try {
    for (let i = 0; i < FDS_PER_OPEN; i++) taken.push(openSync('/dev/null', 'r'))
    return false
  } catch (probe) {
    const c = (probe as { code?: string }).code
    return c === 'EMFILE' || c === 'ENFILE'
  } finally {
    for (const fd of taken) closeSync(fd)
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null
  } catch {
    return null
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null
  } catch {
    return null
  }
}

/**
 * How long the data directory must have been unchanged (its ctime this far before a check) for the
 * check to stand while the directory stays as it was. Any later change stamps a ctime past this
 * margin, even on file systems with coarse timestamps, so an unchanged ctime means no change.
 */
const QUIET_DIR_MS = 2000

/** Project names whose paths are kept (the map starts over when full). */
const MAX_KEPT_PATHS = 1024

export interface StorageOptions {
  /** Connections kept open at once (default: MAX_OPEN_PROJECTS, less under a low descriptor limit). */
  maxOpen?: number
  /** QUIET_DIR_MS (tests use less, so as not to wait). */
  quietDirMs?: number
}

/**
 * Connections to keep open under this process's descriptor limit (Linux /proc/self/limits): at
 * most half of what is left after 64 for sockets and other files, 3 descriptors per connection.
 */
export function defaultMaxOpen(limitsText?: string): number {
  let text = limitsText
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8')
    } catch {
      return MAX_OPEN_PROJECTS
    }
  }
  const soft = text.match(/^Max open files\s+(\d+)/m)?.[1]
  if (soft === undefined) return MAX_OPEN_PROJECTS
  return Math.max(4, Math.min(MAX_OPEN_PROJECTS, Math.floor((Number(soft) - 64) / 6)))
}

/**
 * Opens and caches project databases below one data directory. At most `maxOpen` stay open (least
 * recently used closed first, after any transaction running on it), so reading thousands of
 * projects holds a bounded number of file descriptors. When the process runs out of descriptors
 * anyway, idle connections are closed and the open is tried once more; failing that, the request
 * gets 503 and later ones work again as descriptors come back.
 */
export class Storage {
  private open_ = new Map<string, ProjectDb>()
  private maxOpen_: number
  /** Project names as sent → their paths (canonicalising a name on every request shows in profiles). */
  private paths_ = new Map<string, ProjectPaths>()
  private readonly quietDirMs: number

  constructor(
    readonly dataDir: string,
    options: StorageOptions = {},
  ) {
    this.maxOpen_ = Math.max(1, options.maxOpen ?? defaultMaxOpen())
    this.quietDirMs = options.quietDirMs ?? QUIET_DIR_MS
  }

  /** The bound on cached connections (lowered when the process ran out of descriptors). */
  get maxOpen(): number {
    return this.maxOpen_
  }

  paths(project: string): ProjectPaths {
    let paths = this.paths_.get(project)
    if (!paths) {
      paths = projectPaths(this.dataDir, project)
      if (this.paths_.size >= MAX_KEPT_PATHS) this.paths_.clear()
      this.paths_.set(project, paths)
    }
    return paths
  }

  /** Number of cached connections (for tests of the bound). */
  get openCount(): number {
    return this.open_.size
  }

  /** The project's database, or null when it has no file (reads then answer empty data). */
  project(project: string): ProjectDb | null {
    const paths = this.paths(project)
    if (stemTooLong(paths.stem)) return null
    const cached = this.open_.get(paths.db)
    // The data directory unchanged since a connection's files were last checked: no entry of it was
    // added, removed, renamed or replaced since, so the checks below would find what they found then.
    const checkedAt = Date.now()
    const dir = statOrNull(this.dataDir)
    const dirKey = dir ? `${dir.dev}:${dir.ino}:${dir.ctimeMs}` : null
    if (cached && dirKey !== null && cached.checkedDir === dirKey && cached.checkedAt - dir!.ctimeMs > this.quietDirMs) {
      this.open_.delete(paths.db)
      this.open_.set(paths.db, cached)
      return cached
    }
    // One lstat serves the link check and, for a plain file, the inode check.
    let st = lstatOrNull(paths.db)
    refuseLinksOut(this.dataDir, paths, st)
    const plain = st?.isFile() ?? false
    if (st?.isSymbolicLink()) st = statOrNull(paths.db)
    if (!st) {
      this.drop(paths.db)
      return null
    }
    if (!st.isFile()) return null
    const checked = (pdb: ProjectDb): ProjectDb => {
      // Only a plain file: a link's target may live in another directory, whose changes this one does not show.
      pdb.checkedDir = plain ? dirKey : null
      pdb.checkedAt = checkedAt
      return pdb
    }
    if (cached && cached.inode === st.ino) {
      this.open_.delete(paths.db)
      this.open_.set(paths.db, cached)
      return checked(cached)
    }
    this.drop(paths.db)
    const open = (): Database => openProjectDb(paths)
    let db: Database
    try {
      db = open()
    } catch (err) {
      // Out of descriptors: keep half as many connections from now on (leaving room for writes and
      // sockets), give back the rest, and try once more.
      if (!outOfDescriptors(err)) throw storageFailure(err, paths.stem)
      this.maxOpen_ = Math.max(1, Math.floor(this.open_.size / 2))
      if (this.shrink(this.maxOpen_ - 1) === 0) throw storageFailure(err, paths.stem)
      try {
        db = open()
      } catch (again) {
        throw storageFailure(again, paths.stem)
      }
    }
    const pdb = new ProjectDb(db, paths, st.ino, open)
    this.open_.set(paths.db, pdb)
    this.shrink(this.maxOpen_)
    return checked(pdb)
  }

  /** Close least recently used connections until at most `keep` are cached; returns how many went. */
  private shrink(keep: number): number {
    let closed = 0
    for (const [path] of this.open_) {
      if (this.open_.size <= keep) break
      this.drop(path)
      closed++
    }
    return closed
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

  /**
   * A string that stays the same while the data directory's entries do: its ctime once it has been
   * unchanged for QUIET_DIR_MS (see `project`), else its entries in the order the directory gives them
   * (a different order only looks like a change). Null when the directory cannot be read.
   */
  listingToken(): string | null {
    const now = Date.now()
    const dir = statOrNull(this.dataDir)
    if (dir && now - dir.ctimeMs > this.quietDirMs) return `quiet:${dir.dev}:${dir.ino}:${dir.ctimeMs}`
    try {
      return `entries:${readdirSync(this.dataDir).join('/')}`
    } catch {
      return null
    }
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

/**
 * Open a project database for reading (read-write when permitted, so WAL files can be created) and
 * read its schema version, which opens the -wal and -shm files too: a failure for want of
 * descriptors shows here, where the cache can still react, rather than in the middle of a read.
 */
function openProjectDb(paths: ProjectPaths): Database {
  let db: Database
  try {
    db = new Database(paths.db, { readwrite: true, create: false, safeIntegers: true })
  } catch {
    db = new Database(paths.db, { readonly: true, safeIntegers: true })
  }
  try {
    db.run(`PRAGMA busy_timeout = ${READ_BUSY_STEP_MS}`)
    db.query('PRAGMA schema_version').values()
    return db
  } catch (err) {
    db.close(false)
    throw err
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
