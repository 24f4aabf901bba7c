import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet'
import { join, resolve } from 'node:path'
import { Storage, type ProjectDb } from '../src/storage/db/connection'
import { ensureSchema } from '../src/storage/db/schema'

export const ROOT = resolve(import.meta.dir, '..')
/** Trackio-written data directories kept in the repository (basic, edge); see test/fixtures/README.md. */
export const FIXTURES = join(ROOT, 'test', 'fixtures')
export const BINARY = join(ROOT, 'dist', 'trackio')

const made: string[] = []

/** A temporary data directory holding copies of the named fixture sets (never the originals). */
export function copyFixtures(...sets: ('basic' | 'edge')[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'trackio-test-'))
  made.push(dir)
  for (const set of sets) cpSync(join(FIXTURES, set), dir, { recursive: true })
  return dir
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trackio-test-'))
  made.push(dir)
  return dir
}

/** Remove the temporary directories made so far (test/setup.ts calls it after each file's tests). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, name))
    if (st.isFile()) newest = Math.max(newest, st.mtimeMs)
  }
  return newest
}

let built: Promise<void> | null = null

const binaryFresh = (): boolean => existsSync(BINARY) && statSync(BINARY).mtimeMs >= newestMtime(join(ROOT, 'src'))

/**
 * Build dist/trackio once per test run when it is missing or older than src/. Test files run in several
 * worker processes (`bun run test` uses --parallel), so the check and the build happen under a lock
 * directory: one worker builds, the others wait and then find it fresh.
 */
export function ensureBinary(): Promise<void> {
  built ??= (async () => {
    const lock = join(ROOT, 'dist', '.build-lock')
    mkdirSync(join(ROOT, 'dist'), { recursive: true })
    for (;;) {
      try {
        mkdirSync(lock)
        break
      } catch {
        // A lock left behind by a run that was killed mid-build is taken over after two minutes.
        if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 120_000) rmSync(lock, { recursive: true, force: true })
        await Bun.sleep(50)
      }
    }
    try {
      if (binaryFresh()) return
      const p = Bun.spawn(['bun', 'build.ts'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
      if ((await p.exited) !== 0) throw new Error(`build failed: ${await new Response(p.stderr).text()}`)
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  })()
  return built
}

let pythonPath: string | undefined

/**
 * The python3 on PATH, resolved once to the interpreter it runs (sys.executable). Tests spawn it
 * often (oracles, writers, lockers); a version manager's shim (pyenv) would add a shell script to
 * every spawn, for the same interpreter.
 */
export function python3(): string {
  if (pythonPath === undefined) {
    const r = Bun.spawnSync(['python3', '-c', 'import sys; print(sys.executable)'], { stdout: 'pipe', stderr: 'ignore' })
    const exe = r.exitCode === 0 ? r.stdout.toString().trim() : ''
    pythonPath = exe && existsSync(exe) ? exe : 'python3'
  }
  return pythonPath
}

/** Read a process's stdout until `done(text)` holds (or the stream ends); returns what was read. */
export async function readUntil(stream: ReadableStream<Uint8Array>, done: (text: string) => boolean, timeoutMs = 20000): Promise<string> {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  const deadline = Date.now() + timeoutMs
  let out = ''
  try {
    while (!done(out) && Date.now() < deadline) {
      const { value, done: ended } = await reader.read()
      if (ended) break
      out += decoder.decode(value)
    }
  } finally {
    reader.releaseLock()
  }
  return out
}

export interface Server {
  url: string
  port: number
  token: string
  proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>
  /** Everything the server printed so far on stdout. */
  output(): string
  /** Everything the server printed on stderr since the first call (which starts reading it). */
  errors(): string
  stop(): Promise<number>
}

/** Start the compiled binary (`trackio show --port 0 …`) on a data directory and wait for its URL. */
export async function startServer(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Server> {
  await ensureBinary()
  const proc = Bun.spawn([BINARY, 'show', '--port', '0', ...args], {
    cwd: dataDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TRACKIO_DIR: dataDir, ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let out = ''
  const reader = proc.stdout.getReader()
  const decoder = new TextDecoder()
  const deadline = Date.now() + 20000
  let match: RegExpMatchArray | null = null
  while (!match) {
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}`)
    const { value, done } = await reader.read()
    if (done) throw new Error(`server exited: ${out}${await new Response(proc.stderr).text()}`)
    out += decoder.decode(value)
    match = out.match(/write access at: (http:\/\/[^?\s]+?):(\d+)\S*?write_token=([A-Za-z0-9_-]+)/)
  }
  ;(async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      out += decoder.decode(value)
    }
  })()
  // stderr is read only once a test asks for it (others read proc.stderr themselves).
  let err: string | null = null
  const errors = (): string => {
    if (err === null) {
      err = ''
      ;(async () => {
        const errReader = proc.stderr.getReader()
        const errDecoder = new TextDecoder()
        for (;;) {
          const { value, done } = await errReader.read()
          if (done) break
          err += errDecoder.decode(value)
        }
      })()
    }
    return err
  }
  const port = Number(match[2])
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token: match[3]!,
    proc,
    output: () => out,
    errors,
    stop: async () => {
      proc.kill('SIGTERM')
      return await proc.exited
    },
  }
}

export interface ApiResult {
  status: number
  text: string
  json: any
  headers: Headers
}

async function toResult(r: Response): Promise<ApiResult> {
  const text = await r.text()
  let json: any = undefined
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: r.status, text, json, headers: r.headers }
}

const bodyText = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body))

/** POST a body (object → JSON, string → as is) to /api/{tool}. */
export async function api(base: string, tool: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<ApiResult> {
  return toResult(await fetch(`${base}/api/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bodyText(body) }))
}

/** The HTTP app in this process (fast tests of the tools and transports without the binary). */
export async function inProcessApp(dataDir: string, writeToken = 'test-token') {
  const { Storage } = await import('../src/storage/db/connection')
  const { settingsFromEnv } = await import('../src/tools/core/settings')
  const { createApp } = await import('../src/transports/http/app')
  const storage = new Storage(dataDir)
  const app = createApp({
    ctx: { storage, settings: settingsFromEnv({}, dataDir) },
    version: 'test',
    writeToken,
    mcp: { enabled: false, path: '/mcp' },
  })
  const call = async (tool: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<ApiResult> =>
    toResult(await app.handle(new Request(`http://localhost/api/${tool}`, { method: 'POST', headers, body: bodyText(body) })))
  return { app, storage, call }
}

/** `call(tool, body, headers)` on an in-process app over `dataDir`, created on first use. */
export function appCaller(dataDir: string): (tool: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResult> {
  let app: ReturnType<typeof inProcessApp> | null = null
  return async (tool, body = {}, headers = {}) => (await (app ??= inProcessApp(dataDir))).call(tool, body, headers)
}

export type Caller = ReturnType<typeof appCaller>

/** Each body answers 200 with exactly `{"data":[]}`: Trackio's empty answer, never a 404. */
export async function expectEmptyAnswers(call: Caller, tool: string, bodies: unknown[]): Promise<void> {
  for (const body of bodies) {
    const r = await call(tool, body)
    expect(r.status).toBe(200)
    expect(r.text).toBe('{"data":[]}')
  }
}

/** One test per case, named by its arguments: `tool` refuses them with a 400 whose error contains `message`. */
export function testRefusals(call: Caller, cases: [tool: string, args: Record<string, unknown>, message: string][]): void {
  for (const [tool, args, message] of cases)
    test(`${JSON.stringify(args).slice(0, 60)}`, async () => {
      const r = await call(tool, args)
      expect(r.status).toBe(400)
      expect(r.json.error).toContain(message)
    })
}

/** Calls `tool` and expects a 400 whose message is exactly `message`. */
export async function expectRefusal(call: Caller, tool: string, args: unknown, message: string): Promise<void> {
  const r = await call(tool, args)
  expect(r.status).toBe(400)
  expect(r.json.error).toBe(message)
}

/** The write-token header the in-process app (inProcessApp's default token) accepts. */
export const WRITE_HEADERS: Record<string, string> = { 'x-trackio-write-token': 'test-token' }

/** Rows of `sql` on `{dir}/{project}.db`, opened read-only with exact integers (bigint). */
export function queryProject(dir: string, project: string, sql: string): Record<string, unknown>[] {
  const { Database } = require('bun:sqlite') as typeof import('bun:sqlite')
  const db = new Database(join(dir, `${project}.db`), { readonly: true, safeIntegers: true })
  try {
    return db.query(sql).all() as Record<string, unknown>[]
  } finally {
    db.close()
  }
}

/** A timestamp as the server writes it when a client sends none (UTC, microseconds optional). */
export const SERVER_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/

/** A parquet file's columns (name, physical and converted type) and rows. */
export async function readParquet(file: string) {
  const buf = readFileSync(file)
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
  const meta = parquetMetadata(ab)
  const schema = parquetSchema(meta)
  const columns = schema.children.map((c) => ({ name: c.element.name, type: c.element.type, converted: c.element.converted_type }))
  const rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[]
  return { columns, rows }
}

/** A legacy (pre-run-id) project file `{stem}.db` in `dir`: a name-keyed metrics table with one row of `runName`. */
export function writeLegacyProject(dir: string, stem: string, runName: string): void {
  const { Database } = require('bun:sqlite') as typeof import('bun:sqlite')
  const db = new Database(join(dir, `${stem}.db`))
  db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, step INTEGER NOT NULL, metrics TEXT NOT NULL)')
  db.run(`INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES ('2025-01-01T00:00:00', ?, 0, '{"a":1}')`, [runName])
  db.close()
}

/** `n` small WAL-mode projects p0000… (one run `r`, one row; the index padded to `width` digits) in `dir`. */
export function manyProjects(n: number, width = 4, dir: string = tempDir()): string {
  const seed = join(dir, 'seed.sqlite')
  const db = new Database(seed, { create: true })
  ensureSchema(db)
  db.run('PRAGMA journal_mode = WAL')
  db.run(`INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES ('id-r', '2026-01-01T00:00:00+00:00', 'r', 0, '{"loss": 1}')`)
  db.close()
  for (let i = 0; i < n; i++) copyFileSync(seed, join(dir, `p${String(i).padStart(width, '0')}.db`))
  return dir
}

/** `fn` on project `stem` of `dir` through a Storage of its own (a connection that kept nothing), in one read. */
export function freshRead<T>(dir: string, stem: string, fn: (p: ProjectDb) => T): T {
  const s = new Storage(dir)
  try {
    const p = s.project(stem)!
    return p.read(() => fn(p))
  } finally {
    s.close()
  }
}
