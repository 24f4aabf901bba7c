/**
 * The agent read tools on the 200,000-step run: `bun bench/agent-tools.ts` (after `bun run build`).
 * Copies /work/shared/fixtures/large (or --data DIR holding perf.db) to a temporary directory,
 * starts dist/trackio on it and prints, per call, the first (cold) and median warm latency, the
 * answer size in bytes and tokens (bytes/4), and for downsampled curves whether the full series'
 * min and max are still in the answer.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '..')
const BIN = join(ROOT, 'dist', 'trackio')
const i = process.argv.indexOf('--data')
const SOURCE = i > 0 ? process.argv[i + 1]! : '/work/shared/fixtures/large'
const WARM = 5

interface Case {
  name: string
  tool: string
  body: Record<string, unknown>
  check?: (data: any) => string
}

const dir = mkdtempSync(join(tmpdir(), 'trackio-agent-bench-'))
cpSync(join(SOURCE, 'perf.db'), join(dir, 'perf.db'))
const proc = Bun.spawn([BIN, 'show', '--port', '0'], { env: { PATH: process.env.PATH ?? '', HOME: dir, TRACKIO_DIR: dir }, stdout: 'pipe', stderr: 'inherit' })

async function serverUrl(): Promise<string> {
  const reader = proc.stdout.getReader()
  let out = ''
  while (true) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`server exited: ${out}`)
    out += new TextDecoder().decode(value)
    const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/)
    if (m) {
      reader.releaseLock()
      return `http://127.0.0.1:${m[1]}`
    }
  }
}

try {
  const url = await serverUrl()
  const post = async (tool: string, body: unknown) => {
    const t = performance.now()
    const r = await fetch(`${url}/api/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const text = await r.text()
    return { ms: performance.now() - t, status: r.status, text }
  }
  // The full series, for checking that downsampled answers keep its extremes.
  const full = JSON.parse((await post('get_metric_values', { project: 'perf', run: 'long-run', metric_name: 'loss' })).text).data as { value: number }[]
  const values = full.map((p) => p.value)
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const keepsExtrema = (vals: (number | null)[]) => (vals.includes(lo) && vals.includes(hi) ? 'min and max kept' : 'min/max LOST')
  const history = (downsample: string): Case => ({
    name: `get_metric_history long-run loss (${downsample}, 500)`,
    tool: 'get_metric_history',
    body: { project: 'perf', runs: ['long-run'], metrics: ['loss'], downsample },
    check: (d) => `${d.series[0].returned_points} of ${d.series[0].total_points}; ${keepsExtrema(d.series[0].values)}`,
  })
  const cases: Case[] = [
    { name: 'get_metric_values long-run loss (full)', tool: 'get_metric_values', body: { project: 'perf', run: 'long-run', metric_name: 'loss' }, check: (d) => `${d.length} points` },
    {
      name: 'get_metric_values long-run loss (max_points 500)',
      tool: 'get_metric_values',
      body: { project: 'perf', run: 'long-run', metric_name: 'loss', max_points: 500 },
      check: (d) => `${d.length} points; ${keepsExtrema(d.map((p: any) => p.value))}`,
    },
    history('minmax'),
    history('lttb'),
    {
      name: 'get_metric_history 21 runs x 2 metrics (200 each)',
      tool: 'get_metric_history',
      body: { project: 'perf', runs: ['long-run', ...Array.from({ length: 20 }, (_, k) => `sweep-${String(k).padStart(2, '0')}`)], metrics: ['loss', 'acc'], max_points: 200 },
      check: (d) => `${d.series.length} series`,
    },
    { name: 'get_logs long-run (max_points 500)', tool: 'get_logs', body: { project: 'perf', run: 'long-run', max_points: 500 }, check: (d) => `${d.length} rows` },
    { name: 'list_runs best by loss.last (21 runs)', tool: 'list_runs', body: { project: 'perf', order_by: 'loss.last asc', limit: 1 }, check: (d) => `best: ${d.runs[0].name}` },
    { name: 'list_runs filter config.lr > 0.001 and acc.last > 0.5', tool: 'list_runs', body: { project: 'perf', filter: 'config.lr > 0.001 and acc.last > 0.5' }, check: (d) => `${d.matched} matched` },
    { name: 'compare_runs sweep-00 vs sweep-01', tool: 'compare_runs', body: { project: 'perf', runs: ['sweep-00', 'sweep-01'] }, check: (d) => `${d.metrics.length} metrics` },
    { name: 'diagnose_run long-run (5 metrics, 200,000 points each)', tool: 'diagnose_run', body: { project: 'perf', run: 'long-run' }, check: (d) => d.metrics.map((m: any) => `${m.metric}: ${m.trend}`).join(', ') },
    { name: 'get_changes (first call)', tool: 'get_changes', body: {}, check: (d) => `${d.summary.length} project(s)` },
  ]
  console.log('| call | cold ms | warm ms (median of 5) | bytes | tokens (bytes/4) | result |')
  console.log('|---|---:|---:|---:|---:|---|')
  for (const c of cases) {
    const cold = await post(c.tool, c.body)
    if (cold.status !== 200) throw new Error(`${c.name}: ${cold.status} ${cold.text.slice(0, 300)}`)
    const warm: number[] = []
    for (let k = 0; k < WARM; k++) warm.push((await post(c.tool, c.body)).ms)
    warm.sort((a, b) => a - b)
    const data = JSON.parse(cold.text).data
    console.log(`| ${c.name} | ${cold.ms.toFixed(0)} | ${warm[WARM >> 1]!.toFixed(0)} | ${cold.text.length.toLocaleString('en')} | ${Math.round(cold.text.length / 4).toLocaleString('en')} | ${c.check?.(data) ?? ''} |`)
  }
} finally {
  proc.kill()
  await proc.exited
  rmSync(dir, { recursive: true, force: true })
}
