/**
 * How soon after a write is an MCP subscriber told? `bun bench/mcp-notify.ts [--writes N]` starts
 * the compiled binary on a copy of the basic fixtures, subscribes to one run with three clients
 * (v1 SDK 2025-11-25 session, v2 SDK 2025 session, v2 SDK 2026-07-28 `subscriptions/listen`) and
 * appends N rows, half through `bulk_log` over HTTP and half from another process writing the
 * SQLite file directly (as Trackio's Python library does), one at a time. Prints, per client and
 * writer, the median, 95th percentile and maximum time from the end of the write to the
 * notification. The goal is under 2 s.
 */
import { Database } from 'bun:sqlite'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client'
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'

const ROOT = resolve(import.meta.dir, '..')
const i = process.argv.indexOf('--writes')
const WRITES = i > 0 ? Number(process.argv[i + 1]) : 40
const PROJECT = 'image-classification'
const RUN_ID = '16a8a185bce44474b874ab14bfdff944'
const URI = `trackio://projects/${PROJECT}/runs/baseline`

const dir = mkdtempSync(join(tmpdir(), 'trackio-notify-'))
cpSync(join(ROOT, 'test', 'fixtures', 'basic'), dir, { recursive: true })
const proc = Bun.spawn([join(ROOT, 'dist', 'trackio'), 'show', '--port', '0', '--mcp-server'], {
  env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TRACKIO_DIR: dir },
  stdout: 'pipe',
  stderr: 'pipe',
})
let out = ''
const reader = proc.stdout.getReader()
let m: RegExpMatchArray | null = null
while (!m) {
  const { value, done } = await reader.read()
  if (done) throw new Error(`server exited: ${out}`)
  out += new TextDecoder().decode(value)
  m = out.match(/write access at: http:\/\/[^:]+:(\d+)\S*?write_token=([A-Za-z0-9_-]+)/)
}
const [, port, token] = m
const base = `http://127.0.0.1:${port}`

type Waiter = () => Promise<number>
const listeners: Record<string, { next: Waiter; close(): Promise<void> }> = {}

function waiter(): { hear(): void; next: Waiter } {
  let resolveNext: ((t: number) => void) | null = null
  return {
    hear: () => resolveNext?.(performance.now()),
    next: () => new Promise<number>((r) => (resolveNext = r)),
  }
}

{
  const w = waiter()
  const c = new ClientV1({ name: 'bench-v1', version: '1' })
  await c.connect(new TransportV1(new URL(`${base}/mcp/`)))
  c.setNotificationHandler(ResourceUpdatedNotificationSchema, async () => w.hear())
  await c.subscribeResource({ uri: URI })
  listeners['v1 SDK, 2025-11-25 session'] = { next: w.next, close: () => c.close() }
}
for (const mode of ['legacy', 'auto'] as const) {
  const w = waiter()
  const c = new ClientV2({ name: `bench-v2-${mode}`, version: '1' }, { versionNegotiation: { mode } })
  await c.connect(new TransportV2(new URL(`${base}/mcp/`)))
  c.setNotificationHandler('notifications/resources/updated', async () => w.hear())
  if (c.getProtocolEra() === 'modern') await c.listen({ resourceSubscriptions: [URI] })
  else await c.subscribeResource({ uri: URI })
  listeners[`v2 SDK, ${c.getProtocolEra() === 'modern' ? '2026-07-28 listen' : '2025-11-25 session'}`] = { next: w.next, close: () => c.close() }
}

const samples = new Map<string, number[]>()
const record = (k: string, ms: number) => samples.set(k, [...(samples.get(k) ?? []), ms])

for (let n = 0; n < WRITES; n++) {
  const viaApi = n % 2 === 0
  const pending = Object.entries(listeners).map(([name, l]) => l.next().then((t) => [name, t] as const))
  if (viaApi) {
    const r = await fetch(`${base}/api/bulk_log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trackio-write-token': token! },
      body: JSON.stringify({ logs: [{ project: PROJECT, run: 'baseline', metrics: { loss: 1 / (n + 2) }, step: 1000 + n }], hf_token: null }),
    })
    if (r.status !== 200) throw new Error(`bulk_log: ${r.status} ${await r.text()}`)
  } else {
    const db = new Database(join(dir, `${PROJECT}.db`))
    db.run('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)', [RUN_ID, new Date().toISOString(), 'baseline', 1000 + n, `{"loss": ${1 / (n + 2)}}`])
    db.close()
  }
  const wrote = performance.now()
  const heard = await Promise.race([Promise.all(pending), Bun.sleep(5000).then(() => null)])
  if (!heard) throw new Error(`write ${n}: not every client was notified within 5 s`)
  for (const [name, t] of heard) record(`${name} | ${viaApi ? 'HTTP bulk_log' : 'other process'}`, Math.max(0, t - wrote))
  await Bun.sleep(150) // let the watcher's minimum gap pass, so each write is its own check
}

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
console.log(`\nNotification latency after a write, ${WRITES} writes (ms)\n`)
console.log('| client | writer | n | median | p95 | max |')
console.log('| --- | --- | ---: | ---: | ---: | ---: |')
for (const [k, xs] of samples) {
  const [client, writer] = k.split(' | ')
  console.log(`| ${client} | ${writer} | ${xs.length} | ${q(xs, 0.5).toFixed(0)} | ${q(xs, 0.95).toFixed(0)} | ${Math.max(...xs).toFixed(0)} |`)
}

for (const l of Object.values(listeners)) await l.close().catch(() => {})
proc.kill('SIGTERM')
await proc.exited
rmSync(dir, { recursive: true, force: true })
