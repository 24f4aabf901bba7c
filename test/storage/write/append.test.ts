import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequestError } from '../../../src/errors'
import { columnText, parseJson } from '../../../src/json/parse'
import { JsonFloat, type Json, type JsonObject } from '../../../src/json/values'
import { FIXTURES, python3, tempDir } from '../../helpers'
import { ensureSchema } from '../../../src/storage/db/schema'
import { writePragmas } from '../../../src/storage/db/pragmas'
import { appendAlerts, appendMetrics, appendSystemMetrics } from '../../../src/storage/write/append'

const FIX = FIXTURES
const EDGE_STEM = 'EdgeCasesünïcødéwithdotsspaces'
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/

const tmp = tempDir

/** Copy a fixture DB (with its WAL sidecars) into a fresh temp dir; returns that dir. */
function copyFixture(set: string, stem: string): string {
  const dir = tmp()
  for (const ext of ['.db', '.db-wal', '.db-shm']) {
    const src = join(FIX, set, stem + ext)
    if (existsSync(src)) copyFileSync(src, join(dir, stem + ext))
  }
  return dir
}

function open(path: string): Database {
  return new Database(path, { safeIntegers: true })
}

interface Col { cid: bigint; name: string; type: string; notnull: bigint; dflt_value: string | null; pk: bigint }

/** Everything about a schema that matters to readers: tables, columns, indexes and their keys. */
function schemaShape(db: Database): unknown {
  const tables = (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name)
  const out: Record<string, unknown> = {}
  for (const t of tables) {
    const cols = db.query(`PRAGMA table_info("${t}")`).all() as Col[]
    const idx = (db.query(`PRAGMA index_list("${t}")`).all() as { name: string; unique: bigint; origin: string; partial: bigint }[])
      .map((i) => ({
        name: i.name.startsWith('sqlite_autoindex') ? `auto:${(db.query(`PRAGMA index_info("${i.name}")`).all() as { name: string }[]).map((c) => c.name).join(',')}` : i.name,
        unique: i.unique,
        origin: i.origin,
        partial: i.partial,
        cols: (db.query(`PRAGMA index_info("${i.name}")`).all() as { name: string }[]).map((c) => c.name),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
    out[t] = { cols: cols.map((c) => [c.cid, c.name, c.type, c.notnull, c.dflt_value, c.pk]), idx }
  }
  return out
}

/** Read rows back with Python's sqlite3 + json, print them as JSON lines. */
function pythonRows(dbPath: string, sql: string): unknown[] {
  const code = `import sqlite3,json,sys
c=sqlite3.connect(sys.argv[1])
for row in c.execute(sys.argv[2]):
    print(json.dumps([json.loads(v) if isinstance(v,(bytes,)) else v for v in row]))`
  const r = Bun.spawnSync([python3(), '-c', code, dbPath, sql])
  if (r.exitCode !== 0) throw new Error(r.stderr.toString())
  return r.stdout.toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

const m = (entries: [string, Json][]): JsonObject => new Map(entries)

describe('schema', () => {
  test('a fresh database has exactly the schema of a Trackio-written one', async () => {
    const dir = tmp()
    await appendMetrics(dir, 'fresh', 'r', 'id1', [{ metrics: m([['x', 1]]), step: null }])
    const ours = open(join(dir, 'fresh.db'))
    const fixDir = copyFixture('edge', 'collision')
    const theirs = open(join(fixDir, 'collision.db'))
    expect(schemaShape(ours)).toEqual(schemaShape(theirs))
    const list = (db: Database): string[] => (db.query("SELECT type || ':' || name FROM sqlite_master ORDER BY 1").values() as string[][]).map((r) => r[0]!)
    expect(list(ours)).toEqual(list(theirs))
    expect(ours.query('PRAGMA journal_mode').values()[0]![0]).toBe('wal')
    ours.close()
    theirs.close()
  })

  test('ensureSchema is idempotent and leaves a Trackio file unchanged', () => {
    const dir = copyFixture('basic', 'llm-finetune')
    const db = open(join(dir, 'llm-finetune.db'))
    const before = db.query('SELECT type, name, sql FROM sqlite_master').all()
    ensureSchema(db)
    ensureSchema(db)
    expect(db.query('SELECT type, name, sql FROM sqlite_master').all()).toEqual(before)
    db.close()
  })

  test('a legacy name-keyed file is migrated and written in name-keyed mode', async () => {
    const dir = tmp()
    const db = open(join(dir, 'old.db'))
    db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT, run_name TEXT, step INTEGER, metrics TEXT)')
    db.run("INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES ('2024-01-01', 'r', 4, '{\"a\": 1}')")
    db.run('CREATE TABLE configs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_name TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE(run_name))')
    db.run('CREATE TABLE pending_uploads (id INTEGER PRIMARY KEY AUTOINCREMENT, space_id TEXT NOT NULL, run_id TEXT, run_name TEXT, step INTEGER, file_path TEXT NOT NULL, relative_path TEXT, created_at TEXT NOT NULL)')
    db.close()
    const res = await appendMetrics(dir, 'old', 'r', 'ignored-id', [{ metrics: m([['a', 2]]), step: null, logId: 'L' }], m([['lr', 0.1]]), '2026-01-01T00:00:00+00:00')
    expect(res.steps).toEqual([5])
    const after = open(join(dir, 'old.db'))
    const cols = (t: string): string[] => (after.query(`PRAGMA table_info(${t})`).all() as Col[]).map((c) => c.name)
    expect(cols('metrics')).toEqual(['id', 'timestamp', 'run_name', 'step', 'metrics', 'log_id', 'space_id'])
    expect(cols('pending_uploads').slice(-2)).toEqual(['kind', 'digest'])
    expect(cols('alerts')).toContain('run_id')
    const idx = after.query("SELECT sql FROM sqlite_master WHERE name = 'idx_metrics_run_step'").get() as { sql: string }
    expect(idx.sql).toContain('metrics(run_name, step)')
    expect(after.query('SELECT run_name, step, log_id FROM metrics ORDER BY id').values()).toEqual([['r', 4n, null], ['r', 5n, 'L']])
    expect(after.query('SELECT run_name, CAST(config AS TEXT) FROM configs').values()).toEqual([['r', '{"lr":0.1}']])
    after.close()
  })
})

describe('appendMetrics', () => {
  test('rows are byte-identical to the ones Trackio wrote', async () => {
    const fixDir = copyFixture('edge', EDGE_STEM)
    const fix = open(join(fixDir, `${EDGE_STEM}.db`))
    const rows = fix.query("SELECT step, metrics, typeof(metrics) AS t FROM metrics WHERE run_name IN ('run with spaces', 'ünïcødé-run-🚀') ORDER BY id").all() as { step: bigint; metrics: Uint8Array; t: string }[]
    const config = fix.query("SELECT config FROM configs WHERE run_name = 'run with spaces'").get() as { config: Uint8Array }
    fix.close()
    expect(rows.length).toBe(22)
    const dir = tmp()
    const project = 'Edge Cases: ünïcødé/with.dots & spaces'
    const entries = rows.map((r) => ({ metrics: parseJson(columnText(r.metrics)) as JsonObject, step: r.step }))
    const res = await appendMetrics(dir, project, 'run with spaces', 'rid', entries, parseJson(columnText(config.config)) as JsonObject)
    expect(res.inserted).toBe(22)
    const ours = open(join(dir, `${EDGE_STEM}.db`))
    const back = ours.query('SELECT step, metrics, typeof(metrics) AS t, timestamp, typeof(step) AS st FROM metrics ORDER BY id').all() as { step: bigint; metrics: Uint8Array; t: string; timestamp: string; st: string }[]
    expect(back.map((r) => r.t)).toEqual(rows.map(() => 'blob'))
    expect(back.map((r) => r.st)).toEqual(rows.map(() => 'integer'))
    expect(back.map((r) => r.step)).toEqual(rows.map((r) => r.step))
    back.forEach((r, i) => expect(Buffer.from(r.metrics).toString()).toBe(Buffer.from(rows[i]!.metrics).toString()))
    for (const r of back) expect(r.timestamp).toMatch(TS)
    const cfg = ours.query('SELECT config, typeof(config) AS t, created_at FROM configs').get() as { config: Uint8Array; t: string; created_at: string }
    expect(cfg.t).toBe('blob')
    expect(Buffer.from(cfg.config).toString()).toBe(Buffer.from(config.config).toString())
    expect(cfg.created_at).toMatch(TS)
    ours.close()
    expect(existsSync(join(dir, `${EDGE_STEM}.lock`))).toBe(true)
  })

  test('python3 reads our rows back with json.loads', async () => {
    const dir = tmp()
    await appendMetrics(dir, 'py', 'run', 'rid', [
      { metrics: m([['loss', new JsonFloat('0.5')], ['epoch', 1], ['val', m([['acc', 1.0 as number]])], ['nan', NaN], ['big', 2n ** 63n - 1n], ['é', 'ü']]), step: 0 },
    ])
    const rows = pythonRows(join(dir, 'py.db'), 'SELECT run_id, run_name, step, metrics FROM metrics')
    expect(rows).toEqual([['rid', 'run', 0, { loss: 0.5, epoch: 1, val: { acc: 1 }, nan: 'NaN', big: 9223372036854775807, é: 'ü' }]])
    const types = Bun.spawnSync([python3(), '-c', `import sqlite3,sys,json
c=sqlite3.connect(sys.argv[1]); v=json.loads(c.execute('select metrics from metrics').fetchone()[0])
print(type(v['loss']).__name__, type(v['epoch']).__name__, type(v['val']['acc']).__name__)`, join(dir, 'py.db')])
    expect(types.stdout.toString().trim()).toBe('float int int')
  })

  test('auto steps continue from MAX(step)+1 per run; log_id dedup consumes steps', async () => {
    const dir = tmp()
    const e = (step: number | null, logId?: string) => ({ metrics: m([['x', 1]]), step, logId })
    expect((await appendMetrics(dir, 'p', 'r', 'A', [e(null, 'L1'), e(null, 'L2')])).steps).toEqual([0, 1])
    const retry = await appendMetrics(dir, 'p', 'r', 'A', [e(null, 'L1'), e(7, 'L3')])
    expect(retry).toEqual({ inserted: 1, skipped: 1, steps: [2, 7], insertedFlags: [false, true] })
    expect((await appendMetrics(dir, 'p', 'r', 'A', [e(null)])).steps).toEqual([8])
    // Another run id with the same name has its own steps.
    expect((await appendMetrics(dir, 'p', 'r', 'B', [e(null), e(null)])).steps).toEqual([0, 1])
    // run_id null means the run name.
    expect((await appendMetrics(dir, 'p', 'named', null, [e(null)])).steps).toEqual([0])
    const db = open(join(dir, 'p.db'))
    expect(db.query('SELECT run_id, step, log_id FROM metrics ORDER BY id').values()).toEqual([
      ['A', 0n, 'L1'], ['A', 1n, 'L2'], ['A', 7n, 'L3'], ['A', 8n, null], ['B', 0n, null], ['B', 1n, null], ['named', 0n, null],
    ])
    db.close()
  })

  test('one timestamp per call; config replaced, empty config ignored', async () => {
    const dir = tmp()
    await appendMetrics(dir, 'p', 'r', 'A', [{ metrics: {}, step: null }, { metrics: { a: 1 }, step: null }], { lr: 0.1 }, '2026-01-02T03:04:05.000006+00:00')
    await appendMetrics(dir, 'p', 'r', 'A', [{ metrics: { a: 2 }, step: null }], { lr: 0.2 })
    await appendMetrics(dir, 'p', 'r', 'A', [{ metrics: { a: 3 }, step: null }], {})
    const db = open(join(dir, 'p.db'))
    const ts = db.query('SELECT timestamp FROM metrics ORDER BY id').values().map((r) => r[0] as string)
    expect(ts[0]).toBe('2026-01-02T03:04:05.000006+00:00')
    expect(ts[1]).toBe(ts[0]!)
    expect(ts[2]).toMatch(TS)
    expect(ts[2]! > ts[0]!).toBe(true)
    expect(db.query("SELECT CAST(metrics AS TEXT) FROM metrics WHERE step = 0").values()).toEqual([['{}']])
    expect(db.query('SELECT run_id, CAST(config AS TEXT) FROM configs').values()).toEqual([['A', '{"lr":0.2}']])
    db.close()
  })

  test('big steps stay exact; bad values write nothing', async () => {
    const dir = tmp()
    // MAX(step) is read once per call, before the call's own rows: explicit steps in the same
    // call do not move the auto counter.
    expect((await appendMetrics(dir, 'p', 'r', 'A', [{ metrics: { a: 1 }, step: 2n ** 53n + 1n }, { metrics: { a: 0 }, step: null }])).steps).toEqual([2n ** 53n + 1n, 0])
    expect((await appendMetrics(dir, 'p', 'r', 'A', [{ metrics: { a: 2 }, step: null }])).steps).toEqual([2n ** 53n + 2n])
    const db = open(join(dir, 'p.db'))
    expect(db.query('SELECT step FROM metrics ORDER BY id').values()).toEqual([[9007199254740993n], [0n], [9007199254740994n]])
    db.close()
    await expect(appendMetrics(dir, 'p', 'r', 'A', [{ metrics: { ok: 1 }, step: null }, { metrics: { over: 2n ** 64n }, step: null }])).rejects.toThrow(/over/)
    await expect(appendMetrics(dir, 'p', 'r', 'A', [{ metrics: { ok: 1 }, step: 1.5 }])).rejects.toBeInstanceOf(BadRequestError)
    const db2 = open(join(dir, 'p.db'))
    expect(db2.query('SELECT COUNT(*) FROM metrics').values()[0]![0]).toBe(3n)
    db2.close()
  })

  test('writes into a copy of a Trackio database continue its runs', async () => {
    const dir = copyFixture('basic', 'image-classification')
    const db0 = open(join(dir, 'image-classification.db'))
    const { run_id } = db0.query("SELECT run_id FROM metrics WHERE run_name = 'baseline' LIMIT 1").get() as { run_id: string }
    db0.close()
    const res = await appendMetrics(dir, 'image-classification', 'baseline', run_id, [{ metrics: { loss: 0.1 }, step: null }])
    expect(res.steps).toEqual([150])
    const rows = pythonRows(join(dir, 'image-classification.db'), "SELECT COUNT(*), MAX(step) FROM metrics WHERE run_name = 'baseline'")
    expect(rows).toEqual([[151, 150]])
  })

  test('concurrent calls in one process get distinct auto steps', async () => {
    const dir = tmp()
    await Promise.all(Array.from({ length: 8 }, () => appendMetrics(dir, 'c', 'r', 'A', [{ metrics: { x: 1 }, step: null }, { metrics: { x: 2 }, step: null }])))
    const db = open(join(dir, 'c.db'))
    expect(db.query('SELECT step FROM metrics ORDER BY step').values().map((r) => r[0])).toEqual(Array.from({ length: 16 }, (_, i) => BigInt(i)))
    db.close()
  })

  test('no entries: nothing is created', async () => {
    const dir = tmp()
    expect((await appendMetrics(dir, 'none', 'r', 'A', [], { a: 1 })).inserted).toBe(0)
    expect(existsSync(join(dir, 'none.db'))).toBe(false)
  })
})

describe('appendSystemMetrics / appendAlerts', () => {
  test('system rows keep their timestamps, dedup by log_id, drop rows without timestamp', async () => {
    const dir = tmp()
    const t1 = '2026-01-01T00:00:00.500000+00:00'
    const res = await appendSystemMetrics(dir, 'p', 'r', 'A', [
      { metrics: { 'gpu/0/utilization': 10, 'cpu/utilization': 1.5 }, timestamp: t1, logId: 'S1' },
      { metrics: { x: 1 }, timestamp: null, logId: 'S2' },
      { metrics: { x: 2 }, timestamp: t1, logId: 'S1' },
    ])
    expect(res).toEqual({ inserted: 1, skipped: 2 })
    const rows = pythonRows(join(dir, 'p.db'), 'SELECT run_id, timestamp, run_name, metrics, log_id, typeof(metrics) FROM system_metrics')
    expect(rows).toEqual([['A', t1, 'r', { 'gpu/0/utilization': 10, 'cpu/utilization': 1.5 }, 'S1', 'blob']])
  })

  test('alerts: level verbatim, optional text/step, alert_id dedup', async () => {
    const dir = tmp()
    const t = '2026-01-01T00:00:01+00:00'
    const res = await appendAlerts(dir, 'p', 'r', null, [
      { title: 'a', level: 'info', timestamp: t, alertId: 'X' },
      { title: 'b', text: 'Ünï', level: 'CUSTOM', step: 3, timestamp: t },
      { title: 'c', level: 'warn', timestamp: t, alertId: 'X' },
      { title: 'd', level: 'warn', timestamp: null },
    ])
    expect(res).toEqual({ inserted: 2, skipped: 2 })
    const db = open(join(dir, 'p.db'))
    expect(db.query('SELECT run_id, timestamp, run_name, title, text, level, step, alert_id FROM alerts ORDER BY id').values()).toEqual([
      ['r', t, 'r', 'a', null, 'info', null, 'X'],
      ['r', t, 'r', 'b', 'Ünï', 'CUSTOM', 3n, null],
    ])
    db.close()
  })
})

test('writePragmas follows Trackio defaults and env overrides', () => {
  expect(writePragmas({})).toEqual([
    'PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL', 'PRAGMA temp_store = MEMORY', 'PRAGMA cache_size = -20000', 'PRAGMA mmap_size = 0',
  ])
  const env = { TRACKIO_SQLITE_JOURNAL_MODE: 'Delete', TRACKIO_SQLITE_SYNCHRONOUS: 'bogus', TRACKIO_SQLITE_MMAP_SIZE: '4096', TRACKIO_SQLITE_LOCKING_MODE: 'normal' }
  expect(writePragmas(env)).toEqual([
    'PRAGMA journal_mode = DELETE', 'PRAGMA synchronous = NORMAL', 'PRAGMA temp_store = MEMORY', 'PRAGMA cache_size = -20000', 'PRAGMA mmap_size = 4096', 'PRAGMA locking_mode = NORMAL',
  ])
  expect(writePragmas({ SYSTEM: 'spaces' })[0]).toBe('PRAGMA journal_mode = DELETE')
})
