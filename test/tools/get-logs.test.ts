import { Database } from 'bun:sqlite'
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { copyFixtures, expectEmptyAnswers, inProcessApp } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, expectedLogs, expectedLogsMany, pyJson } from './oracle'
import { PY_ALLOCATE } from '../storage/read/subsample-oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']

/** Python port of compat §5, written from the spec text; returns the kept row indices. */
const PY_SUBSAMPLE = `${PY_ALLOCATE}
def is_scalar(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or (isinstance(v, dict) and v.get('_type') == 'trackio.histogram')
def subsample(rows, max_points, scalar_only):
    idx = list(range(len(rows)))
    if max_points is None or max_points < 1 or len(rows) <= max_points:
        return idx
    groups = {}
    for i, r in enumerate(rows):
        if scalar_only:
            sig = tuple(sorted(k for k, v in r.items() if is_scalar(v)))
            if not sig: continue
        else:
            sig = tuple(sorted(r.keys()))
        groups.setdefault(sig, []).append(i)
    members = list(groups.values())
    if sum(len(g) for g in members) <= max_points:
        return sorted(i for g in members for i in g)
    budget = allocate([len(g) for g in members], max_points)
    kept = []
    for g, b in zip(members, budget):
        if b < 1: continue
        if len(g) <= b: kept += g; continue
        if b == 1: kept.append(g[-1]); continue
        s = 1
        while -(-(len(g) - 1) // s) > b - 1: s *= 2
        kept += [g[p] for p in range(0, len(g) - 1, s)] + [g[-1]]
    return sorted(kept)
`

function expectedSubsample(stem: string, runId: string, scalarOnly: boolean): number[] {
  return pyJson(
    PY_SUBSAMPLE +
      `
con = connect(sys.argv[1])
rows = [(step, load(m)) for step, m in con.execute('SELECT step, metrics FROM metrics WHERE run_id=? ORDER BY timestamp, id', (sys.argv[2],))]
keep = subsample([r for _, r in rows], 3000, sys.argv[3] == '1')
dump([rows[i][0] for i in keep])`,
    dbPath(dir, stem),
    runId,
    scalarOnly ? '1' : '0',
  )
}

const GEN_ID = 'generated0000000000000000000000a'
const MIXED_ID = 'generated0000000000000000000000b'

beforeAll(async () => {
  dir = copyFixtures('basic', 'edge')
  // Generated runs in a copy of a fixture DB (same schema): 5000 rows alternating two key sets,
  // and 3100 rows where every 10th row has no scalar value.
  const db = new Database(join(dir, 'image-classification.db'))
  const ins = db.prepare('INSERT INTO metrics (timestamp, run_id, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
  const ts = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace('Z', '000+00:00')
  db.transaction(() => {
    for (let i = 0; i < 5000; i++) {
      const m = i % 2 === 0 ? `{"a":${i}.5,"b":${i}}` : `{"c":${i}.25}`
      ins.run(ts(i), GEN_ID, 'generated', i, new TextEncoder().encode(m))
    }
    for (let i = 0; i < 3100; i++) {
      const m = i % 10 === 0 ? `{"note":"n${i}","flag":true,"nan":"NaN"}` : `{"x":${i}.0,"nan":"NaN"}`
      ins.run(ts(i), MIXED_ID, 'mixed', i, new TextEncoder().encode(m))
    }
  })()
  db.close()
  ;({ call } = await inProcessApp(dir))
})

describe('get_logs', () => {
  test('every basic run matches Python over the file (order, keys, timestamp/step appended)', async () => {
    for (const stem of ['image-classification', 'llm-finetune']) {
      const runs = ((await call('get_runs_for_project', { project: stem })).json.data as { id: string; name: string }[]).filter(
        (r) => !r.id.startsWith('generated'),
      )
      expect(runs).toHaveLength(3)
      const expected = expectedLogsMany(dir, stem, runs.map((r) => r.id))
      for (const [i, run] of runs.entries()) {
        const r = await call('get_logs', { project: stem, run: run.name })
        expect(r.status).toBe(200)
        expect(r.text).toBe(`{"data":${expected[i]}}`)
      }
    }
  })

  test('every edge run matches Python (NaN → null, big ints, float spelling, nested "NaN")', async () => {
    const runs = (await call('get_runs_for_project', { project: EDGE })).json.data as { id: string; name: string }[]
    expect(runs.length).toBe(15)
    const expected = expectedLogsMany(dir, EDGE_STEM, runs.map((r) => r.id))
    for (const [i, run] of runs.entries()) {
      const r = await call('get_logs', { project: EDGE, run_id: run.id })
      expect(r.text).toBe(`{"data":${expected[i]}}`)
    }
  })

  test('run with spaces, first row: exact text', async () => {
    const r = await call('get_logs', { project: EDGE, run: 'run with spaces' })
    expect(r.text.startsWith(
      '{"data":[{"float":0.5,"nan":null,"pos_inf":null,"neg_inf":null,"int":7,"big_int_2_53_plus_1":9007199254740993,' +
        '"int64_max":9223372036854775807,"int64_min":-9223372036854775808,"uint64_max":18446744073709551615,"bool_true":true,' +
        '"bool_false":false,"string":"hello","string_NaN":null,"string_Infinity":null,"string_-Infinity":null,"empty_string":"",' +
        '"list":[1,2.5,"x",null,"NaN"],"nested":{"a":{"b":{"c":1}},"nan_inside":"NaN"},"tiny":1e-07,"small_fixed":1e-05,' +
        '"big_1e16":1e+16,"huge_float":1.5e+300,"neg_zero":-0.0,"timestamp":"2026-11-25T04:40:25.491354+00:00","step":5},',
    )).toBe(true)
    expect(r.text.endsWith('{"float":4.0,"timestamp":"2026-11-25T04:40:25.592766+00:00","step":9007199254740994}]}')).toBe(true)
  })

  test('dup by name = latest; run_id overrides run', async () => {
    const dups = ((await call('get_runs_for_project', { project: EDGE })).json.data as any[]).filter((x) => x.name === 'dup')
    const byName = await call('get_logs', { project: EDGE, run: 'dup' })
    expect(byName.text).toBe(`{"data":${expectedLogs(dir, EDGE_STEM, dups[1].id)}}`)
    const first = await call('get_logs', { project: EDGE, run: 'dup', run_id: dups[0].id })
    expect(first.text).toBe(`{"data":${expectedLogs(dir, EDGE_STEM, dups[0].id)}}`)
    expect(first.json.data.map((r: any) => r.value)).toEqual([10, 11, 12, 13])
  })

  test('config-empty-log: the {} row becomes {timestamp, step}', async () => {
    const r = await call('get_logs', { project: EDGE, run: 'config-empty-log' })
    expect(r.text).toBe('{"data":[{"timestamp":"2026-11-25T04:40:29.932876+00:00","step":0}]}')
  })

  test('empty values: unknown run, run_id, project; no run', async () => {
    await expectEmptyAnswers(call, 'get_logs', [
      { project: EDGE, run: 'nope' },
      { project: EDGE, run_id: 'nope' },
      { project: EDGE },
      { project: 'nope', run: 'dup' },
      { project: 'empty-project', run: 'x' },
      { project: 'alerts-only', run: 'watcher' },
      { project: EDGE, run: 'system-only' },
    ])
  })

  test('canonical stem and CJK project', async () => {
    const a = await call('get_logs', { project: EDGE, run: 'sparse' })
    const b = await call('get_logs', { project: EDGE_STEM, run: 'sparse' })
    expect(a.text).toBe(b.text)
    const j = await call('get_logs', { project: '日本語プロジェクト', run: '実験-1' })
    expect(j.json.data).toHaveLength(10)
  })
})

describe('get_logs: scalar_only', () => {
  test('keeps non-bool numbers only (NaN strings dropped, nested dicts/lists/strings/bools dropped)', async () => {
    const r = await call('get_logs', { project: EDGE, run: 'run with spaces', scalar_only: true })
    expect(r.json.data).toHaveLength(10)
    expect(r.text.startsWith(
      '{"data":[{"float":0.5,"int":7,"big_int_2_53_plus_1":9007199254740993,"int64_max":9223372036854775807,' +
        '"int64_min":-9223372036854775808,"uint64_max":18446744073709551615,"tiny":1e-07,"small_fixed":1e-05,' +
        '"big_1e16":1e+16,"huge_float":1.5e+300,"neg_zero":-0.0,"timestamp":"2026-11-25T04:40:25.491354+00:00","step":5},',
    )).toBe(true)
  })

  test('accepted spellings: true/"yes"/"ON "/"1" → scalar; false/"off"/""/null/missing → full rows', async () => {
    const body = { project: 'image-classification', run: 'baseline' }
    const full = (await call('get_logs', body)).text
    const scalar = (await call('get_logs', { ...body, scalar_only: true })).text
    expect(scalar).not.toBe(full)
    expect(JSON.parse(scalar).data[9]).not.toHaveProperty('val')
    expect(JSON.parse(full).data[9]).toHaveProperty('val')
    for (const v of ['yes', 'ON ', '1', 'True']) expect((await call('get_logs', { ...body, scalar_only: v })).text).toBe(scalar)
    for (const v of [false, 'off', '', null, 'No', '0']) expect((await call('get_logs', { ...body, scalar_only: v })).text).toBe(full)
  })

  test('rejected: numbers, other strings, objects → 400', async () => {
    for (const v of [1, 0, 'maybe', 'tru', {}, [true]]) {
      const r = await call('get_logs', { project: 'image-classification', run: 'baseline', scalar_only: v })
      expect(r.status).toBe(400)
      expect(r.json.error).toContain('scalar_only must be a boolean')
    }
  })

  test('under 3000 rows, rows without scalars are kept as {timestamp, step}', async () => {
    const r = await call('get_logs', { project: EDGE, run: 'config-empty-log', scalar_only: true })
    expect(r.text).toBe('{"data":[{"timestamp":"2026-11-25T04:40:29.932876+00:00","step":0}]}')
  })
})

describe('get_logs: subsampling', () => {
  test('5000 rows with two alternating key sets → ≤ 3000 rows, both groups, last row, Python-identical', async () => {
    const r = await call('get_logs', { project: 'image-classification', run: 'generated' })
    expect(r.status).toBe(200)
    const rows = r.json.data as any[]
    expect(rows.length).toBeLessThanOrEqual(3000)
    expect(rows.length).toBeGreaterThan(2000)
    const steps = rows.map((x) => x.step)
    expect(steps).toEqual(expectedSubsample('image-classification', GEN_ID, false))
    expect(steps[0]).toBe(0)
    expect(steps).toContain(1)
    expect(steps.at(-1)).toBe(4999)
    expect(steps).toContain(4998)
    expect(steps).toEqual([...steps].sort((a, b) => a - b))
    expect(rows.filter((x) => 'c' in x).length).toBeGreaterThan(1000)
    expect(rows.filter((x) => 'a' in x).length).toBeGreaterThan(1000)
    expect(r.text).toContain('{"a":4998.5,"b":4998,"timestamp":')
    expect(r.text).toContain('{"c":4999.25,"timestamp":')
  })

  test('scalar_only on the same run gives the same selection, numeric keys only', async () => {
    const r = await call('get_logs', { project: 'image-classification', run_id: GEN_ID, scalar_only: 'true' })
    expect(r.json.data.map((x: any) => x.step)).toEqual(expectedSubsample('image-classification', GEN_ID, true))
  })

  test('over 3000 rows with scalar_only: rows without scalars are dropped; NaN strings never count', async () => {
    const all = await call('get_logs', { project: 'image-classification', run: 'mixed' })
    const allSteps = all.json.data.map((x: any) => x.step)
    expect(allSteps).toEqual(expectedSubsample('image-classification', MIXED_ID, false))
    expect(allSteps.length).toBeLessThanOrEqual(3000)
    expect(allSteps).toContain(3090) // the note group is small enough to be kept whole
    const sc = await call('get_logs', { project: 'image-classification', run: 'mixed', scalar_only: true })
    const scSteps = sc.json.data.map((x: any) => x.step)
    expect(scSteps).toEqual(expectedSubsample('image-classification', MIXED_ID, true))
    expect(scSteps.filter((s: number) => s % 10 === 0)).toEqual([])
    expect(scSteps).toHaveLength(2790) // 3100 - 310 rows without scalars, under the cap: all kept
    for (const row of sc.json.data) expect(Object.keys(row)).toEqual(['x', 'timestamp', 'step'])
    expect(all.json.data[1]).toEqual({ x: 1, nan: null, timestamp: all.json.data[1].timestamp, step: 1 })
  })
})
