/**
 * How cost grows with data: `bun bench/scale.ts` (not run in CI).
 *
 * Writes once, with our Trackio-format writer (src/storage/write/append.ts), into .bench-data/scale
 * (each project file only when missing, written aside and moved in when complete): project `many-runs`
 * with 1,000 runs of 100 steps, projects `p00`…`p49` (50 projects of 5 runs), project `huge` with one
 * run of 2,000,000 steps × 2 metrics whose rows share one timestamp per 50,000-row flush, and project
 * `realistic` with one run of 2,000,000 steps × 3 metrics (loss, acc, lr) where, as in Trackio, each
 * row has its own timestamp (bench/realistic-rows.ts). Then starts dist/trackio on it and measures,
 * one request at a time: listing (get_all_projects, get_runs_for_project and get_project_summary over
 * 1,000 runs), reads on the 2,000,000-step runs (around_step, a step, the run summary, the downsampled
 * history), and in this process the downsampled view (seriesWindow, 1,000 points, extrema kept) on
 * first use (the series is read once) and afterwards, with the series cache's bytes per series.
 * First calls on the long runs are timed with get_all_projects asked meanwhile on a second connection
 * (how long the first call holds other requests up).
 * Live writer: `realistic.db` is copied to `realistic-live.db` (fresh each time); after one warm-up
 * call per tool, bench/scale-writer.ts (a process of its own) appends 100 rows every 250 ms to its run
 * for 10 s while one connection asks get_runs_for_project, get_metric_history and get_run_summary in
 * turn and a second asks get_all_projects; per tool: requests, p50, p99, max; then checks that the
 * server's answers count every row the writer added.
 * Prints Markdown tables with the goals beside, the series cache's bytes and the processes' RSS.
 * Options: --samples N (requests per row, default 30; a row stops sampling after 20 s),
 * --only realistic (only the `realistic` parts: its rows, the live writer, its seriesWindow),
 * --wait S (sleep S seconds after the server is up, before the first request).
 */
import { Database } from 'bun:sqlite'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Storage } from '../src/storage/db/connection'
import { resolveRun } from '../src/storage/read/runs'
import { cachedSeries, SERIES_CACHE_BYTES, seriesCacheStats, seriesWindow } from '../src/storage/read/series-cache'
import { ANSWER_CACHE_BYTES } from '../src/storage/read/answer-cache'
import { checkpointsSettled } from '../src/storage/write/checkpoint'
import { appendMetrics, type MetricEntry } from '../src/storage/write/append'
import { Connection, postRequest } from './http-client'
import { cursorAt, REALISTIC_STEPS, realisticRows } from './realistic-rows'

const ROOT = resolve(import.meta.dir, '..')
const DATA = join(ROOT, '.bench-data', 'scale')
const BIN = join(ROOT, 'dist', 'trackio')
const HOST = '127.0.0.1'
const arg = (name: string): string | undefined => {
  const k = process.argv.indexOf(name)
  return k > 0 ? process.argv[k + 1] : undefined
}
const SAMPLES = Number(arg('--samples') ?? 30)
const ONLY = arg('--only') ?? null
if (ONLY !== null && ONLY !== 'realistic') throw new Error(`--only takes 'realistic', got ${ONLY}`)
const WAIT_S = Number(arg('--wait') ?? 0)
/** A row stops sampling after this long (a series too large for the cache is read again each time). */
const ROW_BUDGET_MS = 20_000
const LIVE = { project: 'realistic-live', run: 'two-million-real', rows: 100, everyMs: 250, forMs: 10_000 }

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00')
const hex = (n: number) => n.toString(16).padStart(32, '0')

async function writeRun(dir: string, project: string, name: string, id: string, steps: number, flush: number, start: number, seed: number): Promise<void> {
  for (let from = 0; from < steps; from += flush) {
    const entries: MetricEntry[] = []
    for (let s = from; s < Math.min(steps, from + flush); s++) {
      const x = Math.sin(s * 0.001 + seed) * 0.1
      entries.push({ metrics: { loss: Number((2 / (1 + s / 1000) + x).toFixed(6)), acc: Number((1 - 1 / (1 + s / 500)).toFixed(6)) }, step: s })
    }
    await appendMetrics(dir, project, name, id, entries, from === 0 ? { seed } : null, iso(start + from * 10))
  }
}

async function writeRealistic(dir: string): Promise<void> {
  const c = cursorAt(0, Date.UTC(2026, 10, 25, 4, 31, 17) * 1000 + 222_634)
  for (let from = 0; from < REALISTIC_STEPS; from += 50_000)
    await appendMetrics(dir, 'realistic', 'two-million-real', hex(777_777), realisticRows(c, 50_000), from === 0 ? { lr: 3e-4, batch_size: 64 } : null)
}

/** Checkpoint what the writes left in `file`'s WAL, so that the .db file alone holds the project. */
async function settle(file: string): Promise<void> {
  await checkpointsSettled()
  if (!existsSync(`${file}-wal`)) return
  const db = new Database(file, { readwrite: true })
  db.query('PRAGMA wal_checkpoint(TRUNCATE)').get()
  db.close()
  if (existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0) throw new Error(`${file}: WAL not checkpointed`)
}

/** Writes project `name` (one .db file) unless it exists: into a staging directory, moved in when complete. */
async function ensureProject(name: string, write: (dir: string) => Promise<void>): Promise<void> {
  if (existsSync(join(DATA, `${name}.db`))) return
  const staging = join(DATA, '.staging')
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  const t0 = performance.now()
  await write(staging)
  await settle(join(staging, `${name}.db`))
  renameSync(join(staging, `${name}.db`), join(DATA, `${name}.db`))
  rmSync(staging, { recursive: true, force: true })
  console.error(`wrote .bench-data/scale/${name}.db in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
}

async function ensureData(): Promise<void> {
  mkdirSync(DATA, { recursive: true })
  const start = Date.UTC(2026, 0, 1)
  if (ONLY === null) {
    await ensureProject('many-runs', async (dir) => {
      for (let r = 0; r < 1000; r++) await writeRun(dir, 'many-runs', `run-${String(r).padStart(4, '0')}`, hex(r + 1), 100, 100, start + r * 60_000, r)
    })
    for (let p = 0; p < 50; p++) {
      const project = `p${String(p).padStart(2, '0')}`
      await ensureProject(project, async (dir) => {
        for (let r = 0; r < 5; r++) await writeRun(dir, project, `run-${r}`, hex(100_000 + p * 10 + r), 100, 100, start + r * 60_000, r)
      })
    }
    await ensureProject('huge', (dir) => writeRun(dir, 'huge', 'two-million', hex(999_999), 2_000_000, 50_000, start, 1))
  }
  await ensureProject('realistic', writeRealistic)
}

/** `realistic-live.db`: a fresh copy of `realistic.db` for the live writer (reruns start from the same data). */
async function freshLiveCopy(): Promise<void> {
  for (const ext of ['.db', '.db-wal', '.db-shm', '.lock']) rmSync(join(DATA, `${LIVE.project}${ext}`), { force: true })
  await settle(join(DATA, 'realistic.db'))
  copyFileSync(join(DATA, 'realistic.db'), join(DATA, `${LIVE.project}.db`))
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

const sortedOf = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)
const median = (xs: number[]): number => sortedOf(xs)[Math.floor(xs.length / 2)]!
const p99 = (xs: number[]): number => sortedOf(xs)[Math.max(0, Math.ceil(xs.length * 0.99) - 1)]!
const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(x >= 10 ? 1 : 2))

function rssMiB(pid: number | 'self'): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)
  return m ? Number(m[1]) / 1024 : NaN
}

/** Times `fn` up to SAMPLES times, stopping once `budgetMs` has passed (at least once). */
async function sample(fn: () => unknown, budgetMs = ROW_BUDGET_MS): Promise<number[]> {
  const times: number[] = []
  const t0 = performance.now()
  while (times.length < SAMPLES && (times.length === 0 || performance.now() - t0 < budgetMs)) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  return times
}
const p50Cell = (times: number[]): string => `${ms(median(times))}${times.length < SAMPLES ? ` (${times.length} samples)` : ''}`

function printReport(): void {
  const cache = seriesCacheStats()
  const need = [...seriesBytes].filter(([k]) => k.startsWith('realistic/'))
  if (need.length)
    notes.push(
      `series cache needed by \`realistic\`'s ${need.length} series: ${(need.reduce((a, [, x]) => a + x, 0) / 1048576).toFixed(0)} MiB, bound ${SERIES_CACHE_BYTES / 1048576} MiB: ` +
        `${need.filter(([, x]) => x <= SERIES_CACHE_BYTES).length} of them fit`,
    )
  const what = ONLY === null ? '1,000-run project, 50 more projects, 2,000,000-step runs `huge` and `realistic`' : 'the 2,000,000-step run of `realistic`'
  console.log(`\nScale (${DATA}): ${what}; up to ${SAMPLES} requests per row, one at a time${WAIT_S > 0 ? `; first request ${WAIT_S} s after the server was up` : ''}\n`)
  console.log('| scenario | first ms | p50 ms | goal ms | met | answer KiB |')
  console.log('|---|---:|---:|---:|---|---:|')
  for (const r of rows) console.log(r)
  console.log(`\nLive writer: ${LIVE.rows} rows every ${LIVE.everyMs} ms for ${LIVE.forMs / 1000} s into \`${LIVE.project}\` (a fresh copy of \`realistic\`), tools asked in turn on one connection\n`)
  console.log('| tool | requests | p50 ms | p99 ms | max ms | errors |')
  console.log('|---|---:|---:|---:|---:|---:|')
  for (const r of live) console.log(r)
  console.log('')
  for (const n of notes) console.log(`- ${n}`)
  console.log(
    `\nseries cache: ${cache.series} series, ${(cache.bytes / 1048576).toFixed(0)} MiB (bound ${SERIES_CACHE_BYTES / 1048576} MiB; answers cache bound ${ANSWER_CACHE_BYTES / 1048576} MiB); ` +
      `RSS of this process ${rssMiB('self').toFixed(0)} MiB, of the server ${rssMiB(server.proc.pid).toFixed(0)} MiB`,
  )
}

const b = Bun.spawnSync(['bun', 'build.ts'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
if (b.exitCode !== 0) throw new Error('build failed')
await ensureData()
// The live copy is made when its scenario starts (below), so the server's warm-up after start goes to
// the projects the timed rows read.
for (const ext of ['.db', '.db-wal', '.db-shm', '.lock']) rmSync(join(DATA, `${LIVE.project}${ext}`), { force: true })
const projects = readdirSync(DATA).filter((f) => f.endsWith('.db')).length
const server = await startServer()
if (WAIT_S > 0) await Bun.sleep(WAIT_S * 1000)
const rows: string[] = []
const live: string[] = []
const notes: string[] = []
const seriesBytes = new Map<string, number>()
let writer: Bun.Subprocess<'ignore', 'pipe', 'inherit'> | null = null
try {
  const conn = new Connection(HOST, server.port)
  await conn.open()
  const probeConn = new Connection(HOST, server.port)
  await probeConn.open()
  const probeReq = postRequest(HOST, server.port, '/api/get_all_projects', '{}')
  const ask = async (tool: string, body: object): Promise<Record<string, unknown>> => {
    const r = await conn.send(postRequest(HOST, server.port, `/api/${tool}`, JSON.stringify(body)), true)
    if (r.status !== 200) throw new Error(`${tool}: HTTP ${r.status} ${new TextDecoder().decode(r.body).slice(0, 200)}`)
    return (JSON.parse(new TextDecoder().decode(r.body)) as { data: Record<string, unknown> }).data
  }
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
    const times = await sample(() => conn.send(req))
    const p50 = median(times)
    rows.push(`| ${name} | ${firstMs.toFixed(1)}${held} | ${p50Cell(times)} | ${goal === null ? '–' : `< ${goal}`} | ${goal === null ? '–' : p50 < goal ? 'yes' : 'NO'} | ${(r.body.length / 1024).toFixed(1)} |`)
  }
  if (ONLY === null) {
    await timed(`get_all_projects (${projects} projects)`, 'get_all_projects', {}, 50)
    await timed('get_runs_for_project (1,000 runs)', 'get_runs_for_project', { project: 'many-runs' }, 50)
    await timed('get_project_summary (1,000 runs)', 'get_project_summary', { project: 'many-runs' }, 200)
    await timed('list_runs with aggregates (1,000 runs)', 'list_runs', { project: 'many-runs', order_by: 'loss.min asc', limit: 20 }, 200)
    await timed('get_runs_for_project of each of 50 projects', 'get_runs_for_project', { project: 'p17' }, 50)
    await timed('get_run_summary (2,000,000 steps)', 'get_run_summary', { project: 'huge', run: 'two-million' }, 200, true)
    await timed('get_metric_history, whole 2,000,000-step run → 500 points', 'get_metric_history', { project: 'huge', runs: ['two-million'], metrics: ['loss'] }, null, true)
    await timed('get_metric_values around_step ± 100 (2,000,000 steps)', 'get_metric_values', { project: 'huge', run: 'two-million', metric_name: 'loss', around_step: 1_500_000, window: 100 }, 50)
    await timed('get_snapshot at a step (2,000,000 steps)', 'get_snapshot', { project: 'huge', run: 'two-million', step: 1_234_567 }, 50)
  }
  const real = { project: 'realistic', run: 'two-million-real' }
  await timed('realistic: get_runs_for_project (1 run, 2,000,000 own timestamps)', 'get_runs_for_project', { project: real.project }, 50, true)
  await timed('realistic: get_run_summary', 'get_run_summary', real, 200, true)
  await timed('realistic: get_metric_history loss, whole run → 500 points', 'get_metric_history', { project: real.project, runs: [real.run], metrics: ['loss'], max_points: 500 }, null, true)
  await timed('realistic: get_metric_history loss+acc+lr in one call → 3 × 500 points', 'get_metric_history', { project: real.project, runs: [real.run], metrics: ['loss', 'acc', 'lr'], max_points: 500 }, null, true)
  await timed('realistic: get_metric_values around_step ± 100', 'get_metric_values', { project: real.project, run: real.run, metric_name: 'loss', around_step: 1_500_000, window: 100 }, 50, true)
  notes.push(`server RSS after the realistic rows: ${rssMiB(server.proc.pid).toFixed(0)} MiB`)

  // Live writer on a fresh copy of `realistic`: one warm-up call per tool first, then the writer runs.
  await freshLiveCopy()
  const lp = { project: LIVE.project, run: LIVE.run }
  const tools: [string, object][] = [
    ['get_runs_for_project', { project: lp.project }],
    ['get_metric_history', { project: lp.project, runs: [lp.run], metrics: ['loss'], max_points: 500 }],
    ['get_run_summary', lp],
  ]
  const warm: string[] = []
  for (const [tool, body] of tools) {
    const t = performance.now()
    await ask(tool, body)
    warm.push(`${tool} ${ms(performance.now() - t)} ms`)
  }
  const before = (await ask('get_run_summary', lp)) as { num_logs: number }
  const reqs = tools.map(([tool, body]) => postRequest(HOST, server.port, `/api/${tool}`, JSON.stringify(body)))
  const lat: number[][] = tools.map(() => [])
  const errors = tools.map(() => 0)
  const waits: number[] = []
  writer = Bun.spawn(['bun', join(ROOT, 'bench', 'scale-writer.ts'), DATA, lp.project, lp.run, String(LIVE.rows), String(LIVE.everyMs), String(LIVE.forMs)], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'inherit',
  })
  let running = true
  const liveT0 = performance.now()
  const exited = writer.exited.then((code) => {
    running = false
    return code
  })
  const prober = (async () => {
    while (running) {
      const t = performance.now()
      await probeConn.send(probeReq)
      waits.push(performance.now() - t)
    }
  })()
  for (let k = 0; running; k++) {
    const j = k % tools.length
    const t = performance.now()
    const r = await conn.send(reqs[j]!)
    lat[j]!.push(performance.now() - t)
    if (process.env.SCALE_TRACE) console.error(`live ${tools[j]![0]} ${(t - liveT0).toFixed(0)} +${(performance.now() - t).toFixed(1)} ms`)
    if (r.status !== 200) errors[j]!++
  }
  await prober
  const code = await exited
  const out = await new Response(writer.stdout).text()
  writer = null
  if (code !== 0) throw new Error(`live writer exited with ${code}`)
  const w = JSON.parse(out.trim().split('\n').at(-1)!) as { batches: number; rows: number; firstStep: number; lastStep: number; appendP50: number; appendMax: number; seconds: number }
  tools.forEach(([tool], j) => {
    const xs = lat[j]!
    live.push(`| ${tool} | ${xs.length} | ${ms(median(xs))} | ${ms(p99(xs))} | ${ms(Math.max(...xs))} | ${errors[j]} |`)
  })
  live.push(`| get_all_projects (probe, second connection) | ${waits.length} | ${ms(median(waits))} | ${ms(p99(waits))} | ${ms(Math.max(...waits))} | – |`)
  const after = (await ask('get_run_summary', lp)) as { num_logs: number; last_step: number }
  const hist = (await ask('get_metric_history', tools[1]![1])) as { series: { total_points: number; steps: number[] }[] }
  const counted = after.num_logs === before.num_logs + w.rows && after.last_step === w.lastStep && hist.series[0]!.total_points === after.num_logs
  notes.push(
    `live writer: ${w.batches} batches, ${w.rows} rows (steps ${w.firstStep}–${w.lastStep}) in ${w.seconds.toFixed(1)} s, append p50 ${ms(w.appendP50)} ms, max ${ms(w.appendMax)} ms; ` +
      `warm-up before it (first call each, on the fresh copy): ${warm.join(', ')}`,
  )
  notes.push(
    `after the writer: get_run_summary num_logs ${before.num_logs} → ${after.num_logs}, last_step ${after.last_step}, get_metric_history total_points ${hist.series[0]!.total_points}, ` +
      `last step in its answer ${hist.series[0]!.steps.at(-1)}: ${counted ? 'every added row counted' : 'ROWS MISSING'}`,
  )
  conn.close()
  probeConn.close()

  // The downsampled view, through the function the agent tools and dashboard use.
  const storage = new Storage(DATA)
  const inProcess = (project: string, run: string, metric: string, label: string, zoomFrom: number | null) => {
    const p = storage.project(project)!
    const f = p.read(() => resolveRun(p, 'metrics', run, null))!
    let t = performance.now()
    const whole = seriesWindow(p, f, metric)!
    const cold = performance.now() - t
    const s = p.read(() => cachedSeries(p, f, metric))!
    const kept = seriesCacheStats()
    const stampBytes = s.bytes - s.length * 25 - s.extraBytes - 256
    const mib = (x: number) => `${(x / 1048576).toFixed(0)} MiB`
    seriesBytes.set(`${project}/${metric}`, s.bytes)
    notes.push(
      `series ${project}/${metric}: ${s.length.toLocaleString('en')} points, ${s.stamps.length.toLocaleString('en')} distinct timestamps, ${mib(s.bytes)} ` +
        `(points ${mib(s.length * 25)}, timestamps ${mib(stampBytes)}, spellings kept aside ${mib(s.extraBytes)}); cache now ${kept.series} series, ${mib(kept.bytes)}`,
    )
    // A series over the cache's bound is read again by every call: one sample says what a call costs.
    const budget = s.bytes > SERIES_CACHE_BYTES ? 0 : ROW_BUDGET_MS
    const uncached = s.bytes > SERIES_CACHE_BYTES ? ' (not cached: over the bound)' : ''
    return (async () => {
      const warmT = await sample(() => seriesWindow(p, f, metric, -Infinity, Infinity, 1000), budget)
      rows.push(`| seriesWindow, ${label} → ${whole.steps.length} points | ${cold.toFixed(0)} (reads the series) | ${p50Cell(warmT)}${uncached} | < 50 | ${median(warmT) < 50 ? 'yes' : 'NO'} | – |`)
      if (zoomFrom === null) return
      let k = 0
      const zoom = await sample(() => seriesWindow(p, f, metric, zoomFrom + k, zoomFrom + 100_000 + k++, 1000), budget)
      rows.push(`| seriesWindow, ${label}, 100,000-step zoom → 1,000 points | – | ${p50Cell(zoom)} | < 10 | ${median(zoom) < 10 ? 'yes' : 'NO'} | – |`)
    })()
  }
  if (ONLY === null) await inProcess('huge', 'two-million', 'loss', 'whole 2,000,000-step run', 1_000_000)
  for (const metric of ['loss', 'acc', 'lr']) await inProcess('realistic', real.run, metric, `realistic ${metric}, whole run`, metric === 'loss' ? 1_000_000 : null)
  storage.close()
} finally {
  printReport()
  if (writer) {
    writer.kill('SIGTERM')
    await writer.exited
  }
  server.proc.kill('SIGTERM')
  await server.proc.exited
}
