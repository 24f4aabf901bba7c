import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatIsoTimestamp } from '../../src/storage/db/timestamps'
import { READ_AHEAD_MIN_ROWS } from '../../src/storage/read/read-ahead'
import { api, copyFixtures, startServer, type Server } from '../helpers'

/**
 * The compiled binary starts its scan workers (their entry point is built into it: build.ts) and
 * answers a long project's first reads through them, exactly as SQLite does. A Bun worker is a thread
 * named "Worker": there is none before the first long read (warm-up off) and one after.
 */

const workerThreads = (pid: number): number =>
  readdirSync(`/proc/${pid}/task`).filter((t) => {
    try {
      return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() === 'Worker'
    } catch {
      return false
    }
  }).length

let server: Server | null = null
afterAll(() => server?.proc.kill())

describe('scan workers in the compiled binary', () => {
  test.skipIf(process.platform !== 'linux')('a long project is read on worker threads; answers as SQLite gives them', async () => {
    const dir = copyFixtures('basic')
    const file = join(dir, 'image-classification.db')
    const w = new Database(file)
    const ins = w.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
    const n = READ_AHEAD_MIN_ROWS + 2_000
    w.transaction(() => {
      for (let i = 0; i < n; i++) ins.run('long-id', formatIsoTimestamp(Date.UTC(2026, 10, 29) * 1000 + i * 1000), 'long', i, `{"loss":${(1 / (1 + i)).toFixed(6)}}`)
    })()
    const expected = w.query('SELECT run_id, run_name, MIN(timestamp) FROM metrics GROUP BY run_id, run_name ORDER BY 3').values() as unknown[][]
    w.close()
    server = await startServer(dir, ['--no-warm-up'])
    expect(workerThreads(server.proc.pid)).toBe(0)
    const runs = await api(server.url, 'get_runs_for_project', { project: 'image-classification' })
    expect(runs.status).toBe(200)
    expect((runs.json.data as { id: string; name: string; created_at: string }[]).map((r) => [r.id, r.name, r.created_at] as unknown[])).toEqual(expected)
    expect(workerThreads(server.proc.pid)).toBeGreaterThanOrEqual(1)
    const history = await api(server.url, 'get_metric_history', { project: 'image-classification', runs: ['long'], metrics: ['loss'], max_points: 100 })
    expect(history.status).toBe(200)
    expect(history.json.data.series[0]).toMatchObject({ run: 'long', total_points: n, method: 'minmax' })
    expect(workerThreads(server.proc.pid)).toBe(2)
  })
})
