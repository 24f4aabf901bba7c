import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ensureSchema } from '../../../src/storage/db/schema'
import { MAX_BATCH } from '../../../src/transports/mcp/handler'
import { python3, type Server, startServer, tempDir } from '../../helpers'
import { INIT, rawPost, sseData } from '../mcp/client'

const STEPS = 3000

/**
 * One run of 3,000 rows × up to 6 metrics (about 16,000 points, over the 8,192 at which answers are
 * streamed): ints, floats in both spellings, a big integer, a nested value, a key that appears late,
 * and one that comes and goes. Each row has its own timestamp, so the order is the timestamp order.
 */
function writeProject(dir: string): void {
  const db = new Database(join(dir, 'big.db'), { create: true })
  ensureSchema(db)
  db.run('PRAGMA journal_mode = WAL')
  const insert = db.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
  db.transaction(() => {
    for (let i = 0; i < STEPS; i++) {
      const ts = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace('Z', '000+00:00')
      const parts = [`"loss": ${String(1 / (i + 1))}`, `"step_int": ${i}`, `"tiny": 1e-07`, `"big": 12345678901234567890`]
      if (i >= 1000) parts.push(`"late": ${i}.5`)
      if (i % 7 === 0) parts.push(`"nested": {"a": [1, 2.0, "x"]}`)
      insert.run('id-1', ts, 'long', i, `{${parts.join(', ')}}`)
    }
  })()
  db.close()
}

/** What Trackio answers: its get_snapshot groups rows by key in row order (python3 sqlite3 + json). */
function oracle(dir: string, where: string): string {
  const code = `import sqlite3, json, sys
c = sqlite3.connect(sys.argv[1])
out = {}
for ts, step, m in c.execute("SELECT timestamp, step, metrics FROM metrics WHERE run_name = 'long' ${where} ORDER BY timestamp"):
    for k, v in json.loads(m).items():
        out.setdefault(k, []).append({"timestamp": ts, "step": step, "value": v})
sys.stdout.write(json.dumps({"data": out}, separators=(",", ":")))`
  const p = Bun.spawnSync([python3(), '-c', code, join(dir, 'big.db')])
  if (p.exitCode !== 0) throw new Error(p.stderr.toString())
  return p.stdout.toString()
}

describe('get_snapshot over a long run', () => {
  let server: Server
  let dir: string
  beforeAll(async () => {
    dir = tempDir()
    writeProject(dir)
    // No answer budget here: this is about what one whole-run call costs the server (budgets: test/transports/mcp/budget.test.ts).
    server = await startServer(dir, ['--mcp-server', '--mcp-max-tokens', '1000000000'])
    server.errors()
  })
  afterAll(async () => {
    expect(server.errors()).not.toContain('internal error')
    await server.stop()
  })

  const snapshot = (args: Record<string, unknown>) =>
    fetch(`${server.url}/api/get_snapshot`, { method: 'POST', body: JSON.stringify({ project: 'big', run: 'long', ...args }) })

  test('no filter: the whole run, streamed in chunks, byte for byte what Trackio answers', async () => {
    const r = await snapshot({})
    expect(r.status).toBe(200)
    // Streamed: no Content-Length, so no whole-answer string was built first.
    expect(r.headers.get('content-length')).toBeNull()
    const body = await r.text()
    expect(body).toBe(oracle(dir, ''))
  })

  test('a window covering everything streams too; a small one answers in one piece, same bytes as Trackio', async () => {
    const all = await snapshot({ around_step: 1500, window: 10 ** 9 })
    expect(all.headers.get('content-length')).toBeNull()
    expect(await all.text()).toBe(oracle(dir, ''))
    const small = await snapshot({ around_step: 1400, window: 3 })
    expect(small.headers.get('content-length')).not.toBeNull()
    expect(await small.text()).toBe(oracle(dir, 'AND step BETWEEN 1397 AND 1403'))
  })

  test('MCP: a batch holds at most one tools/call and at most MAX_BATCH messages; one call still works', async () => {
    const init = await rawPost(`${server.url}/mcp/`, INIT)
    const sid = init.headers.get('mcp-session-id')!
    await init.text()
    const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-03-26' }
    await (await rawPost(`${server.url}/mcp/`, { jsonrpc: '2.0', method: 'notifications/initialized' }, h)).text()
    const call = (id: number, extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_snapshot', arguments: { project: 'big', run: 'long', ...extra } } })

    const three = await rawPost(`${server.url}/mcp/`, [call(2), call(3), call(4)], h)
    expect(three.status).toBe(400)
    expect(((await three.json()) as { error: { message: string } }).error.message).toContain('at most one tools/call')

    const many = Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ jsonrpc: '2.0', id: 10 + i, method: 'tools/list' }))
    const tooMany = await rawPost(`${server.url}/mcp/`, many, h)
    expect(tooMany.status).toBe(400)
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toContain(`at most ${MAX_BATCH} messages`)

    const one = await rawPost(`${server.url}/mcp/`, [call(5, { around_step: 1400, window: 3 }), { jsonrpc: '2.0', id: 6, method: 'tools/list' }], h)
    expect(one.status).toBe(200)
    const replies = sseData(await one.text()).map((d) => JSON.parse(d))
    const snap = replies.find((m) => m.id === 5)
    // Steps 1397-1403: `late` is there from the first row, `nested` first at 1400.
    expect(Object.keys(snap.result.structuredContent)).toEqual(['loss', 'step_int', 'tiny', 'big', 'late', 'nested'])
    expect(snap.result.structuredContent.loss.length).toBe(7)
    expect(replies.find((m) => m.id === 6).result.tools.length).toBeGreaterThan(5)
  })
})
