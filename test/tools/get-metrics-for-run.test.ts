import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { appCaller, copyFixtures, expectEmptyAnswers } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, expectedKeys, latestRunId, pyJson } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

describe('get_metrics_for_run', () => {
  test('basic run: all keys incl. nested-dict key, sorted', async () => {
    const r = await call('get_metrics_for_run', { project: 'image-classification', run: 'baseline' })
    expect(r.status).toBe(200)
    expect(r.json.data).toEqual(['acc', 'epoch', 'loss', 'lr', 'val'])
    const id = latestRunId(dir, 'image-classification', 'baseline')
    expect(r.json.data).toEqual(expectedKeys(dir, 'image-classification', 'metrics', id, ['step', 'timestamp']))
  })

  test('slash-named metrics', async () => {
    const r = await call('get_metrics_for_run', { project: 'llm-finetune', run: 'gpt2-medium' })
    expect(r.json.data).toEqual(['lr', 'tokens_per_sec', 'train/loss', 'train/perplexity'])
  })

  test('every edge run matches Python over the file (code-point sort, unicode keys)', async () => {
    const runs = (await call('get_runs_for_project', { project: EDGE })).json.data as { id: string; name: string }[]
    expect(runs).toHaveLength(15)
    const expected = pyJson(
      `
con = connect(sys.argv[1])
res = []
for rid in json.loads(sys.argv[2]):
    keys = set()
    for (m,) in con.execute('SELECT metrics FROM metrics WHERE run_id=?', (rid,)):
        keys.update(load(m).keys())
    res.append(sorted(keys - {'step', 'timestamp'}))
dump(res)`,
      dbPath(dir, EDGE_STEM),
      JSON.stringify(runs.map((r) => r.id)),
    )
    for (const [i, run] of runs.entries()) {
      const r = await call('get_metrics_for_run', { project: EDGE, run_id: run.id })
      expect(r.json.data).toEqual(expected[i])
    }
  })

  test('code-point order differs from UTF-16 order for astral characters', async () => {
    const r = await call('get_metrics_for_run', { project: EDGE, run: 'ünïcødé-run-🚀' })
    const keys: string[] = r.json.data
    expect(keys.length).toBeGreaterThan(1)
    const py_sorted = pyJson('dump(sorted(json.loads(sys.argv[1])))', JSON.stringify(keys))
    expect(keys).toEqual(py_sorted)
  })

  test('reserved-keys run: renamed keys are listed, step/timestamp excluded', async () => {
    const r = await call('get_metrics_for_run', { project: EDGE, run: 'reserved-keys' })
    expect(r.json.data).toContain('__step')
    expect(r.json.data).toContain('__timestamp')
    expect(r.json.data).toContain('____dunder')
    expect(r.json.data).not.toContain('step')
    expect(r.json.data).not.toContain('timestamp')
  })

  test('sparse run: union of alternating key sets', async () => {
    const r = await call('get_metrics_for_run', { project: EDGE, run: 'sparse' })
    expect(r.json.data).toEqual(expect.arrayContaining(['even', 'odd', 'every5']))
  })

  test('config-empty-log run: one {} row → []', async () => {
    const r = await call('get_metrics_for_run', { project: EDGE, run: 'config-empty-log' })
    expect(r.status).toBe(200)
    expect(r.text).toBe('{"data":[]}')
  })

  test('renamed run is found under its new name only', async () => {
    expect((await call('get_metrics_for_run', { project: EDGE, run: 'renamed ✓' })).json.data.length).toBeGreaterThan(0)
    expect((await call('get_metrics_for_run', { project: EDGE, run: 'to-be-renamed' })).text).toBe('{"data":[]}')
  })

  test('run_id overrides run; by name the latest-created dup wins', async () => {
    const dups = ((await call('get_runs_for_project', { project: EDGE })).json.data as any[]).filter((x) => x.name === 'dup')
    expect(dups).toHaveLength(2)
    const [first, second] = dups
    const byName = await call('get_metrics_for_run', { project: EDGE, run: 'dup' })
    const byLatest = await call('get_metrics_for_run', { project: EDGE, run_id: second.id })
    expect(byName.text).toBe(byLatest.text)
    // run_id wins even if run names another run
    const o = await call('get_metrics_for_run', { project: EDGE, run: 'sparse', run_id: first.id })
    expect(o.json.data).toEqual(expectedKeys(dir, EDGE_STEM, 'metrics', first.id, ['step', 'timestamp']))
    expect(o.json.data).not.toContain('even')
  })

  test('no run, unknown run, unknown run_id, unknown project → []', async () => {
    await expectEmptyAnswers(call, 'get_metrics_for_run', [
      { project: EDGE },
      { project: EDGE, run: null },
      { project: EDGE, run: 'no-such-run' },
      { project: EDGE, run_id: 'deadbeef' },
      { project: EDGE, run: 'sparse', run_id: 'deadbeef' },
      { project: 'no-such-project', run: 'x' },
      { project: 'empty-project', run: 'x' },
      { project: EDGE, run: 'system-only' },
      { project: EDGE, run: 'config-no-logs' },
    ])
  })

  test('canonical stem and logged name agree', async () => {
    const a = await call('get_metrics_for_run', { project: EDGE, run: 'run with spaces' })
    const b = await call('get_metrics_for_run', { project: EDGE_STEM, run: 'run with spaces' })
    expect(a.text).toBe(b.text)
    expect(a.json.data).toContain('uint64_max')
  })
})
