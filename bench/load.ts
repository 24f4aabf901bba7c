/**
 * Load test of the compiled server (not run in CI): `bun bench/load.ts [N] [D]`
 * N concurrent clients (default 200) for D seconds (default 60) against `dist/trackio show
 * --mcp-server` on a copy of the basic fixtures: 60% HTTP reads (several tools), 20% MCP tool
 * calls (SDK Client over StreamableHTTPClientTransport, one session per client), 20% bulk_log
 * with the write token. Prints a Markdown table: requests, errors, p50/p99 per kind, rows logged
 * (acknowledged with 200) vs rows counted in the database afterwards, and the server's RSS at
 * start, middle and end. Loopback only; every loop stops at the deadline.
 */
import { Database } from 'bun:sqlite'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '..')
const BIN = join(ROOT, 'dist', 'trackio')
const FIXTURES = resolve(ROOT, 'test', 'fixtures', 'basic')

const N = Number(process.argv[2] ?? 200)
const D = Number(process.argv[3] ?? 60)
const ROWS_PER_BULK = 20

function rssMiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)
  return m ? Number(m[1]) / 1024 : NaN
}

interface Kind {
  latencies: number[]
  requests: number
  errors: number
  firstError?: string
}
const kinds = new Map<string, Kind>()
function note(kind: string, ms: number, ok: boolean, err?: string): void {
  let k = kinds.get(kind)
  if (!k) kinds.set(kind, (k = { latencies: [], requests: 0, errors: 0 }))
  k.requests++
  k.latencies.push(ms)
  if (!ok) {
    k.errors++
    k.firstError ??= err
  }
}

const READS: [string, Record<string, unknown>][] = [
  ['get_all_projects', {}],
  ['get_runs_for_project', { project: 'llm-finetune' }],
  ['get_project_summary', { project: 'image-classification' }],
  ['get_run_summary', { project: 'llm-finetune', run: 'gpt2-small' }],
  ['get_metrics_for_run', { project: 'image-classification', run: 'baseline' }],
  ['get_logs', { project: 'llm-finetune', run: 'gpt2-medium' }],
  ['get_alerts', { project: 'llm-finetune' }],
]

async function main(): Promise<void> {
  const build = Bun.spawn(['bun', 'build.ts'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
  if ((await build.exited) !== 0) throw new Error('build failed')
  const dir = mkdtempSync(join(tmpdir(), 'trackio-load-'))
  cpSync(FIXTURES, dir, { recursive: true })
  const proc = Bun.spawn([BIN, 'show', '--port', '0', '--mcp-server'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TRACKIO_DIR: dir },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const reader = proc.stdout.getReader()
  let out = ''
  while (!/write_token=/.test(out)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`server exited: ${out}`)
    out += new TextDecoder().decode(value)
  }
  const [, port, token] = out.match(/127\.0\.0\.1:(\d+)\S*write_token=([\w-]+)/)!
  const base = `http://127.0.0.1:${port}`
  const mcpEnabled = ((await (await fetch(`${base}/version`)).json()) as { mcp_enabled: boolean }).mcp_enabled
  if (!mcpEnabled) console.log('note: the server has no MCP endpoint; MCP clients are skipped.')

  const rss: number[] = [rssMiB(proc.pid)]
  const deadline = Date.now() + D * 1000
  const middle = setTimeout(() => rss.push(rssMiB(proc.pid)), (D * 1000) / 2)
  let rowsAcked = 0
  let bulkSeq = 0

  const timed = async (kind: string, fn: () => Promise<string | null>) => {
    const t0 = performance.now()
    let err: string | null
    try {
      err = await fn()
    } catch (e) {
      err = (e as Error).message
    }
    note(kind, performance.now() - t0, err === null, err ?? undefined)
  }

  const reader_ = async (c: number) => {
    for (let i = c; Date.now() < deadline; i++) {
      const [tool, body] = READS[i % READS.length]!
      await timed(`http read`, async () => {
        const r = await fetch(`${base}/api/${tool}`, { method: 'POST', body: JSON.stringify(body) })
        const text = await r.text()
        return r.status === 200 ? null : `${tool} ${r.status} ${text.slice(0, 120)}`
      })
    }
  }

  const bulk = async (c: number) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const seq = bulkSeq++
      const logs = Array.from({ length: ROWS_PER_BULK }, (_, j) => ({
        project: 'load-test',
        run: `client-${c}`,
        metrics: { loss: 1 / (i + j + 1), seq, j },
        step: null,
        log_id: `c${c}-${i}-${j}`,
      }))
      await timed('bulk_log', async () => {
        const r = await fetch(`${base}/api/bulk_log`, { method: 'POST', headers: { 'x-trackio-write-token': token! }, body: JSON.stringify({ logs, hf_token: null }) })
        const text = await r.text()
        if (r.status !== 200) return `${r.status} ${text.slice(0, 120)}`
        rowsAcked += ROWS_PER_BULK
        return null
      })
    }
  }

  const mcp = async (c: number) => {
    const client = new Client({ name: `load-${c}`, version: '1.0.0' })
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/`))
    try {
      await timed('mcp connect', async () => {
        await client.connect(transport)
        return null
      })
      for (let i = c; Date.now() < deadline; i++) {
        const [name, args] = READS[i % READS.length]!
        await timed('mcp tools/call', async () => {
          const r = await client.callTool({ name, arguments: args })
          return r.isError ? `${name}: ${JSON.stringify(r.content).slice(0, 120)}` : null
        })
      }
    } finally {
      await client.close().catch(() => {})
    }
  }

  const clients: Promise<void>[] = []
  for (let c = 0; c < N; c++) {
    const slot = c % 10
    if (slot < 2 && mcpEnabled) clients.push(mcp(c))
    else if (slot < 4) clients.push(bulk(c))
    else clients.push(reader_(c))
  }
  await Promise.all(clients)
  clearTimeout(middle)
  if (rss.length < 2) rss.push(NaN)
  rss.push(rssMiB(proc.pid))

  proc.kill('SIGTERM')
  await proc.exited
  const stderr = await new Response(proc.stderr).text()
  const db = new Database(join(dir, 'load-test.db'), { readonly: true })
  const counted = Number((db.query('SELECT COUNT(*) AS n FROM metrics').get() as { n: number | bigint }).n)
  db.close()
  rmSync(dir, { recursive: true, force: true })

  const pct = (xs: number[], p: number) => {
    if (!xs.length) return NaN
    const s = [...xs].sort((a, b) => a - b)
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
  }
  console.log(`Load: ${N} clients for ${D} s against dist/trackio --mcp-server (loopback; 60% HTTP reads, 20% MCP calls, 20% bulk_log of ${ROWS_PER_BULK} rows)\n`)
  console.log('| kind | requests | errors | req/s | p50 ms | p99 ms |')
  console.log('|---|---:|---:|---:|---:|---:|')
  for (const [name, k] of [...kinds].sort()) {
    console.log(`| ${name} | ${k.requests} | ${k.errors} | ${(k.requests / D).toFixed(0)} | ${pct(k.latencies, 50).toFixed(1)} | ${pct(k.latencies, 99).toFixed(1)} |`)
  }
  console.log(`\n| rows logged (200) | rows counted afterwards | match | RSS start MiB | RSS middle MiB | RSS end MiB |`)
  console.log('|---:|---:|---|---:|---:|---:|')
  console.log(`| ${rowsAcked} | ${counted} | ${rowsAcked === counted ? 'yes' : 'NO'} | ${rss[0]!.toFixed(0)} | ${rss[1]!.toFixed(0)} | ${rss[2]!.toFixed(0)} |`)
  for (const [name, k] of kinds) if (k.firstError) console.log(`\nfirst ${name} error: ${k.firstError}`)
  if (/internal error/.test(stderr)) console.log(`\nserver reported internal errors:\n${stderr.slice(0, 2000)}`)
  if (rowsAcked !== counted) process.exitCode = 1
}

await main()
