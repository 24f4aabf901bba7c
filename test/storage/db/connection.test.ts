import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { Storage } from '../../../src/storage/db/connection'
import { api, BINARY, copyFixtures, FIXTURES, python3, type Server, startServer, tempDir } from '../../helpers'

/**
 * Broken, locked and unreadable project databases: the affected project answers a JSON error that
 * names it (503, or 200 when the damage is not on the pages a query reads), never a 500 or a
 * stack; every other project keeps answering 200.
 */
const READS: [string, (p: string) => Record<string, unknown>][] = [
  ['get_runs_for_project', (p) => ({ project: p })],
  ['get_project_summary', (p) => ({ project: p })],
  ['get_metrics_for_run', (p) => ({ project: p, run: 'gpt2-small' })],
  ['get_run_summary', (p) => ({ project: p, run: 'gpt2-small' })],
  ['get_metric_values', (p) => ({ project: p, run: 'gpt2-small', metric_name: 'train/loss' })],
  ['get_system_metrics_for_run', (p) => ({ project: p, run: 'gpt2-small' })],
  ['get_system_logs', (p) => ({ project: p, run: 'gpt2-small' })],
  ['get_snapshot', (p) => ({ project: p, run: 'gpt2-small', step: 1 })],
  ['get_logs', (p) => ({ project: p, run: 'gpt2-small' })],
  ['get_alerts', (p) => ({ project: p })],
]

const LOCKER = `
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA journal_mode=DELETE')
c.execute('BEGIN EXCLUSIVE')
print('locked', flush=True)
time.sleep(float(sys.argv[2]))
c.execute('COMMIT')
`

/** python3 holding BEGIN EXCLUSIVE on `db` (rollback-journal mode, so readers are shut out) for `seconds`. */
async function holdLock(db: string, seconds: number): Promise<Bun.Subprocess> {
  const py = Bun.spawn([python3(), '-c', LOCKER, db, String(seconds)], { stdout: 'pipe', stderr: 'inherit' })
  const { value } = await py.stdout.getReader().read()
  expect(new TextDecoder().decode(value)).toContain('locked')
  return py
}

function expectProjectError(r: { status: number; json: any; text: string }, project: string, statuses: number[] = [503]): void {
  if (r.status === 200) return
  expect(statuses).toContain(r.status)
  expect(r.json?.error).toContain(`'${project}'`)
  expect(r.text).not.toMatch(/\bat \S+ \(|node_modules|src\//)
}

async function othersStillServe(server: Server): Promise<void> {
  const r = await api(server.url, 'get_runs_for_project', { project: 'image-classification' })
  expect(r.status).toBe(200)
  expect(r.json.data.length).toBeGreaterThan(0)
}

describe('damaged database files', () => {
  let server: Server
  beforeAll(async () => {
    const dir = tempDir()
    cpSync(join(FIXTURES, 'basic'), dir, { recursive: true })
    const good = readFileSync(join(dir, 'llm-finetune.db'))
    writeFileSync(join(dir, 'notdb.db'), 'this is not a database at all\n'.repeat(100))
    writeFileSync(join(dir, 'truncated.db'), good.subarray(0, 5000))
    const corrupt = Buffer.from(good)
    for (let i = 8192; i < corrupt.length; i += 4096) corrupt.fill(0xab, i + 100, i + 1200)
    writeFileSync(join(dir, 'corrupt.db'), corrupt)
    const header = Buffer.from(good)
    header.fill(0xff, 16, 100)
    writeFileSync(join(dir, 'badheader.db'), header)
    writeFileSync(join(dir, 'zero.db'), '')
    mkdirSync(join(dir, 'folder.db'))
    server = await startServer(dir)
  })
  afterAll(async () => {
    await server.stop()
  })

  for (const project of ['notdb', 'truncated', 'corrupt', 'badheader', 'zero', 'folder']) {
    test(`${project}.db: read tools answer a JSON error naming the project, others keep serving`, async () => {
      let errors = 0
      for (const [tool, body] of READS) {
        const r = await api(server.url, tool, body(project))
        expectProjectError(r, project)
        if (r.status !== 200) errors++
      }
      if (['notdb', 'truncated', 'badheader'].includes(project)) expect(errors).toBe(READS.length)
      await othersStillServe(server)
    })
  }

  test('write tools on a damaged database: 503 naming the project, nothing written', async () => {
    const h = { 'x-trackio-write-token': server.token }
    for (const project of ['notdb', 'truncated', 'corrupt', 'badheader']) {
      const log = await api(server.url, 'log_metrics', { project, run: 'r', metrics: { a: 1 }, new_run: true }, h)
      expect(log.status).toBe(503)
      expectProjectError(log, project)
      const del = await api(server.url, 'delete_run', { project, run: 'gpt2-small' }, h)
      expectProjectError(del, project, [503])
      const ren = await api(server.url, 'rename_run', { project, old_name: 'gpt2-small', new_name: 'x' }, h)
      expectProjectError(ren, project, [503])
    }
    await othersStillServe(server)
    const all = await api(server.url, 'get_all_projects', {})
    expect(all.status).toBe(200)
  })

  test('the server logs no stack traces for these (one line per 503)', async () => {
    await server.stop()
    const stderr = await new Response(server.proc.stderr).text()
    expect(stderr).toContain("trackio: The database file of project 'notdb' is not an SQLite database")
    expect(stderr).not.toContain('internal error')
    expect(stderr).not.toMatch(/\bat \S+ \(/)
  })
})

/** The three tests wait on real locks (3, 6.5 and 3 s), so they run at the same time, each on its own copy. */
describe.concurrent('a database locked by another process (python3 BEGIN EXCLUSIVE)', () => {
  let server: Server
  let dir: string
  beforeAll(async () => {
    dir = tempDir()
    cpSync(join(FIXTURES, 'basic'), dir, { recursive: true })
    for (const name of ['locked', 'locked-long', 'locked-write']) cpSync(join(FIXTURES, 'basic', 'llm-finetune.db'), join(dir, `${name}.db`))
    server = await startServer(dir)
  })
  afterAll(async () => {
    await server.stop()
  })

  /** A request and whether it has settled yet: other projects must answer while it still waits. */
  function track<T>(p: Promise<T>): { done: () => boolean; result: Promise<T> } {
    let settled = false
    const result = p.finally(() => {
      settled = true
    })
    return { done: () => settled, result }
  }

  test('a short lock: the read waits and succeeds, other projects answer meanwhile', async () => {
    const py = await holdLock(join(dir, 'locked.db'), 3)
    const pending = track(api(server.url, 'get_runs_for_project', { project: 'locked' }))
    await othersStillServe(server)
    expect(pending.done()).toBe(false)
    const r = await pending.result
    expect(r.status).toBe(200)
    expect(r.json.data.length).toBe(3)
    await py.exited
  }, 15_000)

  test('a lock held longer than the 5 s budget: 503 naming the project, the server keeps serving', async () => {
    const py = await holdLock(join(dir, 'locked-long.db'), 6.5)
    const pending = track(api(server.url, 'get_project_summary', { project: 'locked-long' }))
    for (let i = 0; i < 3; i++) {
      await Bun.sleep(500)
      await othersStillServe(server)
      expect(pending.done()).toBe(false)
    }
    const r = await pending.result
    expect(r.status).toBe(503)
    expect(r.json.error).toBe("The database of project 'locked-long' is locked by another process; try again")
    await py.exited
    expect((await api(server.url, 'get_project_summary', { project: 'locked-long' })).status).toBe(200)
  }, 20_000)

  test('a write waiting on a locked project does not stall reads of other projects', async () => {
    const py = await holdLock(join(dir, 'locked-write.db'), 3)
    const pending = track(api(server.url, 'log_metrics', { project: 'locked-write', run: 'r', metrics: { a: 1 }, new_run: true }, { 'x-trackio-write-token': server.token }))
    await othersStillServe(server)
    expect(pending.done()).toBe(false)
    expect((await pending.result).status).toBe(200)
    await py.exited
  }, 20_000)
})

describe('a read-only data directory (server run as nobody)', () => {
  const canDrop = Bun.spawnSync(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'true']).exitCode === 0 && process.getuid?.() === 0
  test.skipIf(!canDrop)('reads and writes answer 503 naming the project; missing projects still answer', async () => {
    const dir = tempDir()
    chmodSync(dir, 0o755)
    cpSync(join(FIXTURES, 'basic'), dir, { recursive: true })
    for (const f of readdirSync(dir)) {
      if (/-(wal|shm)$/.test(f)) rmSync(join(dir, f))
      else chmodSync(join(dir, f), 0o644)
    }
    const proc = Bun.spawn(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', BINARY, 'show', '--port', '0'], {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', TRACKIO_DIR: dir },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    try {
      const reader = proc.stdout.getReader()
      let out = ''
      const deadline = Date.now() + 15000
      while (!/write_token=/.test(out) && Date.now() < deadline) out += new TextDecoder().decode((await reader.read()).value)
      const m = out.match(/127\.0\.0\.1:(\d+)\S*write_token=([\w-]+)/)!
      const url = `http://127.0.0.1:${m[1]}`
      for (const project of ['llm-finetune', 'image-classification']) {
        for (const [tool, body] of READS) expectProjectError(await api(url, tool, body(project)), project)
        const w = await api(url, 'log_metrics', { project, run: 'r', metrics: { a: 1 }, new_run: true }, { 'x-trackio-write-token': m[2]! })
        expect(w.status).toBe(503)
        expectProjectError(w, project)
      }
      const missing = await api(url, 'get_project_summary', { project: 'nothing-here' })
      expect(missing.status).toBe(200)
      const create = await api(url, 'log_metrics', { project: 'new-one', run: 'r', metrics: { a: 1 }, new_run: true }, { 'x-trackio-write-token': m[2]! })
      expectProjectError(create, 'new-one')
      expect(create.status).toBe(503)
      expect((await fetch(`${url}/version`)).status).toBe(200)
    } finally {
      proc.kill()
      await proc.exited
    }
    const stderr = await new Response(proc.stderr).text()
    expect(stderr).not.toContain('internal error')
    expect(stderr).not.toMatch(/\bat \S+ \(/)
  })
})

describe('ProjectDb.versionToken', () => {
  test('the same object while nothing changes; a new one after another connection commits, inside or outside a read', async () => {
    const { Storage } = await import('../../../src/storage/db/connection')
    const { Database } = await import('bun:sqlite')
    const dir = tempDir()
    cpSync(join(FIXTURES, 'basic'), dir, { recursive: true })
    const storage = new Storage(dir)
    const p = storage.project('image-classification')!
    const first = p.versionToken()
    expect(p.versionToken()).toBe(first)
    expect(p.read(() => p.versionToken())).toBe(first)
    const other = new Database(join(dir, 'image-classification.db'))
    other.run("UPDATE metrics SET step = step WHERE id = 1")
    const second = p.versionToken()
    expect(second).not.toBe(first)
    expect(p.versionToken()).toBe(second)
    other.run('CREATE TABLE extra (x)')
    expect(p.versionToken()).not.toBe(second)
    other.close()
    storage.close()
  })
})

describe('ProjectDb.seed and peek', () => {
  test('a value computed elsewhere is kept only if the database is still at the token it was read at', () => {
    const d = copyFixtures('basic')
    const s = new Storage(d)
    const p = s.project('image-classification')!
    const token = p.versionToken()
    expect(p.peek('k')).toBeUndefined()
    expect(p.seed('k', token, 42)).toBe(true)
    expect(p.peek('k')).toBe(42)
    expect(p.memo('k', () => 0)).toBe(42)
    const w = new Database(join(d, 'image-classification.db'))
    w.run("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES ('x', '2026-01-01T00:00:00+00:00', 'x', 0, '{}')")
    w.close()
    expect(p.peek('k')).toBeUndefined()
    expect(p.seed('k', token, 43)).toBe(false)
    expect(p.peek('k')).toBeUndefined()
    s.close()
  })
})

describe('Storage.project: checks skipped while the data directory is unchanged', () => {
  test('a link planted, a file renamed over or removed after a read is seen by the next read', async () => {
    const { Storage } = await import('../../../src/storage/db/connection')
    const { StorageError } = await import('../../../src/errors')
    const { copyFileSync, renameSync, symlinkSync } = await import('node:fs')
    const dir = tempDir()
    cpSync(join(FIXTURES, 'basic'), dir, { recursive: true })
    // No quiet margin, and a pause longer than a coarse clock tick before each change instead.
    const storage = new Storage(dir, { quietDirMs: 0 })
    const pause = () => Bun.sleep(30)
    await pause()
    const first = storage.project('image-classification')!
    expect(storage.project('image-classification')).toBe(first)
    await pause()
    copyFileSync(join(dir, 'llm-finetune.db'), join(dir, 'swap.db'))
    renameSync(join(dir, 'swap.db'), join(dir, 'image-classification.db'))
    const second = storage.project('image-classification')!
    expect(second).not.toBe(first)
    await pause()
    expect(storage.project('image-classification')).toBe(second)
    symlinkSync(join(tempDir(), 'x'), join(dir, 'image-classification.db-journal'))
    expect(() => storage.project('image-classification')).toThrow(StorageError)
    rmSync(join(dir, 'image-classification.db-journal'))
    await pause()
    expect(storage.project('image-classification')).toBe(second)
    rmSync(join(dir, 'image-classification.db'))
    expect(storage.project('image-classification')).toBeNull()
    await pause()
    const listing = storage.listingToken()
    expect(storage.listingToken()).toBe(listing)
    writeFileSync(join(dir, 'new.db'), '')
    expect(storage.listingToken()).not.toBe(listing)
    storage.close()
  })
})
