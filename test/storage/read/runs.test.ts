import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { listRuns, resolveRun, runRowSpan } from '../../../src/storage/read/runs'
import { copyFixtures, inProcessApp } from '../../helpers'

const EDGE = 'Edge Cases: ünïcødé/with.dots & spaces'
const STEM = 'EdgeCasesünïcødéwithdotsspaces'

let dir: string
let storage: Storage
let dupFirst: string
let dupSecond: string

beforeAll(() => {
  dir = copyFixtures('basic', 'edge')
  const db = new Database(join(dir, `${STEM}.db`), { readonly: true })
  const ids = db.query("SELECT run_id FROM metrics WHERE run_name = 'dup' GROUP BY run_id ORDER BY MIN(timestamp)").values() as string[][]
  db.close()
  expect(ids).toHaveLength(2)
  dupFirst = ids[0]![0]!
  dupSecond = ids[1]![0]!
  storage = new Storage(dir)
})

afterAll(() => storage.close())

const project = (name: string) => {
  const p = storage.project(name)
  if (!p) throw new Error(`no project ${name}`)
  return p
}

describe('listRuns', () => {
  test('one record per (run_id, run_name), ordered by first metrics timestamp, equal to the SQL', () => {
    const p = project(EDGE)
    const runs = p.read(() => listRuns(p))
    const db = new Database(join(dir, `${STEM}.db`), { readonly: true })
    const sql = db
      .query('SELECT run_id AS id, run_name AS name, MIN(timestamp) AS created_at FROM metrics GROUP BY run_id, run_name ORDER BY created_at')
      .all()
    db.close()
    expect(runs).toEqual(sql as any)
    expect(runs.filter((r) => r.name === 'dup').map((r) => r.id)).toEqual([dupFirst, dupSecond])
  })

  test('unknown project → no ProjectDb; project without metrics table → []', () => {
    expect(storage.project('no-such-project')).toBeNull()
    const d = copyFixtures()
    const db = new Database(join(d, 'bare.db'))
    db.run('CREATE TABLE other (x)')
    db.close()
    const s = new Storage(d)
    const p = s.project('bare')!
    expect(p.read(() => listRuns(p))).toEqual([])
    expect(p.read(() => resolveRun(p, 'metrics', 'x', null))).toBeNull()
    s.close()
  })

  test('runs known only from artifact links are listed (compat §4 rules)', async () => {
    const d = copyFixtures('basic')
    const db = new Database(join(d, 'llm-finetune.db'))
    // the current schema already has the (empty) table
    expect((db.query('SELECT COUNT(*) AS n FROM run_artifact_links').get() as { n: number }).n).toBe(0)
    const known = (db.query("SELECT run_id FROM metrics WHERE run_name = 'gpt2-small' LIMIT 1").get() as { run_id: string }).run_id
    const ins = db.prepare('INSERT INTO run_artifact_links (run_id, run_name, artifact_version_id, direction, created_at) VALUES (?, ?, 1, ?, ?)')
    ins.run('link-only-id', 'link-only', 'output', '2000-01-01T00:00:00+00:00') // new run: listed first (oldest)
    ins.run(known, 'gpt2-small', 'input', '1999-01-01T00:00:00+00:00') // metrics run: not duplicated
    ins.run(null, 'gpt2-medium', 'input', '1999-01-01T00:00:00+00:00') // name of a metrics run: ignored
    ins.run(null, 'null-id-run', 'input', '2099-01-01T00:00:00+00:00') // null id, no other link with the name: listed, id null
    ins.run(null, 'shadowed', 'input', '2099-01-02T00:00:00+00:00') // null id but another link has an id for that name: ignored
    ins.run('shadow-id', 'shadowed', 'output', '2099-01-03T00:00:00+00:00')
    ins.run('other-id', null, 'output', '2099-01-04T00:00:00+00:00') // no name: ignored
    db.close()
    const { call } = await inProcessApp(d)
    const r = await call('get_runs_for_project', { project: 'llm-finetune' })
    const runs = r.json.data as { id: string | null; name: string; created_at: string }[]
    expect(runs.map((x) => [x.id, x.name])).toEqual([
      ['link-only-id', 'link-only'],
      [expect.any(String), 'gpt2-small'],
      [expect.any(String), 'gpt2-medium'],
      [expect.any(String), 'gpt2-small-lora'],
      [null, 'null-id-run'],
      ['shadow-id', 'shadowed'],
    ])
    expect(runs[0]!.created_at).toBe('2000-01-01T00:00:00+00:00')
    expect(runs[1]!.created_at).not.toBe('1999-01-01T00:00:00+00:00')
    const s = await call('get_project_summary', { project: 'llm-finetune' })
    expect(s.json.data.num_runs).toBe(6)
    expect(s.json.data.last_activity).toBe(99)
  })
})

describe('resolveRun', () => {
  test('run_id wins; name → latest-created; null run → null; unknown → null', () => {
    const p = project(EDGE)
    p.read(() => {
      expect(resolveRun(p, 'metrics', 'dup', null)).toEqual({ column: 'run_id', value: dupSecond })
      expect(resolveRun(p, 'metrics', 'dup', dupFirst)).toEqual({ column: 'run_id', value: dupFirst })
      expect(resolveRun(p, 'metrics', null, dupFirst)).toEqual({ column: 'run_id', value: dupFirst })
      expect(resolveRun(p, 'metrics', 'sparse', 'anything')).toEqual({ column: 'run_id', value: 'anything' })
      expect(resolveRun(p, 'metrics', null, null)).toBeNull()
      expect(resolveRun(p, 'metrics', 'nope', null)).toBeNull()
      expect(resolveRun(p, 'no_such_table', 'dup', null)).toBeNull()
    })
  })

  test('names resolved from a held run list are the ones SQLite picks: duplicates, ties, artifact links', () => {
    const d = copyFixtures('edge')
    const w = new Database(join(d, `${STEM}.db`))
    const ins = w.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, 0, ?)')
    ins.run('tie-a', '2026-01-01T00:00:00+00:00', 'tie', '{"x":1}')
    ins.run('tie-b', '2026-01-01T00:00:00+00:00', 'tie', '{"x":2}')
    ins.run('later', '2026-01-02T00:00:00+00:00', 'renamed-half', '{"x":3}')
    ins.run('later', '2026-01-03T00:00:00+00:00', 'other-name', '{"x":4}')
    const check = () => {
      const listed = new Storage(d)
      const bare = new Storage(d)
      const a = listed.project(EDGE)!
      const b = bare.project(EDGE)!
      const names = [...new Set(a.read(() => listRuns(a)).map((r) => r.name)), 'nope', 'tie']
      for (const name of names) expect([name, a.read(() => resolveRun(a, 'metrics', name, null))]).toEqual([name, b.read(() => resolveRun(b, 'metrics', name, null))])
      listed.close()
      bare.close()
    }
    check()
    w.run("INSERT INTO run_artifact_links (run_id, run_name, artifact_version_id, direction, created_at) VALUES ('link-only', 'dup', 1, 'output', '2999-01-01T00:00:00+00:00')")
    check()
    w.close()
  })

  test('configs (no timestamp column) resolve names through metrics', () => {
    const p = project(EDGE)
    p.read(() => {
      expect(resolveRun(p, 'configs', 'dup', null)).toEqual({ column: 'run_id', value: dupSecond })
      // config-no-logs left no trace at all
      expect(resolveRun(p, 'configs', 'config-no-logs', null)).toBeNull()
    })
  })

  test('system_metrics and alerts resolve against their own rows', () => {
    const p = project(EDGE)
    p.read(() => {
      expect(resolveRun(p, 'system_metrics', 'system-only', null)).not.toBeNull()
      expect(resolveRun(p, 'metrics', 'system-only', null)).toBeNull()
      expect(resolveRun(p, 'alerts', 'alerts-only-run', null)).not.toBeNull()
      expect(resolveRun(p, 'alerts', 'dup', null)).toBeNull()
    })
  })

  test('latest-by-name is chosen per table: tools can pick different dup runs', async () => {
    const d = copyFixtures('edge')
    const db = new Database(join(d, `${STEM}.db`))
    const ins = db.prepare("INSERT INTO alerts (run_id, timestamp, run_name, title, text, level, step) VALUES (?, ?, 'dup', ?, NULL, 'info', 0)")
    // in the alerts table the FIRST dup run is the later-created one
    ins.run(dupSecond, '2026-11-25T05:00:00+00:00', 'from second')
    ins.run(dupFirst, '2026-11-25T06:00:00+00:00', 'from first')
    db.close()
    const { call } = await inProcessApp(d)
    const a = await call('get_alerts', { project: EDGE, run: 'dup' })
    expect(a.json.data.map((x: any) => x.title)).toEqual(['from first'])
    const b = await call('get_alerts', { project: EDGE, run_id: dupSecond })
    expect(b.json.data.map((x: any) => x.title)).toEqual(['from second'])
    const m = await call('get_metric_values', { project: EDGE, run: 'dup', metric_name: 'value', step: 0 })
    expect(m.json.data[0].value).toBe(20) // metrics still resolve to the second dup run
  })

  test('memoised resolution is refreshed after another connection writes', () => {
    const d = copyFixtures('edge')
    const s = new Storage(d)
    const p = s.project(EDGE)!
    expect(p.read(() => resolveRun(p, 'metrics', 'dup', null))).toEqual({ column: 'run_id', value: dupSecond })
    const db = new Database(join(d, `${STEM}.db`))
    db.run("INSERT INTO metrics (timestamp, run_id, run_name, step, metrics) VALUES ('2030-01-01T00:00:00+00:00', 'third-dup', 'dup', 0, '{}')")
    db.close()
    expect(p.read(() => resolveRun(p, 'metrics', 'dup', null))).toEqual({ column: 'run_id', value: 'third-dup' })
    expect(p.read(() => listRuns(p)).at(-1)).toEqual({ id: 'third-dup', name: 'dup', created_at: '2030-01-01T00:00:00+00:00' })
    s.close()
  })
})

describe('runRowSpan', () => {
  test('through the rowid span or through the run index: the same rows of the run', () => {
    const db = new Database(':memory:')
    db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, step INTEGER NOT NULL)')
    db.run('CREATE INDEX idx_metrics_run_step ON metrics(run_id, step)')
    const insert = db.prepare('INSERT INTO metrics (run_id, step) VALUES (?, ?)')
    // Run a alone first (dense), then interleaved with b (a holds 1 row in 4: sparse).
    for (let i = 0; i < 100; i++) insert.run('a', i)
    for (let i = 0; i < 300; i++) insert.run(i % 4 === 0 ? 'a' : 'b', i)
    const f = { column: 'run_id', value: 'a' } as const
    const ids = (rows: number, first: number, high: number) => {
      const span = runRowSpan(f, rows, first, high, 'm.')
      return db.query(`SELECT m.id FROM metrics m WHERE ${span.sql} ORDER BY m.id`).values(...span.params).map(([id]) => id)
    }
    const truth = (first: number, high: number) => db.query("SELECT id FROM metrics WHERE run_id = 'a' AND id BETWEEN ? AND ? ORDER BY id").values(first, high).map(([id]) => id)
    expect(runRowSpan(f, 100, 1, 100).sql).toContain('+run_id')
    expect(ids(100, 1, 100)).toEqual(truth(1, 100))
    expect(runRowSpan(f, 75, 101, 400).sql).not.toContain('+run_id')
    expect(ids(75, 101, 400)).toEqual(truth(101, 400))
    expect(ids(75, 101, 400)).toHaveLength(75)
    db.close()
  })
})
