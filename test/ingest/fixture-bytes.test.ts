import { copyFileSync } from 'node:fs'
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { FIXTURES, inProcessApp, python3, tempDir } from '../helpers'

/**
 * Rows of the fixtures (written by Trackio 0.36.0) are posted again through our logging tools,
 * the way the Python client posts them; what we store must be the same bytes, column types,
 * step numbering and timestamp spelling. Python's sqlite3 + json then reads both files.
 */

const H = { 'x-trackio-write-token': 'test-token' }
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/
const DBS = [
  ['basic', 'image-classification'],
  ['basic', 'llm-finetune'],
  ['edge', 'EdgeCasesünïcødéwithdotsspaces'],
  ['edge', 'media-project'],
  ['edge', 'alerts-only'],
] as const

const text = (v: unknown): string => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v))
const q = (v: unknown): string => (v === null ? 'null' : typeof v === 'bigint' ? v.toString() : JSON.stringify(v))

function all(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true, safeIntegers: true })
  try {
    return db.query(sql).all() as Record<string, unknown>[]
  } finally {
    db.close()
  }
}

const METRICS = 'SELECT run_id, run_name, step, metrics, typeof(metrics) AS t, typeof(step) AS ts, typeof(timestamp) AS tt, log_id, timestamp FROM metrics ORDER BY id'
const SYSTEM = 'SELECT run_id, run_name, timestamp, metrics, typeof(metrics) AS t, log_id FROM system_metrics ORDER BY id'
const ALERTS = 'SELECT run_id, run_name, timestamp, title, text, level, step, typeof(step) AS ts, alert_id FROM alerts ORDER BY id'
const CONFIGS = 'SELECT run_id, run_name, config, typeof(config) AS t FROM configs ORDER BY run_id'

function columnsOf(path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const { name } of all(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") as { name: string }[])
    out[name] = all(path, `PRAGMA table_info("${name}")`)
  return out
}

async function repost(stem: string, src: string, dir: string): Promise<void> {
  const { call } = await inProcessApp(dir)
  const configs = new Map(all(src, CONFIGS).map((c) => [c.run_id, text(c.config)]))
  const seen = new Set<unknown>()
  const logs = all(src, METRICS).map((r) => {
    const cfg = !seen.has(r.run_id) && configs.has(r.run_id) ? `,"config":${configs.get(r.run_id)}` : ''
    seen.add(r.run_id)
    return `{"project":${q(stem)},"run":${q(r.run_name)},"run_id":${q(r.run_id)},"metrics":${text(r.metrics)},"step":${q(r.step)}${cfg},"log_id":${q(r.log_id)}}`
  })
  const post = async (tool: string, key: string, items: string[]) => {
    const r = await call(tool, `{"args":[],"kwargs":{"${key}":[${items.join(',')}],"hf_token":null}}`, H)
    expect(r.text).toBe('{"data":null}')
  }
  if (logs.length) await post('bulk_log', 'logs', logs)
  const system = all(src, SYSTEM).map(
    (r) => `{"project":${q(stem)},"run":${q(r.run_name)},"run_id":${q(r.run_id)},"metrics":${text(r.metrics)},"timestamp":${q(r.timestamp)},"log_id":${q(r.log_id)}}`,
  )
  if (system.length) await post('bulk_log_system', 'logs', system)
  const alerts = all(src, ALERTS).map(
    (r) =>
      `{"project":${q(stem)},"run":${q(r.run_name)},"run_id":${q(r.run_id)},"title":${q(r.title)},"text":${q(r.text)},"level":${q(r.level)},"step":${q(r.step)},"timestamp":${q(r.timestamp)},"alert_id":${q(r.alert_id)}}`,
  )
  if (alerts.length) await post('bulk_alert', 'alerts', alerts)
}

describe('what we store equals what Trackio stores', () => {
  for (const [set, stem] of DBS) {
    test(`${set}/${stem}`, async () => {
      // Read a copy: opening a WAL database, even read-only, leaves -wal/-shm files beside it.
      const src = join(tempDir(), `${stem}.db`)
      copyFileSync(join(FIXTURES, set, `${stem}.db`), src)
      const dir = tempDir()
      await repost(stem, src, dir)
      const ours = join(dir, `${stem}.db`)
      expect(columnsOf(ours)).toEqual(columnsOf(src))

      const strip = (rows: Record<string, unknown>[], drop: string[]) =>
        rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Uint8Array ? text(v) : v]).filter(([k]) => !drop.includes(k as string))))
      const mine = all(ours, METRICS)
      expect(strip(mine, ['timestamp'])).toEqual(strip(all(src, METRICS), ['timestamp']))
      for (const r of mine) expect(String(r.timestamp)).toMatch(TS)
      expect(strip(all(ours, SYSTEM), [])).toEqual(strip(all(src, SYSTEM), []))
      expect(strip(all(ours, ALERTS), [])).toEqual(strip(all(src, ALERTS), []))
      expect(strip(all(ours, CONFIGS), [])).toEqual(strip(all(src, CONFIGS), []))

      // Python reads our file as Trackio does: BLOB JSON through json.loads, isoformat timestamps.
      const script = `
import sqlite3, json, sys, datetime
def rows(path, sql):
    c = sqlite3.connect(path)
    try: return c.execute(sql).fetchall()
    finally: c.close()
ours, src = sys.argv[1], sys.argv[2]
n = 0
for table, cols in (("metrics", "run_id, step, metrics, timestamp"), ("system_metrics", "run_id, NULL, metrics, timestamp"), ("configs", "run_id, NULL, config, created_at")):
    a = rows(ours, f"SELECT {cols}, typeof({cols.split(', ')[2]}) FROM {table} ORDER BY {'run_id' if table == 'configs' else 'id'}")
    b = rows(src, f"SELECT {cols}, typeof({cols.split(', ')[2]}) FROM {table} ORDER BY {'run_id' if table == 'configs' else 'id'}")
    assert len(a) == len(b), (table, len(a), len(b))
    for x, y in zip(a, b):
        assert x[4] == "blob" and isinstance(x[2], bytes), (table, x)
        assert json.loads(x[2]) == json.loads(y[2]), (table, x, y)
        assert (x[0], x[1]) == (y[0], y[1]), (x, y)
        t = datetime.datetime.fromisoformat(x[3])
        assert t.tzinfo is not None and t.utcoffset() == datetime.timedelta(0) and t.isoformat() == x[3], x[3]
        n += 1
print(n)
`
      const p = Bun.spawnSync([python3(), '-c', script, ours, src])
      expect(p.stderr.toString()).toBe('')
      const expected = [METRICS, SYSTEM, CONFIGS].reduce((n, sql) => n + all(src, sql).length, 0)
      expect(Number(p.stdout.toString())).toBe(expected)
    })
  }
})
