/**
 * Side-by-side benchmark: `bun bench/side-by-side.ts` (not run in CI).
 *
 * Starts Trackio's own server (Trackio 0.36 via ../shared/upstream/serve.py, TRACKIO_MIRROR) and ours
 * (dist/trackio) on two fresh copies of ../shared/fixtures/large (one run of 200,000 steps x 5
 * metrics, 20 runs of 2,000 steps) and measures each scenario on both in ABBA order (ours, Trackio,
 * Trackio, ours) with a raw keep-alive HTTP client (bench/http-client.ts): requests/s and p50/p99,
 * the ratio, and whether the two answers are byte-identical. Beside each figure it prints its limit:
 * the client's own ceiling (a trivial Bun.serve answering a small JSON), the time to serialise the
 * same 200,000 points from memory, 10 ms for get_logs of 2,000 rows, 10 ms for the downsampled view.
 * Repeated requests are answered from our request cache (src/transports/http/request-cache.ts); the
 * full series is also measured with that cache bypassed (a different body spelling per request).
 * When Trackio's server cannot start it says why and measures ours alone.
 *
 * Options: --duration S (seconds per side per round, default 2), --clients N (default 8),
 * --no-upstream (ours alone), --no-pin (no taskset: client and servers share every core),
 * --data DIR (a Trackio data directory holding perf.db instead of the shared fixture).
 * Servers are pinned to CPU 0 and this client to CPU 1 when the machine has two or more.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Database } from 'bun:sqlite'
import { Storage } from '../src/storage/db/connection'
import { resolveRun } from '../src/storage/read/runs'
import { clearSeriesCache, seriesWindow } from '../src/storage/read/series-cache'
import { Connection, load, percentile, postRequest, type LoadResult } from './http-client'

const ROOT = resolve(import.meta.dir, '..')
const BIN = join(ROOT, 'dist', 'trackio')
const SHARED = resolve(ROOT, '..', '..', 'shared')
const UPSTREAM = existsSync(join(SHARED, 'upstream', 'serve.py')) ? join(SHARED, 'upstream', 'serve.py') : '/work/shared/upstream/serve.py'
const MIRROR = process.env.TRACKIO_MIRROR ?? '/work/.mirror/gradio-app+trackio/repo'
const HOST = '127.0.0.1'

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  const doc = readFileSync(import.meta.path, 'utf8').match(/\/\*\*([\s\S]*?)\*\//)![1]!
  console.log(doc.replace(/^ \* ?/gm, '').trim())
  process.exit(0)
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const flag = (name: string) => process.argv.includes(`--${name}`)
const DURATION = Number(option('duration', '2'))
const CLIENTS = Number(option('clients', '8'))
const DATA = option('data', existsSync(join(SHARED, 'fixtures', 'large')) ? join(SHARED, 'fixtures', 'large') : '/work/shared/fixtures/large')
const PIN = !flag('no-pin') && availableParallelism() >= 2 && Bun.which('taskset') !== null
const SERVER_CPU = '0'
const CLIENT_CPU = '1'

interface Scenario {
  name: string
  tool: string
  body: object
  clients: number
  /** A figure this scenario must reach, printed beside it. */
  limit?: (ours: Measured, ctx: Limits) => string
}

interface Measured {
  rps: number
  p50: number
  p99: number
  n: number
  errors: number
  firstError?: string
}

interface Limits {
  ceiling: number
  serialiseMs: number
  /** p50 of a trivial Bun.serve answering the same points serialised from memory on each request. */
  serveMs: number
}

const SMALL = (m: Measured, l: Limits) => `${fmtRps(m.rps)} of >= 20,000 (client ceiling ${fmtRps(l.ceiling)})`

const SCENARIOS: Scenario[] = [
  { name: 'get_all_projects', tool: 'get_all_projects', body: {}, clients: CLIENTS, limit: SMALL },
  { name: 'get_runs_for_project (21 runs)', tool: 'get_runs_for_project', body: { project: 'perf' }, clients: CLIENTS, limit: SMALL },
  {
    name: 'get_metric_values, full 200,000 points',
    tool: 'get_metric_values',
    body: { project: 'perf', run: 'long-run', metric_name: 'loss' },
    clients: 1,
    limit: (m, l) =>
      `p50 ${m.p50.toFixed(0)} ms vs ${l.serialiseMs.toFixed(0)} ms serialising from memory: ${(m.p50 / l.serialiseMs).toFixed(2)}x; ` +
      `vs ${l.serveMs.toFixed(0)} ms serialising and sending from a trivial Bun.serve: ${(m.p50 / l.serveMs).toFixed(2)}x (<= 2x; goal < 100 ms)`,
  },
  {
    name: 'get_metric_values, around_step ± 100',
    tool: 'get_metric_values',
    body: { project: 'perf', run: 'long-run', metric_name: 'loss', around_step: 100000, window: 100 },
    clients: CLIENTS,
    limit: SMALL,
  },
  { name: 'get_run_summary', tool: 'get_run_summary', body: { project: 'perf', run: 'long-run' }, clients: CLIENTS, limit: SMALL },
  {
    name: 'get_logs, 2,000-step run',
    tool: 'get_logs',
    body: { project: 'perf', run: 'sweep-07' },
    clients: CLIENTS,
    limit: (m) => `p50 ${m.p50.toFixed(1)} ms (< 10 ms)`,
  },
  { name: 'get_alerts', tool: 'get_alerts', body: { project: 'perf' }, clients: CLIENTS, limit: SMALL },
  { name: 'get_snapshot at a step', tool: 'get_snapshot', body: { project: 'perf', run: 'long-run', step: 123456 }, clients: CLIENTS, limit: SMALL },
  {
    name: 'get_logs_batch, 3 runs of 2,000 steps',
    tool: 'get_logs_batch',
    body: { project: 'perf', runs: [{ run: 'sweep-01' }, { run: 'sweep-02' }, { run: 'sweep-03' }] },
    clients: CLIENTS,
    limit: (m) => `p50 ${m.p50.toFixed(1)} ms`,
  },
  {
    name: 'query_project, an indexed lookup (11 rows)',
    tool: 'query_project',
    body: {
      project: 'perf',
      query: "SELECT step, timestamp FROM metrics WHERE run_id = (SELECT run_id FROM configs WHERE run_name = 'sweep-07') AND step BETWEEN 1000 AND 1010",
    },
    clients: CLIENTS,
    limit: (m) => `p50 ${m.p50.toFixed(1)} ms (a repeated stable query is answered from the request cache)`,
  },
  {
    name: 'query_project, a scan of 240,000 rows',
    tool: 'query_project',
    body: { project: 'perf', query: "SELECT COUNT(*) AS n, MAX(step) AS last FROM metrics WHERE run_name = 'sweep-07'" },
    clients: CLIENTS,
    limit: (m) => `p50 ${m.p50.toFixed(1)} ms (from the request cache; run afresh it is SQLite's own scan, the same work on both servers)`,
  },
]

const fmtRps = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : 2))

function pin(pid: number, cpu: string): void {
  if (PIN) Bun.spawnSync(['taskset', '-a', '-p', '-c', cpu, String(pid)], { stdout: 'ignore', stderr: 'ignore' })
}

function freePort(): number {
  const l = Bun.listen({ hostname: HOST, port: 0, socket: { data() {} } })
  const port = l.port
  l.stop(true)
  return port
}

function copyData(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `trackio-sbs-${label}-`))
  cpSync(DATA, dir, { recursive: true })
  Bun.spawnSync(['chmod', '-R', 'u+w', dir])
  return dir
}

async function waitFor(port: number, proc: Bun.Subprocess, seconds: number): Promise<string | null> {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return `exited with code ${proc.exitCode}`
    try {
      const r = await fetch(`http://${HOST}:${port}/version`)
      if (r.ok) return null
    } catch {
      /* not listening yet */
    }
    await Bun.sleep(200)
  }
  return `no answer on /version within ${seconds} s`
}

interface Server {
  name: string
  port: number
  proc: Bun.Subprocess
  stderr: () => string
}

async function startOurs(dir: string): Promise<Server> {
  const port = freePort()
  // No warm-up: it reads the 200,000-step run once after start (a few seconds of the one pinned core),
  // which would land in the first scenario's rounds; this bench measures requests in steady state
  // (bench/scale.ts measures the warm-up).
  const proc = Bun.spawn([BIN, 'show', '--port', String(port), '--no-warm-up'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TRACKIO_DIR: dir },
    stdout: 'ignore',
    stderr: 'pipe',
  })
  pin(proc.pid, SERVER_CPU)
  let err = ''
  void (async () => {
    for await (const c of proc.stderr as ReadableStream<Uint8Array>) err += new TextDecoder().decode(c)
  })()
  const failed = await waitFor(port, proc, 30)
  if (failed) throw new Error(`our server did not start: ${failed}\n${err}`)
  return { name: 'ours', port, proc, stderr: () => err }
}

async function startTrackio(dir: string): Promise<Server | string> {
  if (flag('no-upstream')) return 'not started (--no-upstream)'
  if (!existsSync(UPSTREAM)) return `not started: ${UPSTREAM} is missing`
  if (!existsSync(MIRROR)) return `not started: the Trackio repository (TRACKIO_MIRROR=${MIRROR}) is missing`
  if (!Bun.which('python3')) return 'not started: python3 is missing'
  const port = freePort()
  const proc = Bun.spawn(['python3', UPSTREAM, '--dir', dir, '--port', String(port), '--write-token', 'bench-token'], {
    env: { ...process.env, TRACKIO_MIRROR: MIRROR },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  pin(proc.pid, SERVER_CPU)
  let out = ''
  for (const s of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[])
    void (async () => {
      for await (const c of s) out += new TextDecoder().decode(c)
    })()
  const failed = await waitFor(port, proc, 90)
  if (failed) {
    proc.kill('SIGKILL')
    return `could not be started (${failed}): ${out.trim().split('\n').slice(-3).join(' | ')}`
  }
  // uvicorn starts worker threads after listening: pin those too.
  pin(proc.pid, SERVER_CPU)
  return { name: 'trackio', port, proc, stderr: () => out }
}

async function once(s: Server, sc: Scenario): Promise<{ status: number; body: Uint8Array }> {
  const c = new Connection(HOST, s.port)
  await c.open()
  try {
    return await c.send(postRequest(HOST, s.port, `/api/${sc.tool}`, JSON.stringify(sc.body)), true)
  } finally {
    c.close()
  }
}

async function measure(s: Server, sc: Scenario, seconds: number, minRequests: number): Promise<LoadResult> {
  return load(HOST, s.port, postRequest(HOST, s.port, `/api/${sc.tool}`, JSON.stringify(sc.body)), sc.clients, seconds, minRequests)
}

function combine(parts: LoadResult[]): Measured {
  const all = Float64Array.from(parts.flatMap((p) => [...p.latencies])).sort()
  const n = all.length
  const secs = parts.reduce((a, p) => a + p.seconds, 0)
  return {
    rps: n / secs,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    n,
    errors: parts.reduce((a, p) => a + p.errors, 0),
    firstError: parts.find((p) => p.firstError)?.firstError,
  }
}

/** The client's ceiling: a trivial Bun.serve answering a small JSON, pinned like the servers. */
async function clientCeiling(): Promise<number> {
  const port = freePort()
  const proc = Bun.spawn(['bun', '-e', `Bun.serve({hostname:'${HOST}',port:${port},fetch:()=>new Response('{"data":["perf"]}',{headers:{'content-type':'application/json'}})})`], {
    stdout: 'ignore',
    stderr: 'inherit',
  })
  pin(proc.pid, SERVER_CPU)
  try {
    const failed = await waitFor(port, proc, 10)
    if (failed) return NaN
    const req = postRequest(HOST, port, '/api/get_all_projects', '{}')
    await load(HOST, port, req, CLIENTS, 0.3)
    const r = await load(HOST, port, req, CLIENTS, DURATION)
    return r.requests / r.seconds
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
  }
}

const POINTS_SQL = "SELECT timestamp, step, CAST(metrics AS TEXT) ->> '$.loss' AS value FROM metrics WHERE run_id = (SELECT run_id FROM metrics WHERE run_name = 'long-run' LIMIT 1) ORDER BY timestamp"

/** Median time to serialise the 200,000 points of the full series from memory (JSON.stringify + UTF-8). */
function serialiseFromMemory(dir: string): number {
  const db = new Database(join(dir, 'perf.db'), { readonly: true })
  const points = db.query(POINTS_SQL).all()
  db.close()
  const enc = new TextEncoder()
  const times: number[] = []
  for (let i = 0; i < 7; i++) {
    const t = performance.now()
    enc.encode(JSON.stringify({ data: points }))
    times.push(performance.now() - t)
  }
  return times.sort((a, b) => a - b)[3]!
}

/**
 * The same over HTTP: a trivial Bun.serve (pinned like the servers) holding the points in memory and
 * serialising them on each request, measured with the same client: p50 of 9 requests.
 */
async function serveFromMemory(dir: string): Promise<number> {
  const port = freePort()
  const script = `import { Database } from 'bun:sqlite'
const db = new Database(${JSON.stringify(join(dir, 'perf.db'))}, { readonly: true })
const points = db.query(${JSON.stringify(POINTS_SQL)}).all()
Bun.serve({ hostname: '${HOST}', port: ${port}, fetch: () => new Response(JSON.stringify({ data: points }), { headers: { 'content-type': 'application/json' } }) })`
  const proc = Bun.spawn(['bun', '-e', script], { stdout: 'ignore', stderr: 'inherit' })
  pin(proc.pid, SERVER_CPU)
  try {
    if (await waitFor(port, proc, 60)) return NaN
    const r = await load(HOST, port, postRequest(HOST, port, '/', '{}'), 1, 0, 9)
    return percentile(r.latencies, 50)
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
  }
}

/** The downsampled (1,000-point, extrema-kept) view of the 200,000-step run via seriesWindow. */
function downsampled(dir: string): { coldMs: number; warmMs: number; points: number } {
  const storage = new Storage(dir)
  const p = storage.project('perf')!
  clearSeriesCache()
  const f = p.read(() => resolveRun(p, 'metrics', 'long-run', null))!
  let t = performance.now()
  seriesWindow(p, f, 'loss', -Infinity, Infinity, 1000)
  const coldMs = performance.now() - t
  const times: number[] = []
  let points = 0
  for (let i = 0; i < 21; i++) {
    t = performance.now()
    points = seriesWindow(p, f, 'loss', 50000, 150000 + i, 1000)!.steps.length
    times.push(performance.now() - t)
  }
  storage.close()
  clearSeriesCache()
  return { coldMs, warmMs: times.sort((a, b) => a - b)[10]!, points }
}

/**
 * p50 of the full series from our server when the request cache cannot answer: each of 9 requests
 * spells its body differently (trailing spaces), so each is computed (from the series cache) and sent.
 */
async function uncachedSeriesP50(s: Server): Promise<number> {
  const c = new Connection(HOST, s.port)
  await c.open()
  const times: number[] = []
  try {
    const body = JSON.stringify({ project: 'perf', run: 'long-run', metric_name: 'loss' })
    for (let i = 1; i <= 9; i++) {
      const t = performance.now()
      const r = await c.send(postRequest(HOST, s.port, '/api/get_metric_values', body + ' '.repeat(i)))
      if (r.status !== 200) throw new Error(`uncached series: HTTP ${r.status}`)
      times.push(performance.now() - t)
    }
  } finally {
    c.close()
  }
  return times.sort((a, b) => a - b)[4]!
}

function rssMiB(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)
    return m ? Number(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  const dec = new TextDecoder()
  return `differ at byte ${i} (${a.length} vs ${b.length} bytes): ours …${dec.decode(a.subarray(Math.max(0, i - 40), i + 40))}… Trackio …${dec.decode(b.subarray(Math.max(0, i - 40), i + 40))}…`
}

async function main(): Promise<void> {
  if (!existsSync(join(DATA, 'perf.db'))) throw new Error(`no perf.db in ${DATA} (pass --data DIR)`)
  if (!flag('no-build')) {
    const b = Bun.spawnSync(['bun', 'build.ts'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
    if (b.exitCode !== 0) throw new Error('build failed')
  }
  pin(process.pid, CLIENT_CPU)
  const oursDir = copyData('ours')
  const theirsDir = copyData('trackio')
  const servers: Server[] = []
  try {
    const ceiling = await clientCeiling()
    const serialiseMs = serialiseFromMemory(oursDir)
    const serveMs = await serveFromMemory(oursDir)
    const view = downsampled(theirsDir)
    const ours = await startOurs(oursDir)
    servers.push(ours)
    const trackio = await startTrackio(theirsDir)
    if (typeof trackio !== 'string') servers.push(trackio)
    else console.log(`Trackio's server ${trackio}: measuring ours alone.\n`)
    const upstream = typeof trackio === 'string' ? null : trackio

    const rows: string[] = []
    const notes: string[] = []
    for (const sc of SCENARIOS) {
      // Warm-up: page cache, memoised values, our series cache; and the answers to compare.
      const a = await once(ours, sc)
      const b = upstream ? await once(upstream, sc) : null
      let same = '–'
      if (b) {
        same = a.status === b.status && Buffer.from(a.body).equals(Buffer.from(b.body)) ? 'identical' : 'DIFFERENT'
        if (same !== 'identical') notes.push(`${sc.name}: ${a.status}/${b.status} ${firstDifference(a.body, b.body)}`)
      }
      const minReq = sc.clients === 1 ? 5 : 10
      const o: LoadResult[] = []
      const t: LoadResult[] = []
      o.push(await measure(ours, sc, DURATION, minReq))
      if (upstream) {
        t.push(await measure(upstream, sc, DURATION, minReq))
        t.push(await measure(upstream, sc, DURATION, minReq))
      }
      o.push(await measure(ours, sc, DURATION, minReq))
      const mo = combine(o)
      const mt = upstream ? combine(t) : null
      for (const [who, m] of [['ours', mo], ['Trackio', mt]] as const)
        if (m?.errors) notes.push(`${sc.name}: ${who} had ${m.errors} errors (${m.firstError})`)
      const lim = sc.limit?.(mo, { ceiling, serialiseMs, serveMs }) ?? ''
      rows.push(
        `| ${sc.name} | ${sc.clients} | ${fmtRps(mo.rps)} | ${mo.p50.toFixed(2)} / ${mo.p99.toFixed(2)} | ` +
          (mt ? `${fmtRps(mt.rps)} | ${mt.p50.toFixed(1)} / ${mt.p99.toFixed(1)} | **${(mo.rps / mt.rps).toFixed(1)}x** | ${same}` : '– | – | – | –') +
          ` | ${lim} |`,
      )
    }

    const uncached = await uncachedSeriesP50(ours)
    console.log(
      `Side by side on two copies of ${DATA}: ours (dist/trackio) and ${upstream ? "Trackio 0.36's own server" : 'no Trackio'}; ` +
        `ABBA rounds of ${DURATION} s per side; ${PIN ? `servers on CPU ${SERVER_CPU}, client on CPU ${CLIENT_CPU}` : 'not pinned'}.\n`,
    )
    console.log('| scenario | clients | ours req/s | ours p50 / p99 ms | Trackio req/s | Trackio p50 / p99 ms | ratio | answers | limit |')
    console.log('|---|---:|---:|---:|---:|---:|---:|---|---|')
    for (const r of rows) console.log(r)
    console.log(`\nclient ceiling (trivial Bun.serve, ${CLIENTS} clients): ${fmtRps(ceiling)} req/s`)
    console.log(`serialising the 200,000 points from memory (JSON.stringify + UTF-8): ${serialiseMs.toFixed(0)} ms; the same served by a trivial Bun.serve (p50 over HTTP): ${serveMs.toFixed(0)} ms`)
    console.log(
      `full 200,000-point series when the request cache cannot answer (each body spelt differently; from the series cache): p50 ${uncached.toFixed(0)} ms, ` +
        `${(uncached / serialiseMs).toFixed(2)}x serialising from memory`,
    )
    console.log(
      `downsampled view (seriesWindow, 1,000 points, extrema kept) of the 200,000-step run: ${view.warmMs.toFixed(2)} ms (< 10 ms; ${view.points} points), ` +
        `${view.coldMs.toFixed(0)} ms on first use (builds the cache)`,
    )
    console.log(`our server's RSS after the run: ${rssMiB(ours.proc.pid).toFixed(0)} MiB`)
    for (const n of notes) console.log(`note: ${n}`)
    if (/internal error/.test(ours.stderr())) console.log(`our server reported internal errors:\n${ours.stderr().slice(0, 2000)}`)
  } finally {
    for (const s of servers) {
      s.proc.kill('SIGTERM')
      await Promise.race([s.proc.exited, Bun.sleep(5000)])
      if (s.proc.exitCode === null) s.proc.kill('SIGKILL')
    }
    rmSync(oursDir, { recursive: true, force: true })
    rmSync(theirsDir, { recursive: true, force: true })
  }
}

await main()
