import { Database } from 'bun:sqlite'
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { inProcessApp, python3, tempDir } from '../../helpers'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

/**
 * Name-keyed databases of the 2025-07 → 2026-04 era (compat §2): no run_id anywhere, metrics as
 * json.dumps TEXT (", " / ": " spacing) mixed with orjson BLOBs, optional configs keyed by name.
 */
let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']

const enc = (s: string) => new TextEncoder().encode(s)

function python(script: string, ...args: string[]): string {
  const r = Bun.spawnSync([python3(), '-c', script, ...args], { stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(r.stderr.toString())
  return r.stdout.toString()
}

beforeAll(async () => {
  dir = tempDir()
  // 1. metrics only (no configs, no system_metrics, no alerts)
  let db = new Database(join(dir, 'legacy.db'))
  db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT, run_name TEXT, step INTEGER, metrics TEXT)')
  const ins = db.prepare('INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?)')
  ins.run('2025-08-01T10:00:00.000001+00:00', 'alpha', 0, '{"loss": 1.0, "acc": 0, "nested": {"x": "NaN", "10": 1, "2": 2}, "tiny": 1e-07}')
  ins.run('2025-08-01T10:00:00.000001+00:00', 'alpha', 1, '{"loss": 0.5, "acc": 0.25, "big": 18446744073709551615}')
  ins.run('2025-08-01T10:00:05+00:00', 'beta', 0, '{"loss": 2.0}')
  ins.run('2025-08-01T10:00:02+00:00', 'alpha', 2, enc('{"loss":0.25,"acc":0.5,"str_nan":"NaN"}')) // orjson BLOB, earlier timestamp than beta
  ins.run('2025-08-02T00:00:00+00:00', 'alpha', 3, '{"loss": NaN, "acc": Infinity, "neg": -Infinity}') // pre-2025-09-05 bare tokens
  ins.run('2025-08-02', 'beta', 1, '{"loss": 1.5, "100.0": 100.0}')
  db.close()

  // 2. every legacy table, all keyed by name
  db = new Database(join(dir, 'legacy-full.db'))
  db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY, timestamp TEXT, run_name TEXT, step INTEGER, metrics TEXT, log_id TEXT, space_id TEXT)')
  db.run('CREATE TABLE configs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_name TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE(run_name))')
  db.run('CREATE TABLE system_metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, metrics TEXT NOT NULL, log_id TEXT, space_id TEXT)')
  db.run("CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, title TEXT NOT NULL, text TEXT, level TEXT NOT NULL DEFAULT 'warn', step INTEGER, alert_id TEXT)")
  db.run(`INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES
    ('2026-01-10T00:00:00+00:00', 'r1', 0, '{"m": 1}'), ('2026-01-10T00:00:01+00:00', 'r1', 1, '{"m": 2}'),
    ('2026-01-09T00:00:00+00:00', 'r0', 0, '{"m": 0}')`)
  db.run(`INSERT INTO configs (run_name, config, created_at) VALUES ('r1', '{"lr": 0.001, "nan": "NaN", "deep": {"inf": "Infinity"}}', '2026-01-10T00:00:00+00:00')`)
  db.run(`INSERT INTO system_metrics (timestamp, run_name, metrics) VALUES
    ('2026-01-10T00:00:00+00:00', 'r1', '{"cpu": 1.0, "gpu": 2}'), ('2026-01-10T00:00:01+00:00', 'r1', '{"mem": 3.5}')`)
  db.run(`INSERT INTO alerts (timestamp, run_name, title, text, level, step) VALUES
    ('2026-01-10T00:00:00+00:00', 'r1', 'a', NULL, 'info', 0), ('2026-01-10T00:00:02+00:00', 'r1', 'b', 't', 'warn', 1),
    ('2026-01-10T00:00:01+00:00', 'r0', 'c', NULL, 'error', NULL)`)
  db.close()
  ;({ call } = await inProcessApp(dir))
})

describe('legacy name-keyed metrics-only database', () => {
  test('listed by get_all_projects', async () => {
    expect((await call('get_all_projects')).json.data).toEqual(['legacy', 'legacy-full'])
  })

  test('runs: id = name, created_at = first timestamp', async () => {
    const r = await call('get_runs_for_project', { project: 'legacy' })
    expect(r.text).toBe(
      '{"data":[{"id":"alpha","name":"alpha","created_at":"2025-08-01T10:00:00.000001+00:00"},{"id":"beta","name":"beta","created_at":"2025-08-01T10:00:05+00:00"}]}',
    )
  })

  test('get_logs equals Python json.loads/json.dumps of the rows (TEXT and BLOB, spacing removed, bare NaN → null)', async () => {
    const expected = python(
      `
import sqlite3, json, sys, math
con = sqlite3.connect(sys.argv[1])
def dec(v):
    if isinstance(v, str) and v in ('NaN', 'Infinity', '-Infinity'): return None
    if isinstance(v, float) and not math.isfinite(v): return None
    return v
out = []
for ts, step, m in con.execute("SELECT timestamp, step, metrics FROM metrics WHERE run_name='alpha' ORDER BY timestamp, id"):
    d = {k: dec(v) for k, v in json.loads(m.decode() if isinstance(m, bytes) else m).items()}
    d['timestamp'] = ts; d['step'] = step
    out.append(d)
print(json.dumps(out, separators=(',', ':'), ensure_ascii=False), end='')`,
      join(dir, 'legacy.db'),
    )
    const r = await call('get_logs', { project: 'legacy', run: 'alpha' })
    expect(r.status).toBe(200)
    expect(r.text).toBe(`{"data":${expected}}`)
    expect(r.text).toContain('"nested":{"x":"NaN","10":1,"2":2},"tiny":1e-07,')
    expect(r.text).toContain('"big":18446744073709551615')
    expect(r.json.data.map((x: any) => x.step)).toEqual([0, 1, 2, 3])
  })

  test('metrics list works even with a bare-NaN row (sorted, step/timestamp excluded)', async () => {
    const r = await call('get_metrics_for_run', { project: 'legacy', run: 'alpha' })
    expect(r.json.data).toEqual(['acc', 'big', 'loss', 'neg', 'nested', 'str_nan', 'tiny'])
    expect((await call('get_metrics_for_run', { project: 'legacy', run_id: 'beta' })).json.data).toEqual(['100.0', 'loss'])
  })

  test('metric values and snapshot; run_id is a name; bare tokens → null', async () => {
    const r = await call('get_metric_values', { project: 'legacy', run: 'alpha', metric_name: 'loss' })
    expect(r.text).toBe(
      '{"data":[{"timestamp":"2025-08-01T10:00:00.000001+00:00","step":0,"value":1.0},{"timestamp":"2025-08-01T10:00:00.000001+00:00","step":1,"value":0.5},' +
        '{"timestamp":"2025-08-01T10:00:02+00:00","step":2,"value":0.25},{"timestamp":"2025-08-02T00:00:00+00:00","step":3,"value":null}]}',
    )
    const byId = await call('get_metric_values', { project: 'legacy', run: null, run_id: 'alpha', metric_name: 'loss' })
    expect(byId.text).toBe(r.text)
    // legacy tables: run wins when both are given (filter run_name = run ?? run_id)
    const both = await call('get_metric_values', { project: 'legacy', run: 'beta', run_id: 'alpha', metric_name: 'loss' })
    expect(both.json.data.map((p: any) => p.value)).toEqual([2, 1.5])
    const snap = await call('get_snapshot', { project: 'legacy', run: 'alpha', step: 3 })
    expect(snap.text).toBe(
      '{"data":{"loss":[{"timestamp":"2025-08-02T00:00:00+00:00","step":3,"value":null}],"acc":[{"timestamp":"2025-08-02T00:00:00+00:00","step":3,"value":null}],"neg":[{"timestamp":"2025-08-02T00:00:00+00:00","step":3,"value":null}]}}',
    )
  })

  test('at_time with legacy date-only timestamps compares instants', async () => {
    const r = await call('get_metric_values', { project: 'legacy', run: 'beta', metric_name: 'loss', at_time: '2025-08-02T00:00:00Z', window: 0 })
    expect(r.json.data).toEqual([{ timestamp: '2025-08-02', step: 1, value: 1.5 }])
    const w = await call('get_metric_values', { project: 'legacy', run: 'beta', metric_name: 'loss', at_time: '2025-08-01 10:00:04', window: 1 })
    expect(w.json.data.map((p: any) => p.step)).toEqual([0])
  })

  test('run summary: no configs table → config null; by run_id the name is filled', async () => {
    const r = await call('get_run_summary', { project: 'legacy', run: 'beta' })
    expect(r.text).toBe('{"data":{"project":"legacy","run":"beta","run_id":null,"num_logs":2,"metrics":["100.0","loss"],"config":null,"last_step":1}}')
    const byId = await call('get_run_summary', { project: 'legacy', run_id: 'beta' })
    expect(byId.json.data).toMatchObject({ run: 'beta', run_id: 'beta', num_logs: 2 })
  })

  test('project summary; missing system/alerts tables read as empty', async () => {
    const s = await call('get_project_summary', { project: 'legacy' })
    expect(s.json.data).toMatchObject({ project: 'legacy', num_runs: 2, last_activity: 3 })
    for (const [tool, empty] of [
      ['get_system_logs', '[]'],
      ['get_system_metrics_for_run', '[]'],
      ['get_alerts', '[]'],
    ] as const) {
      const r = await call(tool, { project: 'legacy', run: 'alpha' })
      expect(r.status).toBe(200)
      expect(r.text).toBe(`{"data":${empty}}`)
    }
    expect((await call('get_alerts', { project: 'legacy' })).text).toBe('{"data":[]}')
  })

  test('scalar_only: "NaN" strings, strings and dicts dropped; bare NaN tokens are floats, so kept (as null)', async () => {
    const r = await call('get_logs', { project: 'legacy', run: 'alpha', scalar_only: true })
    expect(r.json.data.map((x: any) => Object.keys(x))).toEqual([
      ['loss', 'acc', 'tiny', 'timestamp', 'step'],
      ['loss', 'acc', 'big', 'timestamp', 'step'],
      ['loss', 'acc', 'timestamp', 'step'],
      ['loss', 'acc', 'neg', 'timestamp', 'step'],
    ])
    expect(r.text).toContain('{"loss":null,"acc":null,"neg":null,"timestamp":"2025-08-02T00:00:00+00:00","step":3}')
  })
})

describe('legacy database with every table keyed by name', () => {
  test('configs looked up by name, top-level NaN decoded', async () => {
    const r = await call('get_run_summary', { project: 'legacy-full', run: 'r1' })
    expect(r.text).toBe(
      '{"data":{"project":"legacy-full","run":"r1","run_id":null,"num_logs":2,"metrics":["m"],"config":{"lr":0.001,"nan":null,"deep":{"inf":"Infinity"}},"last_step":1}}',
    )
    expect((await call('get_run_summary', { project: 'legacy-full', run: 'r0' })).json.data.config).toBeNull()
    expect((await call('get_run_summary', { project: 'legacy-full', run_id: 'r1' })).json.data.config).toEqual({ lr: 0.001, nan: null, deep: { inf: 'Infinity' } })
  })

  test('runs ordered by first timestamp', async () => {
    const r = await call('get_runs_for_project', { project: 'legacy-full' })
    expect(r.json.data.map((x: any) => x.id)).toEqual(['r0', 'r1'])
  })

  test('system metrics by name', async () => {
    const r = await call('get_system_logs', { project: 'legacy-full', run: 'r1' })
    expect(r.text).toBe('{"data":[{"cpu":1.0,"gpu":2,"timestamp":"2026-01-10T00:00:00+00:00"},{"mem":3.5,"timestamp":"2026-01-10T00:00:01+00:00"}]}')
    expect((await call('get_system_metrics_for_run', { project: 'legacy-full', run_id: 'r1' })).json.data).toEqual(['cpu', 'gpu', 'mem'])
  })

  test('alerts by name, newest first, filters', async () => {
    const all = await call('get_alerts', { project: 'legacy-full' })
    expect(all.json.data.map((a: any) => a.title)).toEqual(['b', 'c', 'a'])
    expect((await call('get_alerts', { project: 'legacy-full', run: 'r1' })).json.data.map((a: any) => a.title)).toEqual(['b', 'a'])
    expect((await call('get_alerts', { project: 'legacy-full', run_id: 'r0' })).text).toBe(
      '{"data":[{"timestamp":"2026-01-10T00:00:01+00:00","run":"r0","title":"c","text":null,"level":"error","step":null}]}',
    )
    expect((await call('get_alerts', { project: 'legacy-full', run: 'zz' })).text).toBe('{"data":[]}')
    expect((await call('get_alerts', { project: 'legacy-full', level: 'warn', since: '2026-01-10T00:00:01' })).json.data.map((a: any) => a.title)).toEqual(['b'])
  })
})
