import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { api, startServer, tempDir, type Server } from '../helpers'

/** The compiled binary: concurrent writers, the contributed JS client's request, body limits. */

let dir: string
let server: Server

beforeAll(async () => {
  dir = tempDir()
  server = await startServer(dir)
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

function steps(project: string, run: string): number[] {
  const db = new Database(join(dir, `${project}.db`), { readonly: true, safeIntegers: true })
  try {
    return (db.query('SELECT step FROM metrics WHERE run_id = ? ORDER BY step').values(run) as bigint[][]).map((r) => Number(r[0]))
  } finally {
    db.close()
  }
}

describe('compiled binary', () => {
  test('8 clients × 50 requests with null steps into one run: steps 0..N-1 exactly once', async () => {
    const H = { 'x-trackio-write-token': server.token }
    const clients = 8
    const requests = 50
    const perRequest = 3
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < requests; i++) {
          const logs = Array.from({ length: perRequest }, (_, k) => ({ project: 'conc', run: 'shared', metrics: { c, i, k }, step: null, log_id: `${c}-${i}-${k}` }))
          const r = await api(server.url, 'bulk_log', { args: [], kwargs: { logs, hf_token: null } }, H)
          expect(r.text).toBe('{"data":null}')
        }
      }),
    )
    const n = clients * requests * perRequest
    expect(steps('conc', 'shared')).toEqual(Array.from({ length: n }, (_, i) => i))
    // each request's rows got consecutive steps, in entry order
    const db = new Database(join(dir, 'conc.db'), { readonly: true })
    const rows = db.query("SELECT step, log_id FROM metrics ORDER BY step").all() as { step: number; log_id: string }[]
    db.close()
    for (let s = 0; s < n; s += perRequest) {
      const ids = rows.slice(s, s + perRequest).map((r) => r.log_id)
      const [c, i] = ids[0]!.split('-')
      expect(ids).toEqual([0, 1, 2].map((k) => `${c}-${i}-${k}`))
    }
  }, 120_000)

  test("the contributed JS client's request (flat body, X-Trackio-Write-Token)", async () => {
    // Built as contrib/trackio-js/src/client.ts builds it: log(metrics, step?, timestamp?) buffers
    // {metrics, step: integer or -1, timestamp: string or ""}; flush() posts the flat payload.
    const buf = [
      { metrics: { loss: 0.9, acc: 0.6 }, step: -1, timestamp: '' },
      { metrics: { loss: 0.75, acc: 0.68 }, step: -1, timestamp: '' },
      { metrics: { loss: 0.62, acc: 0.73 }, step: 5, timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)).toISOString() },
    ]
    const payload = { project: 'js-quickstart', run: 'js-run-1', metrics_list: buf.map((b) => b.metrics), steps: buf.map((b) => b.step), timestamps: buf.map((b) => b.timestamp) }
    const res = await fetch(`${server.url}/api/bulk_log`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Trackio-Write-Token': server.token },
      body: JSON.stringify(payload),
    })
    expect(res.ok).toBe(true)
    expect(await res.text()).toBe('{"data":null}')
    expect(steps('js-quickstart', 'js-run-1')).toEqual([0, 1, 5])
    const logs = await api(server.url, 'get_logs', { project: 'js-quickstart', run: 'js-run-1' })
    expect(logs.json.data.find((r: { step: number }) => r.step === 5).timestamp).toBe('2026-01-02T03:04:05.678000+00:00')
    // without the token the client's request is refused and nothing is written
    const denied = await fetch(`${server.url}/api/bulk_log`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) })
    expect(denied.status).toBe(401)
    expect(steps('js-quickstart', 'js-run-1')).toEqual([0, 1, 5])
  })

  test('a body over MAX_BODY_BYTES (32 MiB) is refused with 413', async () => {
    const big = '{"logs":[{"project":"big","run":"r","metrics":{"s":"' + 'x'.repeat(33 * 1024 * 1024) + '"}}],"hf_token":null}'
    let status = 0
    try {
      const r = await fetch(`${server.url}/api/bulk_log`, { method: 'POST', headers: { 'x-trackio-write-token': server.token }, body: big })
      status = r.status
      await r.text()
    } catch {
      status = -1 // the server may close the connection while the body is still being sent
    }
    expect(status).toBe(413)
    const ok = await api(server.url, 'get_all_projects')
    expect(ok.status).toBe(200)
    expect(ok.json.data).not.toContain('big')
  }, 60_000)
})
