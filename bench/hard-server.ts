/**
 * Memory and file descriptors of the compiled server under requests that used to grow them
 * (issue 10, items 2-4): `bun bench/hard-server.ts [--binary dist/trackio] [--projects 2000]`.
 * Each scenario runs on a fresh server; RSS and peak RSS (VmRSS / VmHWM) come from /proc/<pid>/status,
 * descriptors from /proc/<pid>/fd. Uses a copy of /work/shared/fixtures/large (or .bench-data) for the
 * 200,000-step run. Not run in CI (it takes a minute and up to a few GB with an old binary).
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { manyProjects } from '../test/helpers'
import { writeBenchData } from './data'

const ROOT = resolve(import.meta.dir, '..')
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const BIN = resolve(arg('binary', join(ROOT, 'dist', 'trackio')))
const PROJECTS = Number(arg('projects', '2000'))
/** Run only the scenarios whose name contains this text. */
const ONLY = arg('only', '')
const made: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'trackio-hard-bench-'))
  made.push(d)
  return d
}

async function perfDir(): Promise<string> {
  const dir = tmp()
  const shared = '/work/shared/fixtures/large/perf.db'
  if (existsSync(shared)) copyFileSync(shared, join(dir, 'perf.db'))
  else {
    const local = join(ROOT, '.bench-data')
    if (!existsSync(join(local, 'perf.db'))) await writeBenchData(local)
    copyFileSync(join(local, 'perf.db'), join(dir, 'perf.db'))
  }
  return dir
}


interface Proc {
  base: string
  pid: number
  stop(): Promise<void>
}

async function start(dir: string, args: string[] = []): Promise<Proc> {
  const proc = Bun.spawn([BIN, 'show', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: '/tmp', TRACKIO_DIR: dir },
    stdout: 'pipe',
    stderr: 'ignore',
  })
  const reader = proc.stdout.getReader()
  let out = ''
  let m: RegExpMatchArray | null = null
  while (!(m = out.match(/write access at: http:\/\/127\.0\.0\.1:(\d+)/))) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`server exited: ${out}`)
    out += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  return {
    base: `http://127.0.0.1:${m[1]}`,
    pid: proc.pid,
    stop: async () => {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

function status(pid: number): { rss: number; hwm: number; fds: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k: string) => Number(s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? 0)
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024, fds: readdirSync(`/proc/${pid}/fd`).length }
}

const MCP = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }

async function mcpSession(base: string): Promise<Record<string, string>> {
  const init = await fetch(`${base}/mcp/`, {
    method: 'POST',
    headers: MCP,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
  })
  await init.text()
  const h = { ...MCP, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-03-26' }
  await (await fetch(`${base}/mcp/`, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text()
  return h
}

const snapCall = (id: number, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'get_snapshot', arguments: { project: 'perf', run: 'long-run', ...extra } },
})

interface Row {
  scenario: string
  result: string
  rss0: number
  rss: number
  hwm: number
  fds: number
}
const rows: Row[] = []

async function scenario(name: string, dir: string, args: string[], act: (p: Proc) => Promise<string>): Promise<void> {
  if (!name.includes(ONLY)) return
  const p = await start(dir, args)
  try {
    await Bun.sleep(300)
    const s0 = status(p.pid)
    const result = await act(p)
    await Bun.sleep(500)
    const s = status(p.pid)
    rows.push({ scenario: name, result, rss0: s0.rss, rss: s.rss, hwm: s.hwm, fds: s.fds })
    console.error(`${name}: ${result}`)
  } finally {
    await p.stop()
  }
}

const perf = await perfDir()
await scenario('HTTP get_snapshot, whole 200,000-step run', perf, [], async (p) => {
  const r = await fetch(`${p.base}/api/get_snapshot`, { method: 'POST', body: JSON.stringify({ project: 'perf', run: 'long-run' }) })
  const n = (await r.arrayBuffer()).byteLength
  return `${r.status}, ${(n / 1e6).toFixed(1)} MB, ${r.headers.get('content-length') === null ? 'streamed' : 'one piece'}`
})
await scenario('MCP get_snapshot, whole run', perf, ['--mcp-server'], async (p) => {
  const h = await mcpSession(p.base)
  const r = await fetch(`${p.base}/mcp/`, { method: 'POST', headers: h, body: JSON.stringify(snapCall(2)) })
  const n = (await r.arrayBuffer()).byteLength
  return `${r.status}, ${(n / 1e6).toFixed(1)} MB`
})
await scenario('MCP batch of 3 get_snapshot (40,000 steps each)', perf, ['--mcp-server'], async (p) => {
  const h = await mcpSession(p.base)
  const w = { around_step: 100000, window: 20000 }
  const r = await fetch(`${p.base}/mcp/`, { method: 'POST', headers: h, body: JSON.stringify([snapCall(2, w), snapCall(3, w), snapCall(4, w)]) })
  const n = (await r.arrayBuffer()).byteLength
  return `${r.status}, ${(n / 1e6).toFixed(1)} MB`
})
await scenario('300 reads naming missing runs (2 MB names)', perf, [], async (p) => {
  const long = 'x'.repeat(2 * 1024 * 1024)
  let ok = 0
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`${p.base}/api/get_run_summary`, { method: 'POST', body: JSON.stringify({ project: 'perf', run: `${long}${i}` }) })
    await r.arrayBuffer()
    if (r.status === 200) ok++
  }
  return `${ok}/300 answered 200`
})
await scenario('300 reads naming missing metrics (2 MB names)', perf, [], async (p) => {
  const long = 'm'.repeat(2 * 1024 * 1024)
  let ok = 0
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`${p.base}/api/get_metric_values`, { method: 'POST', body: JSON.stringify({ project: 'perf', run: 'long-run', metric_name: `${long}${i}` }) })
    await r.arrayBuffer()
    if (r.status === 200) ok++
  }
  return `${ok}/300 answered 200`
})
const many = 'read projects'.includes(ONLY) || `read ${PROJECTS} projects once each`.includes(ONLY) ? manyProjects(PROJECTS, 5, tmp()) : tmp()
await scenario(`read ${PROJECTS} projects once each`, many, [], async (p) => {
  const statuses = new Map<number, number>()
  for (let i = 0; i < PROJECTS; i++) {
    const r = await fetch(`${p.base}/api/get_runs_for_project`, { method: 'POST', body: JSON.stringify({ project: `p${String(i).padStart(5, '0')}` }) })
    await r.arrayBuffer()
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
  }
  return [...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')
})

for (const d of made) rmSync(d, { recursive: true, force: true })
console.log(`binary: ${BIN}\n`)
console.log('| scenario | result | RSS before MiB | RSS after MiB | peak RSS MiB | open fds after |')
console.log('|---|---|---:|---:|---:|---:|')
for (const r of rows) console.log(`| ${r.scenario} | ${r.result} | ${r.rss0.toFixed(0)} | ${r.rss.toFixed(0)} | ${r.hwm.toFixed(0)} | ${r.fds} |`)
