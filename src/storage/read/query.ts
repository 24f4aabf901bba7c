import { readFileSync } from 'node:fs'
import { BadRequestError, StorageError } from '../../errors'
import { formatFloat } from '../../json/serialize'
import { JsonFloat, type Json } from '../../json/values'

/**
 * Read-only SQL over one project database (Trackio's `query_project`, spec 10.3).
 *
 * bun:sqlite has neither an authorizer nor a progress handler, and a statement runs to completion
 * inside one native call, so the query runs in a query process (this same executable started as
 * `bun -e`, BUN_BE_BUN=1), kept for later queries, that is killed when the time limit passes: a
 * runaway query (an infinite recursive CTE, a cross join of big tables) costs at most that much CPU
 * and never blocks the server. The process opens the file with `PRAGMA query_only`, refuses
 * statements SQLite does not call read-only, and stops at the row cap and at a size cap for the
 * answer. At most QUERY_CONCURRENCY processes run; an idle one ends after 30 s, one that grew past
 * 128 MiB after its query.
 */

export const QUERY_MAX_ROWS = 10_000
export const QUERY_TIME_LIMIT_MS = 10_000
/** Bytes of cell data one answer may carry (hex BLOBs count double). */
export const QUERY_MAX_BYTES = 32 * 1024 * 1024
/**
 * Resident memory the query process may reach before it is killed (checked every 100 ms through
 * /proc where there is one): `SELECT randomblob(1e9)` fails instead of the machine. bun:sqlite's
 * SQLite is built without memory statistics, so PRAGMA hard_heap_limit has no effect.
 */
export const QUERY_MAX_RSS_BYTES = 512 * 1024 * 1024
/** Queries running at once; more wait their turn, and past the queue limit get 503. */
export const QUERY_CONCURRENCY = 2
const QUERY_QUEUE_LIMIT = 16

/** PRAGMAs Trackio's authorizer lets through. */
export const READ_ONLY_PRAGMAS = new Set(['table_info', 'table_xinfo', 'index_list', 'index_info', 'index_xinfo'])

const NOT_READ_ONLY = 'Only read-only SELECT, WITH, and safe PRAGMA queries are supported.'

/** Trackio's normalisation: trim, drop trailing `;`, trim. */
export function normalizeQuery(query: string): string {
  return query.trim().replace(/;+$/, '').trim()
}

/**
 * Where the first statement of `sql` ends: the offset just after the first `;` outside string
 * literals, quoted identifiers and comments, or -1 when there is none.
 */
function statementEnd(sql: string): number {
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1
      for (;;) {
        const close = sql.indexOf(c, j)
        if (close < 0) return -1
        // a doubled quote inside a literal continues it
        if (sql[close + 1] === c) j = close + 2
        else {
          i = close + 1
          break
        }
      }
    } else if (c === '[') {
      const close = sql.indexOf(']', i + 1)
      if (close < 0) return -1
      i = close + 1
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? sql.length : nl + 1
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? sql.length : close + 2
    } else if (c === ';') {
      return i + 1
    } else i++
  }
  return -1
}

/** Whether `rest` holds anything but whitespace and comments. */
function hasContent(rest: string): boolean {
  return rest.replace(/--[^\n]*(\n|$)/g, ' ').replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ').trim() !== ''
}

/**
 * The guard that runs before any SQL: Trackio's messages for an empty query, one that does not
 * start with SELECT / WITH / PRAGMA, several statements, and a PRAGMA outside the allowed list.
 * Returns the normalised query.
 */
export function checkReadOnlyQuery(query: string): string {
  const normalized = normalizeQuery(query)
  if (!normalized) throw new BadRequestError('Query cannot be empty.')
  const lower = normalized.toLowerCase()
  if (!lower.startsWith('select') && !lower.startsWith('with') && !lower.startsWith('pragma')) throw new BadRequestError(NOT_READ_ONLY)
  const end = statementEnd(normalized)
  if (end >= 0 && hasContent(normalized.slice(end))) throw new BadRequestError('You can only execute one statement at a time.')
  if (lower.startsWith('pragma')) {
    const m = /^pragma\s+(?:(?:"[^"]*"|\w+)\s*\.\s*)?("?)(\w+)\1/i.exec(normalized)
    if (!m || !READ_ONLY_PRAGMAS.has(m[2]!.toLowerCase())) throw new BadRequestError(`not authorized (only PRAGMA ${[...READ_ONLY_PRAGMAS].join(', ')} are allowed)`)
  }
  return normalized
}

/** SQL functions whose result is not fixed by the database's content (the clock, randomness, the connection). */
const UNSTABLE_SQL = /\b(random|randomblob|changes|total_changes|last_insert_rowid|date|time|datetime|julianday|unixepoch|strftime|timediff|current_date|current_time|current_timestamp|sqlite_\w*)\b/i

/** Whether a query's answer is fixed by the database's content, so a kept answer may be given again while the file is unchanged. */
export function stableQuery(sql: string): boolean {
  return !UNSTABLE_SQL.test(sql)
}

export interface QueryLimits {
  maxRows: number
  timeLimitMs: number
  maxBytes: number
  maxRssBytes: number
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxRows: QUERY_MAX_ROWS, timeLimitMs: QUERY_TIME_LIMIT_MS, maxBytes: QUERY_MAX_BYTES, maxRssBytes: QUERY_MAX_RSS_BYTES }

export interface QueryResult {
  columns: string[]
  /** One Map per row, keys in column order; a repeated column name keeps its first value. */
  rows: Map<string, Json>[]
}

/**
 * The query process's program (plain JS, no imports of ours: it runs as `bun -e`). It reads one
 * request per line on stdin, {db, sql, maxRows, maxBytes}, and answers each with one line on stdout:
 * {"ok":true,"columns":[…],"rows":[[cell…]…]} with cells typed by their first letter (i: integer
 * digits, f: float, s: text, b: hex) or null; or {"ok":false,"error":…,"code":…}. It opens the
 * database for each query and closes it after, and ends when stdin ends.
 */
const CHILD = `
const { Database } = require('bun:sqlite')
class Stop { constructor(error, code) { this.error = error; this.code = code || '' } }
function runOne(input) {
  let db
  try {
    try { db = new Database(input.db, { readwrite: true, create: false, safeIntegers: true }) }
    catch { db = new Database(input.db, { readonly: true, safeIntegers: true }) }
    db.run('PRAGMA query_only = 1')
    db.run('PRAGMA busy_timeout = 2000')
    db.run('PRAGMA trusted_schema = 0')
    const st = db.prepare(input.sql)
    if (!st.readonly) throw new Stop('not authorized', 'AUTH')
    const columns = st.columnNames
    const dup = new Set(columns).size !== columns.length
    const rows = []
    let bytes = 0
    const cell = (v) => {
      if (v === null || v === undefined) return null
      if (typeof v === 'bigint') { bytes += 8; return 'i' + v }
      if (typeof v === 'number') { bytes += 8; return 'f' + (Number.isFinite(v) ? String(v) : '') }
      if (typeof v === 'string') { bytes += v.length; return 's' + v }
      if (v instanceof Uint8Array) { bytes += v.length * 2; return 'b' + Buffer.from(v).toString('hex') }
      return 's' + String(v)
    }
    const take = (values) => {
      if (rows.length >= input.maxRows) throw new Stop('Query returned more than ' + input.maxRows + ' rows. Refine the query or add a LIMIT clause.', 'ROWS')
      rows.push(values.map(cell))
      if (bytes > input.maxBytes) throw new Stop('Query answer is larger than ' + input.maxBytes + ' bytes. Select fewer columns or rows.', 'SIZE')
    }
    if (!dup) {
      for (const r of st.iterate()) take(columns.map((c) => r[c]))
    } else {
      // objects would keep the last of two same-named columns: read by position from a capped copy
      const capped = db.prepare('SELECT * FROM (' + input.sql + ') LIMIT ' + (input.maxRows + 1))
      for (const r of capped.values()) take(r)
    }
    return { ok: true, columns, rows }
  } catch (e) {
    if (e instanceof Stop) return { ok: false, error: e.error, code: e.code }
    return { ok: false, error: String((e && e.message) || e), code: (e && e.code) || '' }
  } finally {
    try { db && db.close() } catch {}
  }
}
const decoder = new TextDecoder()
let pending = ''
for await (const chunk of Bun.stdin.stream()) {
  pending += decoder.decode(chunk, { stream: true })
  let nl
  while ((nl = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, nl)
    pending = pending.slice(nl + 1)
    process.stdout.write(JSON.stringify(runOne(JSON.parse(line))) + '\\n')
  }
}
`

interface ChildAnswer {
  ok: boolean
  error?: string
  code?: string
  columns?: string[]
  rows?: (string | null)[][]
}

/** A query process kept for later queries only while its memory stays under this. */
const KEEP_RSS_BYTES = 128 * 1024 * 1024
/** An idle query process ends after this long without a query. */
const IDLE_MS = 30_000

/**
 * One long-lived query process: a query costs a line each way instead of starting a process.
 * It is killed (and not reused) when a query passes the time, memory or answer-size limit.
 */
class QueryProcess {
  private readonly child = Bun.spawn([process.execPath, '-e', CHILD], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'ignore',
    env: { BUN_BE_BUN: '1', PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp' },
  })
  private readonly reader = this.child.stdout.getReader()
  private idleTimer: ReturnType<typeof setTimeout> | null = null
  dead = false

  get pid(): number {
    return this.child.pid
  }

  /** Whether it can take a query: not killed by us and not ended on its own while idle. */
  get usable(): boolean {
    return !this.dead && this.child.exitCode === null && this.child.signalCode == null
  }

  /** Send one request: the answer line, 'too-large' when it grew past `cap` bytes (the process is then killed), or 'ended'. */
  async ask(request: string, cap: number): Promise<string | 'too-large' | 'ended'> {
    this.child.stdin.write(request + '\n')
    this.child.stdin.flush()
    const chunks: Uint8Array[] = []
    let size = 0
    for (;;) {
      const { value, done } = await this.reader.read()
      if (done) {
        this.dead = true
        return 'ended'
      }
      const nl = value.indexOf(10)
      if (nl >= 0) {
        // one request at a time: nothing follows the answer's newline
        chunks.push(value.subarray(0, nl))
        return Buffer.concat(chunks).toString('utf8')
      }
      size += value.length
      if (size > cap) {
        this.kill()
        return 'too-large'
      }
      chunks.push(value)
    }
  }

  kill(): void {
    this.dead = true
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.child.kill('SIGKILL')
  }

  /** Back to the idle list: ended after IDLE_MS unless used again. */
  park(onIdle: () => void): void {
    this.idleTimer = setTimeout(onIdle, IDLE_MS)
    this.idleTimer.unref?.()
  }

  unpark(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  exited(): Promise<number> {
    return this.child.exited
  }

  get exitCode(): number | null {
    return this.child.exitCode
  }

  get signalCode(): string | null {
    const signal = this.child.signalCode
    return signal == null ? null : String(signal)
  }
}

const idle: QueryProcess[] = []

function takeProcess(): QueryProcess {
  for (;;) {
    const p = idle.pop()
    if (!p) return new QueryProcess()
    p.unpark()
    if (p.usable) return p
    p.kill()
  }
}

function giveBack(p: QueryProcess): void {
  if (p.dead) return
  if (residentBytes(p.pid) > KEEP_RSS_BYTES || idle.length >= QUERY_CONCURRENCY) return p.kill()
  idle.push(p)
  p.park(() => {
    const i = idle.indexOf(p)
    if (i >= 0) idle.splice(i, 1)
    p.kill()
  })
}

let running = 0
const waiting: (() => void)[] = []

async function slot(): Promise<() => void> {
  if (running >= QUERY_CONCURRENCY) {
    if (waiting.length >= QUERY_QUEUE_LIMIT) throw new StorageError(`Too many SQL queries are running (${running} running, ${waiting.length} waiting); retry later`)
    await new Promise<void>((resolve) => waiting.push(resolve))
  }
  running++
  return () => {
    running--
    waiting.shift()?.()
  }
}

function decodeCell(c: string | null): Json {
  if (c === null) return null
  const body = c.slice(1)
  switch (c[0]) {
    case 'i': {
      const n = Number(body)
      return Number.isSafeInteger(n) ? n : BigInt(body)
    }
    case 'f': {
      const x = Number(body)
      return body === '' || !Number.isFinite(x) ? null : new JsonFloat(formatFloat(x))
    }
    default:
      return body
  }
}

/** Resident set size of a process from /proc (0 where /proc is not available). */
function residentBytes(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1])
    return Number.isFinite(pages) ? pages * 4096 : 0
  } catch {
    return 0
  }
}

/** Run a guarded query (see checkReadOnlyQuery) against `dbPath` in a query process, within `limits`. */
export async function runReadOnlyQuery(dbPath: string, sql: string, limits: QueryLimits = DEFAULT_QUERY_LIMITS): Promise<QueryResult> {
  const release = await slot()
  const proc = takeProcess()
  try {
    let timedOut = false
    let tooBig = false
    const timer = setTimeout(() => {
      timedOut = true
      proc.kill()
    }, limits.timeLimitMs)
    const watch = setInterval(() => {
      if (residentBytes(proc.pid) > limits.maxRssBytes) {
        tooBig = true
        proc.kill()
      }
    }, 100)
    // JSON framing and typed cells add at most a few bytes per cell on top of the data cap
    const cap = limits.maxBytes * 3 + 1024 * 1024
    let text: string
    try {
      text = await proc.ask(JSON.stringify({ db: dbPath, sql, maxRows: limits.maxRows, maxBytes: limits.maxBytes }), cap)
    } finally {
      clearTimeout(timer)
      clearInterval(watch)
    }
    if (tooBig) throw new BadRequestError(`Query needed more than ${Math.round(limits.maxRssBytes / 1024 / 1024)} MiB of memory and was stopped. Select less data.`)
    if (timedOut)
      throw new BadRequestError(`Query stopped: it ran longer than the ${limits.timeLimitMs / 1000} s time limit. Add a LIMIT, narrow the WHERE clause, or avoid unbounded recursive CTEs.`)
    if (text === 'too-large') throw new BadRequestError(`Query answer is larger than ${limits.maxBytes} bytes. Select fewer columns or rows.`)
    if (text === 'ended') {
      if (proc.exitCode === null && proc.signalCode === null) await proc.exited()
      throw new StorageError(`The query process ended without an answer (exit code ${proc.exitCode}, signal ${proc.signalCode ?? 'none'})`)
    }
    let answer: ChildAnswer
    try {
      answer = JSON.parse(text) as ChildAnswer
    } catch {
      proc.kill()
      throw new StorageError('The query process gave an answer that is not JSON')
    }
    if (!answer.ok) {
      const code = answer.code ?? ''
      const message = answer.error ?? 'query failed'
      if (code.startsWith('SQLITE_NOMEM') || /out of memory/i.test(message)) throw new BadRequestError(`Query ran out of memory and was stopped. Select less data.`)
      if (/^SQLITE_(BUSY|LOCKED|NOTADB|CORRUPT|CANTOPEN|IOERR|FULL)/.test(code)) throw new StorageError(`The database cannot be queried right now: ${message}`)
      throw new BadRequestError(message)
    }
    const columns = answer.columns ?? []
    const rows = (answer.rows ?? []).map((cells) => {
      const row = new Map<string, Json>()
      columns.forEach((name, i) => {
        if (!row.has(name)) row.set(name, decodeCell(cells[i] ?? null))
      })
      return row
    })
    return { columns, rows }
  } finally {
    giveBack(proc)
    release()
  }
}
