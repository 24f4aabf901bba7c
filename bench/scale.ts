/**
 * How cost grows with data: `bun bench/scale.ts` (not run in CI).
 *
 * Writes once, with our Trackio-format writer (src/storage/write/append.ts), into .bench-data/scale:
 * project `many-runs` with 1,000 runs of 100 steps, projects `p00`…`p49` (50 projects of 5 runs), and
 * project `huge` with one run of 2,000,000 steps × 2 metrics. Then starts dist/trackio on it and
 * measures, one request at a time: listing (get_all_projects over 52 projects, get_runs_for_project
 * and get_project_summary over 1,000 runs), reads on the 2,000,000-step run (around_step, a step, the
 * run summary), and in this process the downsampled view of that run (seriesWindow, 1,000 points,
 * extrema kept): on first use (the series is read once) and afterwards, for the whole run and zoomed.
 * The first get_run_summary and get_metric_history on that run are timed with get_all_projects asked
 * meanwhile on a second connection (how long the first call holds other requests up).
 * Prints a Markdown table with the goals beside, the series cache's bytes and the processes' RSS.
 * Options: --samples N (requests per row, default 30).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Storage } from '../src/storage/db/connection'
import { resolveRun } from '../src/storage/read/runs'
import { SERIES_CACHE_BYTES, seriesCacheStats, seriesWindow } from '../src/storage/read/series-cache'
import { ANSWER_CACHE_BYTES } from '../src/storage/read/answer-cache'
import { appendMetrics, type MetricEntry } from '../src/storage/write/append'
import { Connection, postRequest } from './http-client'

const ROOT = resolve(import.meta.dir, '..')
const DATA = join(ROOT, '.bench-data', 'scale')
const BIN = join(ROOT, 'dist', 'trackio')
const HOST = '127.0.0.1'
const i = process.argv.indexOf('--samples')
const SAMPLES = i > 0 ? Number(process.argv[i + 1]) : 30

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00')
const hex = (n: number) => n.toString(16).padStart(32, '0')

async function writeRun(project: string, name: string, id: string, steps: number, flush: number, start: number, seed: number): Promise<void> {
  for (let from = 0; from < steps; from += flush) {
    const entries: MetricEntry[] = []
    for (let s = from; s < Math.min(steps, from + flush); s++) {
      const x = Math.sin(s * 0.001 + seed) * 0.1
      entries.push({ metrics: { loss: Number((2 / (1 + s / 1000) + x).toFixed(6)), acc: Number((1 - 1 / (1 + s / 500)).toFixed(6)) }, step: s })
    }
    await appendMetrics(DATA, project, name, id, entries, from === 0 ? { seed } : null, iso(start + from * 10))
  }
}

async function ensureData(): Promise<void> {
  if (existsSync(join(DATA, 'huge.db'))) return
  const t0 = performance.now()
  const start = Date.UTC(2026, 0, 1)
  for (let r = 0; r < 1000; r++) await writeRun('many-runs', `run-${String(r).padStart(4, '0')}`, hex(r + 1), 100, 100, start + r * 60_000, r)
  for (let p = 0; p < 50; p++)
    for (let r = 0; r < 5; r++) await writeRun(`p${String(p).padStart(2, '0')}`, `run-${r}`, hex(100_000 + p * 10 + r), 100, 100, start + r * 60_000, r)
  await writeRun('huge', 'two-million', hex(999_999), 2_000_000, 50_000, start, 1)
  console.error(`wrote .bench-data/scale in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
}

async function startServer(): Promise<{ port: number; proc: Bun.Subprocess }> {
  const l = Bun.listen({ hostname: HOST, port: 0, socket: { data() {} } })
  const port = l.port
  l.stop(true)
  const proc = Bun.spawn([BIN, 'show', '--port', String(port)], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TRACKIO_DIR: DATA }, stdout: 'ignore', stderr: 'inherit' })
  for (let k = 0; k < 150; k++) {
    try {
      if ((await fetch(`http://${HOST}:${port}/version`)).ok) return { port, proc }
    } catch {
      /* not yet */
    }
    await Bun.sleep(200)
  }
  proc.kill()
  throw new Error('server did not start')
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function rssMiB(pid: number | 'self'): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)
  return m ? Number(m[1]) / 1024 : NaN
}

const b = Bun.spawnSync(['bun', 'build.ts'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
if (b.exitCode !== 0) throw new Error('build failed')
await ensureData()
const server = await startServer()
const rows: string[] = []
try {
  const conn = new Connection(HOST, server.port)
  await conn.open()
  const probeConn = new Connection(HOST, server.port)
  await probeConn.open()
  const probeReq = postRequest(HOST, server.port, '/api/get_all_projects', '{}')
  // With `probe`, get_all_projects is asked again and again on a second connection while the first call
  // runs: the slowest of those answers shows how long the first call holds other requests up.
  const timed = async (name: string, tool: string, body: object, goal: number | null, probe = false) => {
    const req = postRequest(HOST, server.port, `/api/${tool}`, JSON.stringify(body))
    const first = performance.now()
    let done = false
    const waits: number[] = []
    const prober = (async () => {
      while (probe && !done) {
        const t = performance.now()
        await probeConn.send(probeReq)
        waits.push(performance.now() - t)
      }
    })()
    const r = await conn.send(req, true)
    const firstMs = performance.now() - first
    done = true
    await prober
    if (r.status !== 200) throw new Error(`${tool}: HTTP ${r.status}`)
    const held = probe ? ` (meanwhile ${waits.length} other requests, slowest ${Math.max(...waits).toFixed(0)} ms)` : ''
    const times: number[] = []
    for (let k = 0; k < SAMPLES; k++) {
      const t = performance.now()
      await conn.send(req)
      times.push(performance.now() - t)
    }
    const p50 = median(times)
    rows.push(`| ${name} | ${firstMs.toFixed(1)}${held} | ${p50.toFixed(2)} | ${goal === null ? '–' : `< ${goal}`} | ${goal === null ? '–' : p50 < goal ? 'yes' : 'NO'} | ${(r.body.length / 1024).toFixed(1)} |`)
  }
  await timed('get_all_projects (52 projects)', 'get_all_projects', {}, 50)
  await timed('get_runs_for_project (1,000 runs)', 'get_runs_for_project', { project: 'many-runs' }, 50)
  await timed('get_project_summary (1,000 runs)', 'get_project_summary', { project: 'many-runs' }, 200)
  await timed('list_runs with aggregates (1,000 runs)', 'list_runs', { project: 'many-runs', order_by: 'loss.min asc', limit: 20 }, 200)
  await timed('get_runs_for_project of each of 50 projects', 'get_runs_for_project', { project: 'p17' }, 50)
  await timed('get_run_summary (2,000,000 steps)', 'get_run_summary', { project: 'huge', run: 'two-million' }, 200, true)
  await timed('get_metric_history, whole 2,000,000-step run → 500 points', 'get_metric_history', { project: 'huge', runs: ['two-million'], metrics: ['loss'] }, null, true)
  await timed('get_metric_values around_step ± 100 (2,000,000 steps)', 'get_metric_values', { project: 'huge', run: 'two-million', metric_name: 'loss', around_step: 1_500_000, window: 100 }, 50)
  await timed('get_snapshot at a step (2,000,000 steps)', 'get_snapshot', { project: 'huge', run: 'two-million', step: 1_234_567 }, 50)
  conn.close()
  probeConn.close()

  // The downsampled view, through the function the agent tools and dashboard use.
  const storage = new Storage(DATA)
  const p = storage.project('huge')!
  const f = p.read(() => resolveRun(p, 'metrics', 'two-million', null))!
  let t = performance.now()
  const whole = seriesWindow(p, f, 'loss')!
  const cold = performance.now() - t
  const warm: number[] = []
  const zoom: number[] = []
  for (let k = 0; k < SAMPLES; k++) {
    t = performance.now()
    seriesWindow(p, f, 'loss', -Infinity, Infinity, 1000)
    warm.push(performance.now() - t)
    t = performance.now()
    seriesWindow(p, f, 'loss', 1_000_000 + k, 1_100_000 + k, 1000)
    zoom.push(performance.now() - t)
  }
  rows.push(`| seriesWindow, whole 2,000,000-step run → ${whole.steps.length} points | ${cold.toFixed(0)} (reads the series) | ${median(warm).toFixed(2)} | < 50 | ${median(warm) < 50 ? 'yes' : 'NO'} | – |`)
  rows.push(`| seriesWindow, 100,000-step zoom → 1,000 points | – | ${median(zoom).toFixed(2)} | < 10 | ${median(zoom) < 10 ? 'yes' : 'NO'} | – |`)
  const cache = seriesCacheStats()
  console.log(`\nScale (${DATA}): 1,000-run project, 50 more projects, one 2,000,000-step run; ${SAMPLES} requests per row, one at a time\n`)
  console.log('| scenario | first ms | p50 ms | goal ms | met | answer KiB |')
  console.log('|---|---:|---:|---:|---|---:|')
  for (const r of rows) console.log(r)
  console.log(
    `\nseries cache: ${cache.series} series, ${(cache.bytes / 1048576).toFixed(0)} MiB (bound ${SERIES_CACHE_BYTES / 1048576} MiB; answers cache bound ${ANSWER_CACHE_BYTES / 1048576} MiB); ` +
      `RSS of this process ${rssMiB('self').toFixed(0)} MiB, of the server ${rssMiB(server.proc.pid).toFixed(0)} MiB`,
  )
  storage.close()
} finally {
  server.proc.kill('SIGTERM')
  await server.proc.exited
}
