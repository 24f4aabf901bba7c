import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { copyFixtures, appCaller } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, latestRunId, py, pyJson } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

/** get_snapshot computed by Python: every key in first-seen order → points, for rows kept by `where`. */
function expectedSnapshot(stem: string, runId: string, where: string): string {
  return py(
    `
con = connect(sys.argv[1])
out = {}
for ts, step, m in con.execute('SELECT timestamp, step, metrics FROM metrics WHERE run_id=? AND (' + sys.argv[3] + ') ORDER BY timestamp, id', (sys.argv[2],)):
    for k, v in load(m).items():
        out.setdefault(k, []).append({'timestamp': ts, 'step': step, 'value': dec(v)})
dump(out)`,
    dbPath(dir, stem),
    runId,
    where,
  )
}

const data = (inner: string) => `{"data":${inner}}`

describe('get_snapshot', () => {
  test('around_step/window: every key, first-seen order, inclusive range', async () => {
    const id = latestRunId(dir, 'image-classification', 'baseline')
    const r = await call('get_snapshot', { project: 'image-classification', run: 'baseline', around_step: 14, window: 2 })
    expect(r.status).toBe(200)
    expect(r.text).toBe(data(expectedSnapshot('image-classification', id, 'step BETWEEN 12 AND 16')))
    expect(Object.keys(r.json.data)).toEqual(['loss', 'acc', 'lr', 'epoch'])
    expect(r.json.data.loss.map((p: any) => p.step)).toEqual([12, 13, 14, 15, 16])
    const v = await call('get_snapshot', { project: 'image-classification', run: 'baseline', around_step: 19, window: 0 })
    expect(Object.keys(v.json.data)).toEqual(['loss', 'acc', 'lr', 'epoch', 'val'])
  })

  test('no filter → all rows; step filter; step as digit string', async () => {
    const id = latestRunId(dir, 'llm-finetune', 'gpt2-small-lora')
    const all = await call('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small-lora' })
    expect(all.text).toBe(data(expectedSnapshot('llm-finetune', id, '1')))
    expect(all.json.data['train/loss']).toHaveLength(60)
    const s = await call('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small-lora', step: 7 })
    expect(s.text).toBe(data(expectedSnapshot('llm-finetune', id, 'step = 7')))
    expect((await call('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small-lora', step: '7' })).text).toBe(s.text)
  })

  test('edge run with spaces at step 5: number spelling, NaN → null, nested "NaN" kept, key order as stored', async () => {
    const id = latestRunId(dir, EDGE_STEM, 'run with spaces')
    const r = await call('get_snapshot', { project: EDGE, run: 'run with spaces', step: 5 })
    expect(r.text).toBe(data(expectedSnapshot(EDGE_STEM, id, 'step = 5')))
    for (const frag of ['"value":1e-07}', '"value":1e-05}', '"value":1e+16}', '"value":1.5e+300}', '"value":-0.0}', '"value":9007199254740993}', '"value":18446744073709551615}', '"value":-9223372036854775808}', '"nan_inside":"NaN"'])
      expect(r.text).toContain(frag)
    expect(r.json.data.nan[0].value).toBeNull()
    expect(r.json.data.string_NaN[0].value).toBeNull()
    const storedOrder = pyJson(
      `con = connect(sys.argv[1]); dump(list(load(con.execute('SELECT metrics FROM metrics WHERE run_id=? AND step=5', (sys.argv[2],)).fetchone()[0]).keys()))`,
      dbPath(dir, EDGE_STEM),
      id,
    )
    expect(Object.keys(r.json.data)).toEqual(storedOrder)
  })

  test('step 2^53+1 finds exactly that row', async () => {
    const raw = `{"project":${JSON.stringify(EDGE)},"run":"run with spaces","step":9007199254740993}`
    const r = await call('get_snapshot', raw)
    expect(r.text).toBe('{"data":{"float":[{"timestamp":"2026-11-25T04:40:25.592766+00:00","step":9007199254740993,"value":3.0}]}}')
  })

  test('reserved-keys: every stored key, including the renamed ones', async () => {
    const r = await call('get_snapshot', { project: EDGE, run: 'reserved-keys' })
    expect(Object.keys(r.json.data)).toEqual(['__step', '__time', '__project', '__run', '__timestamp', '__metrics', '____dunder', 'ok'])
    expect(r.text).toContain('"__time":[{"timestamp":"2026-11-25T04:40:27.506087+00:00","step":0,"value":1.5}]')
  })

  test('sparse run: keys in first-seen order across rows', async () => {
    const r = await call('get_snapshot', { project: EDGE, run: 'sparse', around_step: 4, window: 1 })
    expect(Object.keys(r.json.data)).toEqual(['odd', 'even', 'every5'])
    expect(r.json.data.every5.map((p: any) => p.step)).toEqual([5])
  })

  test('positional order: run_id is the third parameter', async () => {
    const dups = ((await call('get_runs_for_project', { project: EDGE })).json.data as any[]).filter((x) => x.name === 'dup')
    const r = await call('get_snapshot', [EDGE, 'dup', dups[0].id, 0])
    expect(r.json.data.value).toEqual([{ timestamp: dups[0].created_at, step: 0, value: 10 }])
    expect(r.text).toContain('"value":10.0}')
    const byName = await call('get_snapshot', { project: EDGE, run: 'dup', step: 0 })
    expect(byName.json.data.value[0].value).toBe(20)
  })

  test('at_time + window as instants; unparseable at_time → 400', async () => {
    const id = latestRunId(dir, 'llm-finetune', 'gpt2-small')
    const at = py(`con = connect(sys.argv[1]); print(con.execute('SELECT timestamp FROM metrics WHERE run_id=? ORDER BY timestamp LIMIT 1 OFFSET 30', (sys.argv[2],)).fetchone()[0], end='')`, dbPath(dir, 'llm-finetune'), id)
    const r = await call('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small', at_time: at, window: 0 })
    expect(r.text).toBe(data(expectedSnapshot('llm-finetune', id, `timestamp = '${at}'`)))
    const none = await call('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small', at_time: '2020-01-01T00:00:00Z', window: 5 })
    expect(none.text).toBe('{"data":{}}')
    const bad = await call('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small', at_time: 'not a time', window: 5 })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toContain('at_time')
  })

  test('at_time without window: the rows at the logged timestamp nearest to it', async () => {
    const id = latestRunId(dir, 'llm-finetune', 'gpt2-small')
    const stamps: string[] = pyJson(
      `con = connect(sys.argv[1]); dump([r[0] for r in con.execute('SELECT DISTINCT timestamp FROM metrics WHERE run_id=? ORDER BY timestamp', (sys.argv[2],))])`,
      dbPath(dir, 'llm-finetune'),
      id,
    )
    const at = (ts: string) => get({ at_time: ts })
    const get = async (body: object) => (await call('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small', ...body })).text
    for (const ts of [stamps[0]!, stamps[2]!, stamps.at(-1)!])
      expect(await at(ts)).toBe(data(expectedSnapshot('llm-finetune', id, `timestamp = '${ts}'`)))
    expect(await at('1999-01-01T00:00:00+05:00')).toBe(data(expectedSnapshot('llm-finetune', id, `timestamp = '${stamps[0]}'`)))
    expect(await at('2999-01-01')).toBe(data(expectedSnapshot('llm-finetune', id, `timestamp = '${stamps.at(-1)}'`)))
    expect(await at('2999-01-01')).not.toBe('{"data":{}}')
  })

  test("around_step: rows sharing a timestamp come in Trackio's order (its real query run by Python)", async () => {
    const id = latestRunId(dir, EDGE_STEM, 'run with spaces')
    const trackio = py(
      `
con = connect(sys.argv[1])
out = {}
for ts, step, m in con.execute("SELECT timestamp, step, metrics FROM metrics WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY timestamp", (sys.argv[2], -10, 10)):
    for k, v in load(m).items():
        out.setdefault(k, []).append({'timestamp': ts, 'step': step, 'value': dec(v)})
dump(out)`,
      dbPath(dir, EDGE_STEM),
      id,
    )
    const r = await call('get_snapshot', { project: EDGE, run: 'run with spaces', around_step: 0, window: 10 })
    expect(r.text).toBe(data(trackio))
    expect(r.json.data.int.map((p: any) => p.step)).toEqual([1, 3, 3, 5, 9, -5, 3])
  })

  test('negative window → {}; window 1.9 → 1', async () => {
    const neg = await call('get_snapshot', { project: 'image-classification', run: 'baseline', around_step: 10, window: -2 })
    expect(neg.text).toBe('{"data":{}}')
    const f = await call('get_snapshot', { project: 'image-classification', run: 'baseline', around_step: 10, window: 1.9 })
    expect(f.json.data.loss.map((p: any) => p.step)).toEqual([9, 10, 11])
  })

  test('nothing found → {}', async () => {
    for (const body of [
      { project: 'nope', run: 'x' },
      { project: 'image-classification' },
      { project: 'image-classification', run: 'nope' },
      { project: 'image-classification', run: 'baseline', run_id: 'nope' },
      { project: 'image-classification', run: 'baseline', step: 100000 },
      { project: EDGE, run: 'config-empty-log' },
      { project: 'empty-project', run: 'x' },
    ]) {
      const r = await call('get_snapshot', body)
      expect(r.status).toBe(200)
      expect(r.text).toBe('{"data":{}}')
    }
  })

  test('canonical stem, unicode project and run', async () => {
    const a = await call('get_snapshot', { project: EDGE, run: 'ünïcødé-run-🚀', step: 3 })
    const b = await call('get_snapshot', { project: EDGE_STEM, run: 'ünïcødé-run-🚀', step: 3 })
    expect(a.text).toBe(b.text)
    expect(Object.keys(a.json.data)).toEqual(['损失', 'métrique/précision', 'emoji 🚀', 'key with spaces', 'dot.key'])
    const j = await call('get_snapshot', { project: '日本語プロジェクト', run: '実験-1', step: 0 })
    expect(Object.keys(j.json.data).length).toBeGreaterThan(0)
  })
})
