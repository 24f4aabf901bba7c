import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../helpers'

const H = { 'x-trackio-write-token': 'test-token' }
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/

interface Row { run_id: string; run_name: string; timestamp: string; step: bigint; metrics: string; log_id: string | null }

function rows(dir: string, project: string, table = 'metrics'): Row[] {
  const db = new Database(join(dir, `${project}.db`), { readonly: true, safeIntegers: true })
  try {
    const sql = table === 'metrics'
      ? 'SELECT run_id, run_name, timestamp, step, CAST(metrics AS TEXT) AS metrics, log_id FROM metrics ORDER BY id'
      : `SELECT * FROM ${table} ORDER BY 1`
    return db.query(sql).all() as Row[]
  } finally {
    db.close()
  }
}

const entry = (over: Record<string, unknown> = {}) => ({ project: 'p', run: 'r', metrics: { loss: 0.5 }, step: null, ...over })
const kw = (logs: unknown[]) => ({ args: [], kwargs: { logs, hf_token: null } })

describe('bulk_log', () => {
  test("the Python client's payload: auto steps, one timestamp, run_id, first config", async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const body = kw([
      entry({ run_id: 'abc', metrics: { loss: 1.25, epoch: 1 }, config: { lr: 0.1, _Group: null }, log_id: 'L1' }),
      entry({ run_id: 'abc', metrics: { loss: 0.5 }, config: { lr: 9 }, log_id: 'L2' }),
      entry({ run: 'other', metrics: { x: 2 } }),
    ])
    const r = await call('bulk_log', body, H)
    expect(r.status).toBe(200)
    expect(r.text).toBe('{"data":null}')
    const got = rows(dir, 'p')
    expect(got.map((g) => [g.run_id, g.run_name, Number(g.step), g.metrics, g.log_id])).toEqual([
      ['abc', 'r', 0, '{"loss":1.25,"epoch":1}', 'L1'],
      ['abc', 'r', 1, '{"loss":0.5}', 'L2'],
      ['other', 'other', 0, '{"x":2}', null],
    ])
    expect(new Set(got.map((g) => g.timestamp)).size).toBe(1)
    expect(got[0]!.timestamp).toMatch(TS)
    const configs = rows(dir, 'p', 'configs') as unknown as { run_id: string; config: Uint8Array }[]
    expect(configs.map((c) => [c.run_id, new TextDecoder().decode(c.config)])).toEqual([['abc', '{"lr":0.1,"_Group":null}']])
    // read back through our own read tool
    const back = await call('get_logs', { project: 'p', run_id: 'abc' })
    expect(back.text).toContain('"loss":1.25,"epoch":1,')
  })

  test('positional and Gradio data forms', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    expect((await call('bulk_log', [[entry()], null], H)).status).toBe(200)
    expect((await call('bulk_log', { data: [[entry()], null] }, H)).status).toBe(200)
    expect(rows(dir, 'p').map((r) => Number(r.step))).toEqual([0, 1])
  })

  test("a retry with the same log_ids is idempotent (Trackio's observed sequence)", async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    await call('bulk_log', kw([entry({ log_id: 'L1' }), entry({ log_id: 'L2' })]), H)
    await call('bulk_log', kw([entry({ log_id: 'L1' }), entry({ step: 7, log_id: 'L3' })]), H)
    await call('bulk_log', kw([entry({ log_id: 'L1' }), entry({ step: 7, log_id: 'L3' })]), H)
    expect(rows(dir, 'p').map((r) => [Number(r.step), r.log_id])).toEqual([[0, 'L1'], [1, 'L2'], [7, 'L3']])
  })

  test('values are stored exactly: int/float, key order, big ints, NaN/Infinity encoding', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const text = '{"logs":[{"project":"p","run":"r","metrics":{"b":1.0,"a":1,"10":2,"2":1e-7,"big":18446744073709551615,"neg":-9223372036854775808,' +
      '"inf":1e999,"ninf":-1e999,"n":{"x":1e999,"l":[1.50,null,true]},"s":"é🚀"}}],"hf_token":null}'
    expect((await call('bulk_log', text, H)).status).toBe(200)
    expect(rows(dir, 'p')[0]!.metrics).toBe(
      '{"b":1.0,"a":1,"10":2,"2":1e-7,"big":18446744073709551615,"neg":-9223372036854775808,"inf":"Infinity","ninf":"-Infinity","n":{"x":"Infinity","l":[1.5,null,true]},"s":"é🚀"}',
    )
  })

  test('a bad entry is a 400 naming index and key, and nothing of the request is written', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const cases: [unknown[], string][] = [
      [[entry(), entry(), entry(), { project: 'p', metrics: {} }], "logs[3]: missing required key 'run'"],
      [[entry(), { run: 'r', metrics: {} }], "logs[1]: missing required key 'project'"],
      [[entry({ project: 'q' }), { project: 'p', run: 'r' }], "logs[1]: missing required key 'metrics'"],
      [[entry(), entry({ metrics: 5 })], "logs[1]: 'metrics' must be a JSON object"],
      [[entry({ step: 1.5 })], "logs[0]: 'step' must be an integer or null"],
      [[entry({ run: 3 })], "logs[0]: 'run' must be a string"],
      [[entry(), 'x'], 'logs[1]: expected an object'],
      [[entry({ config: [1] })], "logs[0]: 'config' must be a JSON object"],
      [[entry({ log_id: 5 })], "logs[0]: 'log_id' must be a string"],
    ]
    for (const [logs, msg] of cases) {
      const r = await call('bulk_log', kw(logs), H)
      expect(r.status).toBe(400)
      expect(r.json.error).toStartWith(msg)
    }
    const big = await call('bulk_log', '{"logs":[{"project":"p","run":"r","metrics":{}},{"project":"p","run":"r","metrics":{"a":{"b":18446744073709551616}}}],"hf_token":null}', H)
    expect(big.status).toBe(400)
    expect(big.json.error).toBe("logs[1]: Integer exceeds 64-bit range in 'metrics.a.b': 18446744073709551616")
    const step = await call('bulk_log', '{"logs":[{"project":"p","run":"r","metrics":{},"step":9223372036854775808}],"hf_token":null}', H)
    expect(step.status).toBe(400)
    expect(step.json.error).toContain("logs[0]: 'step' is outside the 64-bit integer range")
    const surrogate = await call('bulk_log', '{"logs":[{"project":"p","run":"r","metrics":{"k":"\\ud800"}}],"hf_token":null}', H)
    expect(surrogate.status).toBe(400)
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
    expect(existsSync(join(dir, 'q.db'))).toBe(false)
  })

  test('missing arguments, wrong types and nesting limits; no entry count limit', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    expect((await call('bulk_log', { logs: [entry()] }, H)).json.error).toBe('Missing required parameter: hf_token')
    expect((await call('bulk_log', { hf_token: null }, H)).json.error).toBe('Missing required parameter: logs')
    expect((await call('bulk_log', { logs: 'x', hf_token: null }, H)).status).toBe(400)
    let deep: unknown = 1
    for (let i = 0; i < 70; i++) deep = { d: deep }
    const d = await call('bulk_log', kw([entry({ metrics: deep })]), H)
    expect(d.status).toBe(400)
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
    const ok = await call('bulk_log', kw(Array.from({ length: 10_001 }, () => entry())), H)
    expect(ok.status).toBe(200)
    expect(rows(dir, 'p').length).toBe(10_001)
  })

  test('a database error is an error response, and no group of that project is half-written', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    expect((await call('bulk_log', kw([entry({ project: 'a' })]), H)).status).toBe(200)
    expect((await call('bulk_log', kw([entry()]), H)).status).toBe(200)
    const db = new Database(join(dir, 'p.db'))
    db.run("CREATE TRIGGER boom BEFORE INSERT ON metrics WHEN NEW.run_name = 'bad' BEGIN SELECT RAISE(ABORT, 'boom'); END")
    db.close()
    const r = await call('bulk_log', kw([entry(), entry({ run: 'r2' }), entry({ run: 'bad' })]), H)
    expect(r.status).toBeGreaterThanOrEqual(500)
    expect(r.json.error).toContain('boom')
    expect(rows(dir, 'p').length).toBe(1)
    // across projects: the first project is committed, and the error says so
    const x = await call('bulk_log', kw([entry({ project: 'a' }), entry({ run: 'bad' })]), H)
    expect(x.status).toBeGreaterThanOrEqual(500)
    expect(x.json.error).toContain("already stored: 'a'")
    expect(rows(dir, 'a').length).toBe(2)
    expect(rows(dir, 'p').length).toBe(1)
  })

  test('the contributed clients\' flat payload', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const body = {
      project: 'js', run: 'js-run',
      metrics_list: [{ loss: 0.9 }, { loss: 0.75 }, { loss: 0.5 }],
      steps: [-1, -1, 10],
      timestamps: ['', '2026-01-02T03:04:05.5Z', ''],
      config: { lr: 0.01 },
    }
    const r = await call('bulk_log', body, H)
    expect(r.status).toBe(200)
    const got = rows(dir, 'js')
    expect(got.map((g) => [Number(g.step), g.metrics])).toEqual([[0, '{"loss":0.9}'], [1, '{"loss":0.75}'], [10, '{"loss":0.5}']])
    expect(got[1]!.timestamp).toBe('2026-01-02T03:04:05.500000+00:00')
    expect(got[0]!.timestamp).toMatch(TS)
    expect((rows(dir, 'js', 'configs') as unknown[]).length).toBe(1)
    // Go omits empty steps/timestamps
    expect((await call('bulk_log', { project: 'js', run: 'js-run', metrics_list: [{ a: 1 }] }, H)).status).toBe(200)
    expect(rows(dir, 'js').map((g) => Number(g.step))).toEqual([0, 1, 10, 11])
    const bad = await call('bulk_log', { project: 'js', run: 'js-run', metrics_list: [{ a: 1 }], timestamps: ['yesterday'] }, H)
    expect(bad.status).toBe(400)
    expect(bad.json.error).toContain('timestamps[0]')
    expect((await call('bulk_log', { project: 'js', metrics_list: [] }, H)).status).toBe(400)
  })
})
