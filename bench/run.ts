/**
 * Benchmark of the compiled server: `bun bench/run.ts` (or `bun run bench`).
 * Writes a large Trackio project once (bench data in .bench-data/), starts dist/trackio on it (test/helpers'
 * startServer, which builds it when older than src/) and measures requests per second and p50/p99 latency
 * per tool, then prints a Markdown table.
 * Options: --duration S (seconds per scenario, default 3), --concurrency N (default 16).
 */
import { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startServer } from '../test/helpers'
import { writeBenchData } from './data'

const ROOT = resolve(import.meta.dir, '..')
const DATA = join(ROOT, '.bench-data')

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const DURATION_S = option('duration', 3)
const CONCURRENCY = option('concurrency', 16)

interface Scenario {
  name: string
  tool: string
  body: unknown
  /** Concurrent clients; big answers run one at a time. */
  concurrency?: number
}

const SCENARIOS: Scenario[] = [
  { name: 'get_all_projects', tool: 'get_all_projects', body: {} },
  { name: 'get_settings', tool: 'get_settings', body: {} },
  { name: 'get_runs_for_project (21 runs)', tool: 'get_runs_for_project', body: { project: 'perf' } },
  { name: 'get_project_summary', tool: 'get_project_summary', body: { project: 'perf' } },
  { name: 'get_run_summary long-run', tool: 'get_run_summary', body: { project: 'perf', run: 'long-run' } },
  { name: 'get_metrics_for_run long-run', tool: 'get_metrics_for_run', body: { project: 'perf', run: 'long-run' } },
  { name: 'get_metric_values around_step±10', tool: 'get_metric_values', body: { project: 'perf', run: 'long-run', metric_name: 'loss', around_step: 100000, window: 10 } },
  { name: 'get_metric_values step', tool: 'get_metric_values', body: { project: 'perf', run: 'long-run', metric_name: 'loss', step: 123456 } },
  { name: 'get_snapshot around_step±5', tool: 'get_snapshot', body: { project: 'perf', run: 'long-run', around_step: 150000, window: 5 } },
  { name: 'get_alerts', tool: 'get_alerts', body: { project: 'perf' } },
  { name: 'get_system_metrics_for_run', tool: 'get_system_metrics_for_run', body: { project: 'perf', run: 'long-run' } },
  { name: 'get_logs sweep (2,000 rows)', tool: 'get_logs', body: { project: 'perf', run: 'sweep-07' }, concurrency: 4 },
  { name: 'get_system_logs (5,000 → 3,000)', tool: 'get_system_logs', body: { project: 'perf', run: 'long-run' }, concurrency: 2 },
  { name: 'get_logs long-run (200,000 → 3,000)', tool: 'get_logs', body: { project: 'perf', run: 'long-run' }, concurrency: 1 },
  { name: 'get_metric_values full (200,000 points)', tool: 'get_metric_values', body: { project: 'perf', run: 'long-run', metric_name: 'loss' }, concurrency: 1 },
]

async function ensureData(): Promise<void> {
  if (existsSync(join(DATA, 'perf.db'))) return
  const t0 = performance.now()
  await writeBenchData(DATA)
  console.error(`wrote bench data in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function measure(url: string, s: Scenario): Promise<{ rps: number; p50: number; p99: number; bytes: number; n: number }> {
  const body = JSON.stringify(s.body)
  const target = `${url}/api/${s.tool}`
  const call = async () => {
    const t = performance.now()
    const r = await fetch(target, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    const text = await r.arrayBuffer()
    if (r.status !== 200) throw new Error(`${s.tool}: HTTP ${r.status}`)
    return { ms: performance.now() - t, bytes: text.byteLength }
  }
  await call() // warm-up (memoised derived values, page cache)
  const latencies: number[] = []
  let bytes = 0
  const end = performance.now() + DURATION_S * 1000
  const start = performance.now()
  // Slow scenarios still get at least 10 samples, so their p50 is a median, not one request.
  const worker = async () => {
    while (performance.now() < end || latencies.length < 10) {
      const r = await call()
      latencies.push(r.ms)
      bytes = r.bytes
    }
  }
  await Promise.all(Array.from({ length: s.concurrency ?? CONCURRENCY }, worker))
  const elapsed = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), bytes, n: latencies.length }
}

/** The floor for the full get_metric_values: bench/bare.ts, a plain script in a fresh process. */
function bareBaseline(): number {
  const r = Bun.spawnSync(['bun', join(import.meta.dir, 'bare.ts'), join(DATA, 'perf.db')], { stdout: 'pipe', stderr: 'inherit' })
  return Number(r.stdout.toString().trim())
}

function queryPlan(): string {
  const db = new Database(join(DATA, 'perf.db'), { readonly: true })
  const plan = db
    .query("EXPLAIN QUERY PLAN SELECT timestamp, step, metrics FROM metrics WHERE run_id = ? AND step BETWEEN ? AND ? ORDER BY timestamp")
    .values('x', 1, 2)
    .map((r) => String(r[3]))
    .join('; ')
  db.close()
  return plan
}

async function rss(pid: number): Promise<string> {
  try {
    const status = await Bun.file(`/proc/${pid}/status`).text()
    return status.match(/VmRSS:\s+(\d+) kB/)?.[1] ? `${Math.round(Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) / 1024)} MiB` : '?'
  } catch {
    return '?'
  }
}

await ensureData()
const server = await startServer(DATA)
try {
  const rows: string[] = []
  let fullMs = 0
  for (const s of SCENARIOS) {
    const r = await measure(server.url, s)
    if (s.name.startsWith('get_metric_values full')) fullMs = r.p50
    rows.push(
      `| ${s.name} | ${s.concurrency ?? CONCURRENCY} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.bytes / 1024).toFixed(1)} |`,
    )
  }
  const bare = bareBaseline()
  console.log(`\ntrackio-server bench: project perf (long-run 200,000 steps × 5 metrics, 20 sweeps × 2,000 steps), ${DURATION_S} s per row\n`)
  console.log('| scenario | clients | req/s | p50 ms | p99 ms | response KiB |')
  console.log('|---|---:|---:|---:|---:|---:|')
  for (const r of rows) console.log(r)
  console.log(`\nfull get_metric_values p50 ${fullMs.toFixed(0)} ms vs bare bun:sqlite query + JSON.stringify ${bare.toFixed(0)} ms: ratio ${(fullMs / bare).toFixed(2)} (goal ≤ 1.5)`)
  console.log(`around_step query plan: ${queryPlan()}`)
  console.log(`server RSS after the run: ${await rss(server.proc.pid)}`)
} finally {
  await server.stop()
}
