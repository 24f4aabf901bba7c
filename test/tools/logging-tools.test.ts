import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../helpers'

const H = { 'x-trackio-write-token': 'test-token' }
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/

function query(dir: string, project: string, sql: string): Record<string, unknown>[] {
  const db = new Database(join(dir, `${project}.db`), { readonly: true, safeIntegers: true })
  try {
    return db.query(sql).all() as Record<string, unknown>[]
  } finally {
    db.close()
  }
}

describe('bulk_log_system', () => {
  test('own timestamps kept, missing timestamp → server time, log_id dedup', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const logs = [
      { project: 'p', run: 'r', run_id: 'id1', metrics: { 'gpu/0/utilization': 10, t: 1.0 }, timestamp: '2026-01-01T00:00:00.123456+00:00', log_id: 'S1' },
      { project: 'p', run: 'r', run_id: 'id1', metrics: { 'gpu/0/utilization': 20 }, log_id: 'S2' },
    ]
    expect((await call('bulk_log_system', { args: [], kwargs: { logs, hf_token: null } }, H)).status).toBe(200)
    expect((await call('bulk_log_system', { args: [], kwargs: { logs, hf_token: null } }, H)).status).toBe(200)
    const got = query(dir, 'p', 'SELECT run_id, run_name, timestamp, CAST(metrics AS TEXT) AS m, typeof(metrics) AS t, log_id FROM system_metrics ORDER BY id')
    expect(got.length).toBe(2)
    expect(got[0]).toEqual({ run_id: 'id1', run_name: 'r', timestamp: '2026-01-01T00:00:00.123456+00:00', m: '{"gpu/0/utilization":10,"t":1}', t: 'blob', log_id: 'S1' })
    expect(got[1]!.timestamp).toMatch(TS)
    const back = await call('get_system_logs', { project: 'p', run: 'r' })
    expect(back.json.data.length).toBe(2)
  })

  test('validation: names the entry, writes nothing; hf_token required', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const r = await call('bulk_log_system', { logs: [{ project: 'p', run: 'r', metrics: {} }, { project: 'p', run: 'r', metrics: {}, timestamp: 5 }], hf_token: null }, H)
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("logs[1]: 'timestamp' must be a string, got a number")
    expect((await call('bulk_log_system', { logs: [] }, H)).json.error).toBe('Missing required parameter: hf_token')
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
  })
})

describe('bulk_alert', () => {
  test('alerts stored with alert_id dedup; missing timestamp → server time', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const alerts = [
      { project: 'p', run: 'r', run_id: 'id1', title: 'hi', text: null, level: 'info', step: 0, timestamp: '2026-01-01T00:00:00+00:00', alert_id: 'A1' },
      { project: 'p', run: 'r', title: 'no time', level: 'WARN' },
    ]
    expect((await call('bulk_alert', { args: [], kwargs: { alerts, hf_token: null } }, H)).status).toBe(200)
    expect((await call('bulk_alert', [alerts.slice(0, 1), null], H)).status).toBe(200)
    const got = query(dir, 'p', 'SELECT run_id, run_name, title, text, level, step, timestamp, alert_id FROM alerts ORDER BY id')
    expect(got.length).toBe(2)
    expect(got[0]).toEqual({ run_id: 'id1', run_name: 'r', title: 'hi', text: null, level: 'info', step: 0n, timestamp: '2026-01-01T00:00:00+00:00', alert_id: 'A1' })
    expect(got[1]).toMatchObject({ run_id: 'r', title: 'no time', level: 'WARN', step: null, alert_id: null })
    expect(String(got[1]!.timestamp)).toMatch(TS)
    const back = await call('get_alerts', { project: 'p' })
    expect(back.json.data.map((a: { title: string }) => a.title).sort()).toEqual(['hi', 'no time'])
  })

  test('missing title/level is a 400 naming the entry', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const r = await call('bulk_alert', { alerts: [{ project: 'p', run: 'r', title: 't', level: 'info' }, { project: 'p', run: 'r', title: 't' }], hf_token: null }, H)
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("alerts[1]: missing required key 'level'")
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
  })
})

describe('log (legacy single row)', () => {
  test('positional order project, run, metrics, step, hf_token, run_id; no dedup', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    expect((await call('log', '["p","r",{"a":1.0},null,null]', H)).status).toBe(200)
    expect((await call('log', '["p","r",{"a":1.0},null,null]', H)).status).toBe(200)
    expect((await call('log', { project: 'p', run: 'r', metrics: { b: 2 }, step: 9, hf_token: null, run_id: 'X' }, H)).status).toBe(200)
    const got = query(dir, 'p', 'SELECT run_id, step, CAST(metrics AS TEXT) AS m FROM metrics ORDER BY id')
    expect(got).toEqual([
      { run_id: 'r', step: 0n, m: '{"a":1.0}' },
      { run_id: 'r', step: 1n, m: '{"a":1.0}' },
      { run_id: 'X', step: 9n, m: '{"b":2}' },
    ])
    expect((await call('log', { project: 'p', run: 'r', metrics: {}, hf_token: null }, H)).json.error).toBe('Missing required parameter: step')
    expect((await call('log', { project: 'p', run: 'r', metrics: {}, step: null }, H)).json.error).toBe('Missing required parameter: hf_token')
  })
})

describe('log_metrics and log_alert (agent tools)', () => {
  test('log_metrics returns the step; log_id makes retries safe; config stored', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const a = await call('log_metrics', '{"project":"agent","run":"exp1","metrics":{"loss":0.31,"acc":1.0},"config":{"lr":0.001},"new_run":true}', H)
    expect(a.status).toBe(200)
    const id = a.json.data.run_id
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(a.text).toBe(`{"data":{"run_id":"${id}","step":0,"stored":true}}`)
    const b = await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { loss: 0.2 }, log_id: 'k1' }, H)
    expect(b.json.data).toEqual({ run_id: id, step: 1, stored: true })
    const c = await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { loss: 0.2 }, log_id: 'k1' }, H)
    expect(c.json.data).toEqual({ run_id: id, step: 2, stored: false })
    expect((await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { x: 1 }, step: 50 }, H)).json.data.step).toBe(50)
    const rows = query(dir, 'agent', 'SELECT step, CAST(metrics AS TEXT) AS m FROM metrics ORDER BY id')
    expect(rows.map((r) => [r.step, r.m])).toEqual([[0n, '{"loss":0.31,"acc":1.0}'], [1n, '{"loss":0.2}'], [50n, '{"x":1}']])
    expect(query(dir, 'agent', 'SELECT CAST(config AS TEXT) AS c FROM configs')).toEqual([{ c: '{"lr":0.001}' }])
    const summary = await call('get_run_summary', { project: 'agent', run: 'exp1' })
    expect(summary.status).toBe(200)
    expect((await call('log_metrics', { project: 'agent', run: 'exp1', metrics: 3 }, H)).status).toBe(400)
  })

  test('log_alert', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const run = await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { loss: 1 }, new_run: true }, H)
    const r = await call('log_alert', { project: 'agent', run: 'exp1', title: 'diverged', text: 'loss 1e3', level: 'error', step: 40 }, H)
    expect(r.status).toBe(200)
    expect(r.json.data).toMatchObject({ run_id: run.json.data.run_id, stored: true })
    expect((await call('log_alert', { project: 'agent', run: 'exp1', title: 't', level: 'fatal' }, H)).status).toBe(400)
    const back = await call('get_alerts', { project: 'agent', level: 'error' })
    expect(back.json.data).toMatchObject([{ run: 'exp1', title: 'diverged', text: 'loss 1e3', level: 'error', step: 40 }])
  })
})

describe('write gating', () => {
  const calls: [string, unknown][] = [
    ['bulk_log', { logs: [{ project: 'g', run: 'r', metrics: { a: 1 } }], hf_token: null }],
    ['bulk_log', { project: 'g', run: 'r', metrics_list: [{ a: 1 }] }],
    ['bulk_log_system', { logs: [{ project: 'g', run: 'r', metrics: { a: 1 }, timestamp: '2026-01-01T00:00:00+00:00' }], hf_token: null }],
    ['bulk_alert', { alerts: [{ project: 'g', run: 'r', title: 't', level: 'info' }], hf_token: null }],
    ['log', { project: 'g', run: 'r', metrics: { a: 1 }, step: null, hf_token: null }],
    ['log_metrics', { project: 'g', run: 'r', metrics: { a: 1 }, new_run: true }],
    ['log_alert', { project: 'g', run: 'r', title: 't' }],
  ]
  test('no token → 401, wrong token → 403, nothing written; every token source works', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    for (const [tool, body] of calls) {
      expect((await call(tool, body)).status).toBe(401)
      expect((await call(tool, body, { 'x-trackio-write-token': 'nope' })).status).toBe(403)
      expect((await call(tool, { ...(body as object), write_token: 'nope' })).status).toBe(403)
    }
    expect(existsSync(join(dir, 'g.db'))).toBe(false)
    for (const [tool, body] of calls.slice(0, 1))
      for (const h of [{ authorization: 'Bearer test-token' }, { cookie: 'trackio_write_token=test-token' }, {}] as Record<string, string>[]) {
        const b = Object.keys(h).length ? body : { ...(body as object), write_token: 'test-token' }
        expect((await call(tool, b, h)).status).toBe(200)
      }
    expect(query(dir, 'g', 'SELECT COUNT(*) AS n FROM metrics')).toEqual([{ n: 3n }])
  })
})
