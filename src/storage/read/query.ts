import { readFileSync } from 'node:fs'
import { BadRequestError, StorageError } from '../../errors'
import { formatFloat } from '../../json/serialize'
import { JsonFloat, type Json } from '../../json/values'

/**
 * Read-only SQL over one project database (Trackio's `query_project`, spec 10.3).
 *
 * bun:sqlite has neither an authorizer nor a progress handler, and a statement runs to completion
 * inside one native call, so the query runs in a child process (this same executable started as
 * `bun -e`, BUN_BE_BUN=1) that is killed when the time limit passes: a runaway query (an infinite
 * recursive CTE, a cross join of big tables) costs at most that much CPU and never blocks the
 * server. The child opens the file with `PRAGMA query_only`, refuses statements SQLite does not
 * call read-only, and stops at the row cap and at a size cap for the answer.
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
 * The child's program (plain JS, no imports of ours: it runs as `bun -e`). Input on stdin:
 * {db, sql, maxRows, maxBytes}. Output on stdout: {"ok":true,"columns":[…],"rows":[[cell…]…]} with
 * cells typed by their first letter (i: integer digits, f: float, s: text, b: hex) or null; or
 * {"ok":false,"error":…,"code":…}.
 */
const CHILD = `
const { Database } = require('bun:sqlite')
const out = (o) => process.stdout.write(JSON.stringify(o))
const input = JSON.parse(await Bun.stdin.text())
const fail = (error, code) => { out({ ok: false, error, code: code || '' }); process.exit(0) }
let db
try {
  try { db = new Database(input.db, { readwrite: true, create: false, safeIntegers: true }) }
  catch { db = new Database(input.db, { readonly: true, safeIntegers: true }) }
  db.run('PRAGMA query_only = 1')
  db.run('PRAGMA busy_timeout = 2000')
  db.run('PRAGMA trusted_schema = 0')
  const st = db.prepare(input.sql)
  if (!st.readonly) fail('not authorized', 'AUTH')
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
    if (rows.length >= input.maxRows) fail('Query returned more than ' + input.maxRows + ' rows. Refine the query or add a LIMIT clause.', 'ROWS')
    rows.push(values.map(cell))
    if (bytes > input.maxBytes) fail('Query answer is larger than ' + input.maxBytes + ' bytes. Select fewer columns or rows.', 'SIZE')
  }
  if (!dup) {
    for (const r of st.iterate()) take(columns.map((c) => r[c]))
  } else {
    // objects would keep the last of two same-named columns: read by position from a capped copy
    const capped = db.prepare('SELECT * FROM (' + input.sql + ') LIMIT ' + (input.maxRows + 1))
    for (const r of capped.values()) take(r)
  }
  out({ ok: true, columns, rows })
} catch (e) {
  fail(String((e && e.message) || e), (e && e.code) || '')
}
`

interface ChildAnswer {
  ok: boolean
  error?: string
  code?: string
  columns?: string[]
  rows?: (string | null)[][]
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

async function readCapped(stream: ReadableStream<Uint8Array>, cap: number): Promise<string | null> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.length
    if (size > cap) return null
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Run a guarded query (see checkReadOnlyQuery) against `dbPath` in a child process, within `limits`. */
export async function runReadOnlyQuery(dbPath: string, sql: string, limits: QueryLimits = DEFAULT_QUERY_LIMITS): Promise<QueryResult> {
  const release = await slot()
  try {
    const child = Bun.spawn([process.execPath, '-e', CHILD], {
      stdin: new TextEncoder().encode(JSON.stringify({ db: dbPath, sql, maxRows: limits.maxRows, maxBytes: limits.maxBytes })),
      stdout: 'pipe',
      stderr: 'ignore',
      env: { BUN_BE_BUN: '1', PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp' },
    })
    let timedOut = false
    let tooBig = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, limits.timeLimitMs)
    const watch = setInterval(() => {
      if (residentBytes(child.pid) > limits.maxRssBytes) {
        tooBig = true
        child.kill('SIGKILL')
      }
    }, 100)
    // JSON framing and typed cells add at most a few bytes per cell on top of the data cap
    const text = await readCapped(child.stdout, limits.maxBytes * 3 + 1024 * 1024)
    if (text === null) child.kill('SIGKILL')
    await child.exited
    clearTimeout(timer)
    clearInterval(watch)
    if (tooBig) throw new BadRequestError(`Query needed more than ${Math.round(limits.maxRssBytes / 1024 / 1024)} MiB of memory and was stopped. Select less data.`)
    if (timedOut)
      throw new BadRequestError(`Query stopped: it ran longer than the ${limits.timeLimitMs / 1000} s time limit. Add a LIMIT, narrow the WHERE clause, or avoid unbounded recursive CTEs.`)
    if (text === null) throw new BadRequestError(`Query answer is larger than ${limits.maxBytes} bytes. Select fewer columns or rows.`)
    let answer: ChildAnswer
    try {
      answer = JSON.parse(text) as ChildAnswer
    } catch {
      throw new StorageError(`The query process ended without an answer (exit code ${child.exitCode}, signal ${child.signalCode ?? 'none'})`)
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
    release()
  }
}
