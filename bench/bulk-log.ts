/**
 * A 50,000-entry bulk_log as Trackio's Python client sends it after a burst or an outage (one
 * request, ~10 MB, Python's json.dumps spacing): `bun bench/bulk-log.ts [--entries N] [--runs R]`.
 * Each run starts dist/trackio (test/helpers' startServer) on an empty data directory and measures
 * the request's wall time and the server's CPU time for it (the fairer figure on a shared machine),
 * the server's peak RSS (VmHWM), the longest answer time of reads of another project and of the
 * same project while the batch is written, and a retry of the same batch (must add nothing).
 * Prints a Markdown table, each run's wall time and peak RSS against the goals (issue #11).
 */
import { Database } from 'bun:sqlite'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '../test/helpers'

/** Goals for a 50,000-entry batch on the development machine. */
const GOAL_WALL_MS = 1000
const GOAL_PEAK_MIB = 200

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const ENTRIES = option('entries', 50_000)
const RUNS = option('runs', 3)
/** --readers 0 measures the batch alone (its CPU time without the reads' share). */
const READERS = option('readers', 1)

/** A uuid4().hex stand-in, the same for a step every time: 32 hex digits in random order (as the client's ids are, for the log_id index). */
function logId(step: number): string {
  const hex = (s: string) => Bun.hash(s).toString(16).padStart(16, '0').slice(-16)
  return hex(`a${step}`) + hex(`b${step}`)
}

/** The client's body: every kwarg under "kwargs", ", " / ": " separators, hex ids, config on the first entry. */
function clientBody(project: string, n: number, offset = 0): string {
  const runId = 'f9737c4142bb44f3a2e336f9052040e6'
  const parts: string[] = []
  for (let i = 0; i < n; i++) {
    const step = offset + i
    const config = i === 0 ? '{"_Username": null, "_Created": "2026-12-02T10:32:26.899768+00:00", "_Group": null}' : 'null'
    parts.push(
      `{"project": "${project}", "run": "r1", "run_id": "${runId}", "metrics": {"loss": ${1 / (step + 1)}, "i": ${step}}, ` +
        `"step": ${step}, "config": ${config}, "log_id": "${logId(step)}"}`,
    )
  }
  return `{"args": [], "kwargs": {"logs": [${parts.join(', ')}], "hf_token": null}}`
}

async function post(base: string, token: string, tool: string, body: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${base}/api/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-trackio-write-token': token }, body })
  return { status: r.status, text: await r.text() }
}

/** CPU time (user + system) the process has used, in ms: wall time on a busy machine says little. */
function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

function procKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : NaN
}

/** Sequential reads until `stop` resolves; returns the longest answer time in ms. */
async function readLoop(base: string, body: string, stop: { done: boolean }): Promise<{ max: number; n: number }> {
  let max = 0
  let n = 0
  while (!stop.done) {
    const t0 = performance.now()
    const r = await fetch(`${base}/api/get_run_summary`, { method: 'POST', body })
    await r.text()
    max = Math.max(max, performance.now() - t0)
    n++
    await Bun.sleep(2)
  }
  return { max, n }
}

interface Row {
  wall: number
  cpu: number
  retry: number
  rssBefore: number
  peak: number
  otherMax: number
  sameMax: number
  reads: number
  rows: number
}

async function once(body: string): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'trackio-bench-bulk-'))
  const server = await startServer(dir)
  const { url: base, proc, token } = server
  try {
    // Two projects with a run already: reads of both keep going while the batch is written.
    await post(base, token, 'bulk_log', clientBody('other', 10))
    await post(base, token, 'bulk_log', clientBody('burst', 10, 10_000_000))
    const rssBefore = procKiB(proc.pid, 'VmRSS')
    const stop = { done: false }
    const idle = Promise.resolve({ max: 0, n: 0 })
    const other = READERS ? readLoop(base, '{"project": "other", "run": "r1"}', stop) : idle
    const same = READERS ? readLoop(base, '{"project": "burst", "run": "r1"}', stop) : idle
    await Bun.sleep(50)
    const cpu0 = procCpuMs(proc.pid)
    const t0 = performance.now()
    const r = await post(base, token, 'bulk_log', body)
    const wall = performance.now() - t0
    const cpu = procCpuMs(proc.pid) - cpu0
    stop.done = true
    const [o, s] = await Promise.all([other, same])
    if (r.status !== 200) throw new Error(`bulk_log answered ${r.status}: ${r.text.slice(0, 300)}`)
    const t1 = performance.now()
    const again = await post(base, token, 'bulk_log', body)
    const retry = performance.now() - t1
    if (again.status !== 200) throw new Error(`retry answered ${again.status}`)
    const peak = procKiB(proc.pid, 'VmHWM')
    const db = new Database(join(dir, 'burst.db'), { readonly: true })
    const rows = (db.query('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n - 10
    db.close()
    return { wall, cpu, retry, rssBefore, peak, otherMax: o.max, sameMax: s.max, reads: o.n + s.n, rows }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const body = clientBody('burst', ENTRIES)
console.error(`body: ${ENTRIES} entries, ${(body.length / 1e6).toFixed(1)} MB`)
const rows: Row[] = []
for (let i = 0; i < RUNS; i++) rows.push(await once(body))
const mib = (kib: number) => (kib / 1024).toFixed(0)
console.log(`load average before: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${navigator.hardwareConcurrency} CPUs`)
console.log(`| run | wall (ms) | server CPU (ms) | retry (ms) | RSS before (MiB) | peak RSS (MiB) | longest read, other project (ms) | longest read, same project (ms) | reads during | rows stored |`)
console.log('|---|---|---|---|---|---|---|---|---|---|')
rows.forEach((r, i) =>
  console.log(`| ${i + 1} | ${r.wall.toFixed(0)} | ${r.cpu.toFixed(0)} | ${r.retry.toFixed(0)} | ${mib(r.rssBefore)} | ${mib(r.peak)} | ${r.otherMax.toFixed(0)} | ${r.sameMax.toFixed(0)} | ${r.reads} | ${r.rows} |`),
)
console.log()
rows.forEach((r, i) => {
  const wall = `wall ${r.wall.toFixed(0)} ms ${r.wall < GOAL_WALL_MS ? 'meets' : 'misses'} the goal (< ${GOAL_WALL_MS} ms)`
  const peak = `peak RSS ${mib(r.peak)} MiB ${r.peak / 1024 < GOAL_PEAK_MIB ? 'meets' : 'misses'} the goal (< ${GOAL_PEAK_MIB} MiB)`
  console.log(`run ${i + 1}: ${wall}; ${peak}`)
})
