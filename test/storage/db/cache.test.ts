import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { defaultMaxOpen, MAX_MEMOS, MAX_OPEN_PROJECTS, Storage } from '../../../src/storage/db/connection'
import { ensureSchema } from '../../../src/storage/db/schema'
import { metricValues, runKeys, runStats } from '../../../src/storage/read/metrics'
import { seriesCacheStats } from '../../../src/storage/read/series-cache'
import { resolveRun } from '../../../src/storage/read/runs'
import { tableMark } from '../../../src/storage/read/table-mark'
import { api, BINARY, copyFixtures, ensureBinary, manyProjects, tempDir } from '../../helpers'


const openFds = (pid: number | 'self' = 'self'): number => readdirSync(`/proc/${pid}/fd`).length

describe('per-project memo', () => {
  test('run names that match nothing are not remembered; existing ones are, up to a bound', () => {
    const storage = new Storage(copyFixtures('basic'))
    const p = storage.project('llm-finetune')!
    const long = 'x'.repeat(10_000)
    p.read(() => {
      tableMark(p) // one memo per database version, whatever the names asked
      const before = p.memoCount
      for (let i = 0; i < 500; i++) {
        expect(resolveRun(p, 'metrics', `${long}${i}`, null)).toBeNull()
        const ghost = { column: 'run_id' as const, value: `${long}${i}` }
        expect(runKeys(p, 'metrics', ghost, [])).toEqual([])
        expect(runStats(p, ghost).count).toBe(0)
      }
      expect(p.memoCount).toBe(before)
      const real = resolveRun(p, 'metrics', 'gpt2-small', null)
      expect(real).not.toBeNull()
      expect(p.memoCount).toBe(before + 1)
      for (let i = 0; i < 3 * MAX_MEMOS; i++) p.memo(`k${i}`, () => i)
      expect(p.memoCount).toBe(MAX_MEMOS)
      // The most recently used survive; the memo still answers correctly after evictions.
      expect(p.memo(`k${3 * MAX_MEMOS - 1}`, () => -1)).toBe(3 * MAX_MEMOS - 1)
      expect(p.memo('k0', () => -1)).toBe(-1)
    })
    storage.close()
  })
})

describe('series cache', () => {
  test('metric names that match nothing on a long run are not cached; real ones are', () => {
    const dir = tempDir()
    const db = new Database(join(dir, 'long.db'), { create: true })
    ensureSchema(db)
    const insert = db.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run('id-l', `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}+00:00`, 'l', i, `{"loss": ${i}}`)
    })()
    db.close()
    const storage = new Storage(dir)
    const p = storage.project('long')!
    const f = { column: 'run_id' as const, value: 'id-l' }
    const before = seriesCacheStats().series
    const long = 'm'.repeat(10_000)
    for (let i = 0; i < 40; i++) expect(p.read(() => metricValues(p, f, `${long}${i}`, { kind: 'all' })).length).toBe(0)
    expect(seriesCacheStats().series).toBe(before)
    expect(p.read(() => metricValues(p, f, 'loss', { kind: 'all' })).length).toBe(2000)
    expect(seriesCacheStats().series).toBe(before + 1)
    storage.close()
  })
})

describe('open project databases', () => {
  test('reading many projects keeps at most maxOpen connections (and their descriptors) open', () => {
    const dir = manyProjects(300)
    const storage = new Storage(dir, { maxOpen: 16 })
    const fds0 = openFds()
    for (const stem of storage.listProjects()) {
      const p = storage.project(stem)!
      expect(p.read(() => runStats(p, resolveRun(p, 'metrics', 'r', null)!).count)).toBe(1)
      expect(storage.openCount).toBeLessThanOrEqual(16)
    }
    // 16 connections × (db, -wal, -shm); before the bound, 300 projects held about 900 descriptors.
    expect(openFds() - fds0).toBeLessThanOrEqual(16 * 3 + 8)
    storage.close()
    expect(openFds() - fds0).toBeLessThanOrEqual(8)
  })

  test('a connection evicted while a read runs on it closes when that read ends, and still reads later', () => {
    const dir = manyProjects(20)
    const storage = new Storage(dir, { maxOpen: 4 })
    const p = storage.project('p0000')!
    const inside = p.read(() => {
      for (let i = 1; i < 20; i++) storage.project(`p${String(i).padStart(4, '0')}`)
      expect(storage.openCount).toBe(4)
      // Evicted from the cache, but this read's transaction is still open and must finish.
      return p.db.query('SELECT COUNT(*) FROM metrics').values()[0]![0]
    })
    expect(Number(inside)).toBe(1)
    expect(() => p.db).toThrow(/closed/)
    // A holder of the evicted object (an export walking projects across awaits) can still read.
    expect(Number(p.read(() => p.db.query('SELECT COUNT(*) FROM metrics').values()[0]![0]))).toBe(1)
    expect(() => p.db).toThrow(/closed/)
    storage.close()
  })

  test('the bound follows the descriptor limit', () => {
    const limits = (soft: number) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 524288               files\n`
    expect(defaultMaxOpen(limits(1024))).toBe(MAX_OPEN_PROJECTS)
    expect(defaultMaxOpen(limits(160))).toBe(16)
    expect(defaultMaxOpen(limits(20))).toBe(4)
    expect(defaultMaxOpen('')).toBe(MAX_OPEN_PROJECTS)
  })

  /** The compiled binary under `ulimit -n 160` on 400 projects; `hold` idle sockets eat descriptors first. */
  async function underLowLimit(hold: number, check: (base: string, pid: number) => Promise<void>): Promise<void> {
    await ensureBinary()
    const dir = manyProjects(400)
    const proc = Bun.spawn(['sh', '-c', `ulimit -n 160 && exec "${BINARY}" show --port 0`], {
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', TRACKIO_DIR: dir, TRACKIO_WRITE_TOKEN: 'tok' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const sockets: Bun.Socket[] = []
    try {
      const reader = proc.stdout.getReader()
      let out = ''
      while (!/write access at: http:\/\/127\.0\.0\.1:(\d+)/.test(out)) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`server exited: ${out}`)
        out += new TextDecoder().decode(value)
      }
      const port = Number(out.match(/127\.0\.0\.1:(\d+)/)![1])
      for (let i = 0; i < hold; i++) sockets.push(await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } }))
      await check(`http://127.0.0.1:${port}`, proc.pid)
      for (const s of sockets.splice(0)) s.end()
      await Bun.sleep(200)
      // Afterwards every project answers again, and a write (which opens its own connection) works.
      for (let i = 0; i < 400; i += 7) expect((await readOne(`http://127.0.0.1:${port}`, i)).status).toBe(200)
      const w = await api(`http://127.0.0.1:${port}`, 'log', { project: 'p0000', run: 'r', metrics: { loss: 0.5 }, step: 1, hf_token: null }, { 'x-trackio-write-token': 'tok' })
      expect(w.status).toBe(200)
      expect((await readOne(`http://127.0.0.1:${port}`, 0)).json.data.map((d: { value: number }) => d.value)).toContain(0.5)
    } finally {
      for (const s of sockets) s.end()
      proc.kill('SIGTERM')
      await proc.exited
    }
  }

  const readOne = (base: string, i: number) => api(base, 'get_metric_values', { project: `p${String(i).padStart(4, '0')}`, run: 'r', metric_name: 'loss' })

  test('the binary under a low descriptor limit: 400 projects all answer, descriptors stay bounded', async () => {
    await underLowLimit(0, async (base, pid) => {
      let maxFds = 0
      for (let i = 0; i < 400; i++) {
        const r = await readOne(base, i)
        expect(r.status).toBe(200)
        expect(r.json.data).toEqual([{ timestamp: '2026-01-01T00:00:00+00:00', step: 0, value: 1 }])
        if (i % 25 === 24) maxFds = Math.max(maxFds, openFds(pid))
      }
      // 16 connections (the bound under 160) × 3 descriptors, plus the server's own.
      expect(maxFds).toBeLessThanOrEqual(16 * 3 + 24)
    })
  })

  test('out of descriptors (a cache bound above the limit): the open is retried after closing idle connections', async () => {
    const dir = manyProjects(120)
    const code = `
      const { Storage } = await import(${JSON.stringify(join(import.meta.dir, '../../../src/storage/db/connection.ts'))})
      const storage = new Storage(process.argv[1], { maxOpen: 1000 })
      const statuses = {}
      for (const stem of storage.listProjects()) {
        let s = 200
        try {
          const p = storage.project(stem)
          p.read(() => p.db.query('SELECT COUNT(*) FROM metrics').values())
        } catch (err) {
          s = err.status ?? 500
        }
        statuses[s] = (statuses[s] ?? 0) + 1
      }
      console.log(JSON.stringify({ statuses, maxOpen: storage.maxOpen, open: storage.openCount }))`
    const p = Bun.spawn(['sh', '-c', 'ulimit -n 64 && exec "$0" -e "$1" "$2"', process.execPath, code, dir], { stdout: 'pipe', stderr: 'pipe' })
    const [out, err] = [await new Response(p.stdout).text(), await new Response(p.stderr).text()]
    expect(await p.exited).toBe(0)
    const r = JSON.parse(out || err)
    // Every project was read; the bound dropped below what 64 descriptors can hold.
    expect(r.statuses).toEqual({ 200: 120 })
    expect(r.maxOpen).toBeLessThan(20)
    expect(r.open).toBeLessThanOrEqual(r.maxOpen)
  })
})
