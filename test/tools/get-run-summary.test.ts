import { Database } from 'bun:sqlite'
import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, appCaller, inProcessApp, tempDir } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, latestRunId, py } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

/** Expected summary text computed by Python straight from the file (compat §5). */
function expectedSummary(stem: string, project: string, run: string | null, runId: string | null, resolvedId: string): string {
  return py(
    `
con = connect(sys.argv[1])
project, run, run_id, rid = json.loads(sys.argv[2])
n, last = con.execute('SELECT COUNT(*), MAX(step) FROM metrics WHERE run_id=?', (rid,)).fetchone()
keys = set()
for (m,) in con.execute('SELECT metrics FROM metrics WHERE run_id=?', (rid,)):
    keys.update(load(m).keys())
keys -= {'step', 'timestamp'}
row = con.execute('SELECT config FROM configs WHERE run_id=?', (rid,)).fetchone()
config = {k: dec(v) for k, v in load(row[0]).items()} if row else None
if n == 0:
    config, last = None, None
dump({'project': project, 'run': run, 'run_id': run_id, 'num_logs': n, 'metrics': sorted(keys), 'config': config, 'last_step': last})`,
    dbPath(dir, stem),
    JSON.stringify([project, run, runId, resolvedId]),
  )
}

describe('get_run_summary', () => {
  test('by name: counts, sorted metrics, config with nested values, last_step; run_id stays null', async () => {
    for (const run of ['baseline', 'high-lr', 'small-batch']) {
      const r = await call('get_run_summary', { project: 'image-classification', run })
      expect(r.status).toBe(200)
      const id = latestRunId(dir, 'image-classification', run)
      expect(r.text).toBe(`{"data":${expectedSummary('image-classification', 'image-classification', run, null, id)}}`)
      expect(r.json.data.run_id).toBeNull()
    }
    const b = await call('get_run_summary', { project: 'image-classification', run: 'baseline' })
    expect(b.json.data.num_logs).toBe(150)
    expect(b.json.data.last_step).toBe(149)
    expect(b.json.data.config._Group).toBe('sweep-a')
    // config key order is the stored order (user keys, then _Username, _Created, _Group)
    expect(Object.keys(b.json.data.config).slice(-3)).toEqual(['_Username', '_Created', '_Group'])
  })

  test('by run_id: run name filled in, run_id echoed', async () => {
    const id = latestRunId(dir, 'llm-finetune', 'gpt2-small')
    const r = await call('get_run_summary', { project: 'llm-finetune', run_id: id })
    expect(r.json.data.run).toBe('gpt2-small')
    expect(r.json.data.run_id).toBe(id)
    expect(r.text).toBe(`{"data":${expectedSummary('llm-finetune', 'llm-finetune', 'gpt2-small', id, id)}}`)
    // run_id wins over a different run name, and the name is replaced by the run_id's
    const o = await call('get_run_summary', { project: 'llm-finetune', run: 'gpt2-medium', run_id: id })
    expect(o.text).toBe(r.text)
  })

  test('edge run with spaces: NaN/Inf config values → null at top level, nested strings kept; big last_step exact', async () => {
    const id = latestRunId(dir, EDGE_STEM, 'run with spaces')
    const r = await call('get_run_summary', { project: EDGE, run: 'run with spaces' })
    expect(r.text).toBe(`{"data":${expectedSummary(EDGE_STEM, EDGE, 'run with spaces', null, id)}}`)
    expect(r.text).toContain('"nan_cfg":null,"inf_cfg":null,"nested":{"ninf":"-Infinity","list":[1,"NaN"]}')
    expect(r.text).toContain('"last_step":9007199254740994}')
    expect(r.json.data.num_logs).toBe(10)
  })

  test('dup: by name the latest-created run; by run_id either', async () => {
    const dups = ((await call('get_runs_for_project', { project: EDGE })).json.data as any[]).filter((x) => x.name === 'dup')
    const byName = await call('get_run_summary', { project: EDGE, run: 'dup' })
    expect(byName.text).toBe(`{"data":${expectedSummary(EDGE_STEM, EDGE, 'dup', null, dups[1].id)}}`)
    for (const d of dups) {
      const r = await call('get_run_summary', { project: EDGE, run_id: d.id })
      expect(r.text).toBe(`{"data":${expectedSummary(EDGE_STEM, EDGE, 'dup', d.id, d.id)}}`)
    }
    const a = (await call('get_run_summary', { project: EDGE, run_id: dups[0].id })).json.data.config
    const b = (await call('get_run_summary', { project: EDGE, run_id: dups[1].id })).json.data.config
    expect(a).not.toEqual(b)
  })

  test('resumed run: one run, 8 logs, the rewritten config (phase 2)', async () => {
    const r = await call('get_run_summary', { project: EDGE, run: 'resumed' })
    expect(r.json.data).toMatchObject({ num_logs: 8, last_step: 7, metrics: ['loss'] })
    expect(r.json.data.config.phase).toBe(2)
  })

  test('config-empty-log: one {} row → metrics [] but config present', async () => {
    const r = await call('get_run_summary', { project: EDGE, run: 'config-empty-log' })
    expect(r.json.data).toMatchObject({ run: 'config-empty-log', num_logs: 1, metrics: [], last_step: 0 })
    expect(r.text).toContain('"config":{"only":"config","k":[1,2],"_Username":null,')
  })

  test('renamed ✓, reserved-keys and CJK run', async () => {
    const ren = await call('get_run_summary', { project: EDGE, run: 'renamed ✓' })
    expect(ren.json.data).toMatchObject({ num_logs: 6, last_step: 5 })
    expect(ren.json.data.config).not.toBeNull()
    const rk = await call('get_run_summary', { project: EDGE, run: 'reserved-keys' })
    expect(rk.json.data.metrics).toEqual(['____dunder', '__metrics', '__project', '__run', '__step', '__time', '__timestamp', 'ok'])
    const jp = await call('get_run_summary', { project: '日本語プロジェクト', run: '実験-1' })
    expect(jp.json.data).toMatchObject({ project: '日本語プロジェクト', run: '実験-1', num_logs: 10, last_step: 9 })
  })

  test('unknown run / run_id / project and no run → the empty summary', async () => {
    const empty = (project: string, run: string | null, runId: string | null) =>
      `{"data":${JSON.stringify({ project, run, run_id: runId, num_logs: 0, metrics: [], config: null, last_step: null })}}`
    const cases: [any, string][] = [
      [{ project: EDGE, run: 'nope' }, empty(EDGE, 'nope', null)],
      [{ project: EDGE }, empty(EDGE, null, null)],
      [{ project: EDGE, run_id: 'nope-id' }, empty(EDGE, null, 'nope-id')],
      [{ project: EDGE, run: 'sparse', run_id: 'nope-id' }, empty(EDGE, 'sparse', 'nope-id')],
      [{ project: 'nope', run: 'x' }, empty('nope', 'x', null)],
      [{ project: 'nope', run: 'x', run_id: 'y' }, empty('nope', 'x', 'y')],
      [{ project: EDGE, run: 'config-no-logs' }, empty(EDGE, 'config-no-logs', null)],
      [{ project: EDGE, run: 'system-only' }, empty(EDGE, 'system-only', null)],
    ]
    for (const [body, text] of cases) {
      const r = await call('get_run_summary', body)
      expect(r.status).toBe(200)
      expect(r.text).toBe(text)
    }
  })

  test('num_logs 0 with a config row still gives config null', async () => {
    const d = tempDir()
    for (const ext of ['.db', '.db-wal', '.db-shm']) copyFileSync(join(dir, `${EDGE_STEM}${ext}`), join(d, `${EDGE_STEM}${ext}`))
    const id = latestRunId(d, EDGE_STEM, 'resumed')
    const db = new Database(join(d, `${EDGE_STEM}.db`))
    db.run('DELETE FROM metrics WHERE run_id = ?', [id])
    const cfg = db.query('SELECT COUNT(*) AS n FROM configs WHERE run_id = ?').get(id) as { n: number }
    db.close()
    expect(cfg.n).toBe(1)
    const { call: c } = await inProcessApp(d)
    const r = await c('get_run_summary', { project: EDGE, run_id: id })
    expect(r.text).toBe(`{"data":${JSON.stringify({ project: EDGE, run: null, run_id: id, num_logs: 0, metrics: [], config: null, last_step: null })}}`)
  })
})
