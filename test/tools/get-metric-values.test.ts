import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { appCaller, copyFixtures, expectEmptyAnswers, expectRefusal } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, latestRunId, pyJson } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

type Filter =
  | { kind: 'all' }
  | { kind: 'step'; step: number }
  | { kind: 'steps'; lo: number; hi: number }
  | { kind: 'time'; at: string; w: number }

/** get_metric_values computed by Python over the file: timestamp order, top-level decoding, instants. */
function expectedMany(stem: string, queries: [string, string, Filter][]): string[] {
  return pyJson(
    `
con = connect(sys.argv[1])
def keep(f, ts, step):
    k = f['kind']
    if k == 'step': return step == f['step']
    if k == 'steps': return f['lo'] <= step <= f['hi']
    if k == 'time':
        t = datetime.fromisoformat(ts); at = datetime.fromisoformat(f['at'].replace('Z', '+00:00'))
        return abs(t - at) <= timedelta(seconds=f['w'])
    return True
res = []
for rid, metric, f in json.loads(sys.argv[2]):
    out = []
    for ts, step, m in con.execute('SELECT timestamp, step, metrics FROM metrics WHERE run_id=? ORDER BY timestamp, id', (rid,)):
        d = load(m)
        if metric in d and keep(f, ts, step):
            out.append({'timestamp': ts, 'step': step, 'value': dec(d[metric])})
    res.append(json.dumps(out, separators=(',', ':'), ensure_ascii=False))
dump(res)`,
    dbPath(dir, stem),
    JSON.stringify(queries),
  )
}

function expectedValues(stem: string, runId: string, metric: string, f: Filter): string {
  return expectedMany(stem, [[runId, metric, f]])[0]!
}

const data = (inner: string) => `{"data":${inner}}`

describe('get_metric_values: whole run', () => {
  test('every metric of every basic run matches Python (floats, ints, nested dicts, timestamp order)', async () => {
    for (const [stem, runs, metrics] of [
      ['image-classification', ['baseline', 'high-lr', 'small-batch'], ['loss', 'acc', 'lr', 'epoch', 'val']],
      ['llm-finetune', ['gpt2-small', 'gpt2-medium', 'gpt2-small-lora'], ['train/loss', 'train/perplexity', 'lr', 'tokens_per_sec']],
    ] as const) {
      const listed = (await call('get_runs_for_project', { project: stem })).json.data as { id: string; name: string }[]
      const queries: [string, string, Filter][] = []
      const bodies: object[] = []
      for (const run of runs) {
        const id = listed.find((r) => r.name === run)!.id
        for (const metric of metrics) {
          queries.push([id, metric, { kind: 'all' }])
          bodies.push({ project: stem, run, metric_name: metric })
        }
      }
      const expected = expectedMany(stem, queries)
      for (let i = 0; i < bodies.length; i++) {
        const r = await call('get_metric_values', bodies[i])
        expect(r.status).toBe(200)
        expect(r.text).toBe(data(expected[i]!))
      }
    }
  })

  test('val is a nested dict logged every 10th step (9, 19, …)', async () => {
    const r = await call('get_metric_values', { project: 'image-classification', run: 'baseline', metric_name: 'val' })
    expect(r.json.data.map((p: any) => p.step)).toEqual([9, 19, 29, 39, 49, 59, 69, 79, 89, 99, 109, 119, 129, 139, 149])
    expect(Object.keys(r.json.data[0].value)).toEqual(['loss', 'acc'])
  })

  test('edge run with spaces: Python float repr and exact big ints over HTTP', async () => {
    const get = async (metric_name: string) =>
      (await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name })).text
    const at = '{"data":[{"timestamp":"2026-11-25T04:40:25.491354+00:00","step":5,"value":'
    expect(await get('tiny')).toBe(at + '1e-07}]}')
    expect(await get('small_fixed')).toBe(at + '1e-05}]}')
    expect(await get('big_1e16')).toBe(at + '1e+16}]}')
    expect(await get('huge_float')).toBe(at + '1.5e+300}]}')
    expect(await get('neg_zero')).toBe(at + '-0.0}]}')
    expect(await get('big_int_2_53_plus_1')).toBe(at + '9007199254740993}]}')
    expect(await get('uint64_max')).toBe(at + '18446744073709551615}]}')
    expect(await get('int64_min')).toBe(at + '-9223372036854775808}]}')
    expect(await get('int64_max')).toBe(at + '9223372036854775807}]}')
    for (const m of ['nan', 'pos_inf', 'neg_inf', 'string_NaN', 'string_Infinity', 'string_-Infinity']) expect(await get(m)).toBe(at + 'null}]}')
    expect(await get('nested')).toBe(at + '{"a":{"b":{"c":1}},"nan_inside":"NaN"}}]}')
    expect(await get('list')).toBe(at + '[1,2.5,"x",null,"NaN"]}]}')
    expect(await get('bool_true')).toBe(at + 'true}]}')
    expect(await get('empty_string')).toBe(at + '""}]}')
  })

  test('edge run with spaces: float over all rows in timestamp order, steps exact (1e12, 2^53+1, 2^53+2)', async () => {
    const id = latestRunId(dir, EDGE_STEM, 'run with spaces')
    const r = await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'float' })
    expect(r.text).toBe(data(expectedValues(EDGE_STEM, id, 'float', { kind: 'all' })))
    expect(r.text).toContain('"step":1000000000000,"value":2.0}')
    expect(r.text).toContain('"step":9007199254740993,"value":3.0}')
    expect(r.text).toContain('"step":9007199254740994,"value":4.0}')
    expect(r.json.data.map((p: any) => p.step).slice(0, 7)).toEqual([5, 3, 9, 1, 3, 3, -5])
  })

  test('keys with unicode, spaces, dots, slashes and emoji', async () => {
    const id = latestRunId(dir, EDGE_STEM, 'ünïcødé-run-🚀')
    for (const metric of ['损失', 'métrique/précision', 'emoji 🚀', 'key with spaces', 'dot.key']) {
      const r = await call('get_metric_values', { project: EDGE, run: 'ünïcødé-run-🚀', metric_name: metric })
      const exp = expectedValues(EDGE_STEM, id, metric, { kind: 'all' })
      expect(JSON.parse(exp)).toHaveLength(12)
      expect(r.text).toBe(data(exp))
    }
    // "dot.key" must not be read as a JSON path into {"dot": {"key": …}}
    expect((await call('get_metric_values', { project: EDGE, run: 'ünïcødé-run-🚀', metric_name: 'dot' })).text).toBe('{"data":[]}')
  })

  test('reserved-keys run: renamed keys are readable; int-overflow run has steps 0 and 2 only', async () => {
    const r = await call('get_metric_values', { project: EDGE, run: 'reserved-keys', metric_name: '__step' })
    expect(r.json.data).toEqual([{ timestamp: expect.any(String), step: 0, value: 100 }])
    const o = await call('get_metric_values', { project: EDGE, run: 'int-overflow', metric_name: 'x' })
    expect(o.json.data.map((p: any) => [p.step, p.value])).toEqual([[0, 1], [2, 3]])
  })

  test('sparse run: only rows holding the metric', async () => {
    const r = await call('get_metric_values', { project: EDGE, run: 'sparse', metric_name: 'every5' })
    expect(r.text).toContain('"value":0.0}')
    expect(r.json.data.map((p: any) => p.step)).toEqual([0, 5, 10, 15])
    const odd = await call('get_metric_values', { project: EDGE, run: 'sparse', metric_name: 'odd' })
    expect(odd.json.data.map((p: any) => p.step)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19])
  })

  test('run_id overrides run; dup by name is the latest-created', async () => {
    const dups = ((await call('get_runs_for_project', { project: EDGE })).json.data as any[]).filter((x) => x.name === 'dup')
    const vals = async (body: object) => (await call('get_metric_values', { project: EDGE, metric_name: 'value', ...body })).json.data.map((p: any) => p.value)
    expect(await vals({ run: 'dup' })).toEqual([20, 21, 22, 23])
    expect(await vals({ run: null, run_id: dups[0].id })).toEqual([10, 11, 12, 13])
    expect(await vals({ run: 'sparse', run_id: dups[0].id })).toEqual([10, 11, 12, 13])
    expect(await vals({ run: 'dup', run_id: dups[1].id })).toEqual([20, 21, 22, 23])
  })

  test('resumed and renamed runs', async () => {
    const r = await call('get_metric_values', { project: EDGE, run: 'resumed', metric_name: 'loss' })
    expect(r.json.data.map((p: any) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    const ren = await call('get_metric_values', { project: EDGE, run: 'renamed ✓', metric_name: 'loss' })
    expect(ren.json.data).toHaveLength(6)
    expect((await call('get_metric_values', { project: EDGE, run: 'to-be-renamed', metric_name: 'loss' })).text).toBe('{"data":[]}')
  })

  test('empty results: unknown metric/run/run_id/project, run null without run_id', async () => {
    await expectEmptyAnswers(call, 'get_metric_values', [
      { project: 'image-classification', run: 'baseline', metric_name: 'nope' },
      { project: 'image-classification', run: 'nope', metric_name: 'loss' },
      { project: 'image-classification', run: null, metric_name: 'loss' },
      { project: 'image-classification', run: 'baseline', run_id: 'nope', metric_name: 'loss' },
      { project: 'nope', run: 'baseline', metric_name: 'loss' },
      { project: 'empty-project', run: 'x', metric_name: 'loss' },
      { project: 'image-classification', run: 'baseline', metric_name: 'step' },
    ])
  })

  test('run and metric_name are required (run may be null)', async () => {
    await expectRefusal(call, 'get_metric_values', { project: 'image-classification', metric_name: 'loss' }, 'Missing required parameter: run')
    await expectRefusal(call, 'get_metric_values', { project: 'image-classification', run: 'baseline' }, 'Missing required parameter: metric_name')
    const c = await call('get_metric_values', ['image-classification', 'baseline', 'epoch'])
    expect(c.status).toBe(200)
    expect(c.json.data).toHaveLength(150)
  })

  test('canonical stem gives the same answer', async () => {
    const a = await call('get_metric_values', { project: EDGE, run: 'sparse', metric_name: 'even' })
    const b = await call('get_metric_values', { project: EDGE_STEM, run: 'sparse', metric_name: 'even' })
    expect(a.text).toBe(b.text)
    expect(a.json.data).toHaveLength(10)
  })
})

describe('get_metric_values: filters', () => {
  const base = { project: 'image-classification', run: 'baseline', metric_name: 'loss' }
  const steps = async (body: object) => {
    const r = await call('get_metric_values', { ...base, ...body })
    expect(r.status).toBe(200)
    return r.json.data.map((p: any) => p.step)
  }

  test('step: exact match; digit strings work', async () => {
    expect(await steps({ step: 5 })).toEqual([5])
    expect(await steps({ step: '5' })).toEqual([5])
    expect(await steps({ step: 1000 })).toEqual([])
    const id = latestRunId(dir, 'image-classification', 'baseline')
    expect((await call('get_metric_values', { ...base, step: 5 })).text).toBe(data(expectedValues('image-classification', id, 'loss', { kind: 'step', step: 5 })))
  })

  test('step wins over around_step/window and at_time', async () => {
    expect(await steps({ step: 7, around_step: 50, window: 3 })).toEqual([7])
    expect(await steps({ step: 7, at_time: '2000-01-01T00:00:00Z', window: 1 })).toEqual([7])
  })

  test('step 2^53+1 on run with spaces finds exactly that row (JSON number and digit string)', async () => {
    const raw = `{"project":${JSON.stringify(EDGE)},"run":"run with spaces","metric_name":"float","step":9007199254740993}`
    const r = await call('get_metric_values', raw)
    expect(r.text).toBe('{"data":[{"timestamp":"2026-11-25T04:40:25.592766+00:00","step":9007199254740993,"value":3.0}]}')
    const s = await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'float', step: '9007199254740993' })
    expect(s.text).toBe(r.text)
    const n = await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'float', step: -5 })
    expect(n.json.data).toEqual([{ timestamp: '2026-11-25T04:40:25.592766+00:00', step: -5, value: -1 }])
    expect(n.text).toContain('"value":-1.0}')
    const rep = await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'int', step: 3 })
    expect(rep.json.data.map((p: any) => p.value)).toEqual([3, 33, 333])
  })

  test('around_step/window: inclusive; window truncated (1.9 → 1, "2" → 2); negative → []', async () => {
    expect(await steps({ around_step: 10, window: 2 })).toEqual([8, 9, 10, 11, 12])
    expect(await steps({ around_step: 10, window: 1.9 })).toEqual([9, 10, 11])
    expect(await steps({ around_step: 10, window: '2' })).toEqual([8, 9, 10, 11, 12])
    expect(await steps({ around_step: 10, window: 0 })).toEqual([10])
    expect(await steps({ around_step: 10, window: -1 })).toEqual([])
    expect(await steps({ around_step: 10, window: -0.5 })).toEqual([10])
    expect(await steps({ around_step: 0, window: 3 })).toEqual([0, 1, 2, 3])
    expect(await steps({ around_step: 149, window: 5 })).toEqual([144, 145, 146, 147, 148, 149])
    expect(await steps({ around_step: '10', window: 1 })).toEqual([9, 10, 11])
    const id = latestRunId(dir, 'image-classification', 'baseline')
    const r = await call('get_metric_values', { ...base, around_step: 100, window: 7 })
    expect(r.text).toBe(data(expectedValues('image-classification', id, 'loss', { kind: 'steps', lo: 93, hi: 107 })))
  })

  test('around_step window around the big edge steps', async () => {
    const raw = `{"project":${JSON.stringify(EDGE)},"run":"run with spaces","metric_name":"float","around_step":9007199254740993,"window":1}`
    const r = await call('get_metric_values', raw)
    expect(r.json.data.map((p: any) => p.value)).toEqual([3, 4])
    expect(r.text).toContain('"step":9007199254740993,')
    expect(r.text).toContain('"step":9007199254740994,')
  })

  test('around_step without window, window alone → every row', async () => {
    expect(await steps({ around_step: 10 })).toHaveLength(150)
    expect(await steps({ window: 3 })).toHaveLength(150)
  })

  test('at_time without window: the rows at the logged timestamp nearest to it (earlier on a tie)', async () => {
    const stem = 'llm-finetune'
    const run = 'gpt2-small'
    const id = latestRunId(dir, stem, run)
    const stamps: string[] = pyJson(
      `con = connect(sys.argv[1]); dump(sorted({ts for ts, m in con.execute('SELECT timestamp, metrics FROM metrics WHERE run_id=?', (sys.argv[2],)) if 'train/loss' in load(m)}))`,
      dbPath(dir, stem),
      id,
    )
    expect(stamps.length).toBeGreaterThanOrEqual(3)
    const µs = (ts: string) => Date.parse(ts) * 1000 + Number(ts.match(/\.\d{3}(\d{3})/)?.[1] ?? 0)
    const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString().replace('Z', String(us % 1000).padStart(3, '0') + 'Z')
    const get = async (at_time: string) => (await call('get_metric_values', { project: stem, run, metric_name: 'train/loss', at_time })).text
    const rowsAt = (ts: string) => data(expectedValues(stem, id, 'train/loss', { kind: 'time', at: ts, w: 0 }))
    // exactly a stored timestamp, a little after one, long before the first, long after the last
    expect(await get(stamps[1]!)).toBe(rowsAt(stamps[1]!))
    expect(await get(iso(µs(stamps[1]!) + 3))).toBe(rowsAt(stamps[1]!))
    expect(await get('2000-01-01T00:00:00Z')).toBe(rowsAt(stamps[0]!))
    expect(await get('2999-01-01T00:00:00Z')).toBe(rowsAt(stamps.at(-1)!))
    // halfway between two flushes (an exact tie) gives the earlier one; just past halfway the later
    const a = µs(stamps[1]!)
    const b = µs(stamps[2]!)
    if ((b - a) % 2 === 0) expect(await get(iso((a + b) / 2))).toBe(rowsAt(stamps[1]!))
    expect(await get(iso(Math.floor((a + b) / 2) + 1))).toBe(rowsAt(stamps[2]!))
    expect(JSON.parse(rowsAt(stamps[1]!)).data.length).toBeGreaterThan(0)
  })

  test("around_step: rows sharing a timestamp in Trackio's order (its real query: step order within a timestamp)", async () => {
    const id = latestRunId(dir, EDGE_STEM, 'run with spaces')
    // Trackio's own SQL text and row filter, run by Python's sqlite3 on the same file
    const trackio: string[] = pyJson(
      `
con = connect(sys.argv[1])
res = []
for metric, lo, hi in json.loads(sys.argv[3]):
    out = []
    for ts, step, m in con.execute("SELECT timestamp, step, metrics FROM metrics WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY timestamp", (sys.argv[2], lo, hi)):
        d = load(m)
        if metric in d:
            out.append({'timestamp': ts, 'step': step, 'value': dec(d[metric])})
    res.append(json.dumps(out, separators=(',', ':'), ensure_ascii=False))
dump(res)`,
      dbPath(dir, EDGE_STEM),
      id,
      JSON.stringify([['float', 0, 10], ['int', -10, 10], ['float', -100, 2000000000000]]),
    )
    const ours = [
      await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'float', around_step: 5, window: 5 }),
      await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'int', around_step: 0, window: 10 }),
      await call('get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'float', around_step: 1000000000000, window: 1000000000100 }),
    ]
    for (let i = 0; i < ours.length; i++) expect(ours[i]!.text).toBe(data(trackio[i]!))
    // the first flush holds steps 5, 3, 9, 1, 3 (in id order): Trackio answers them by step
    expect(ours[0]!.json.data.map((p: any) => p.step)).toEqual([1, 3, 3, 5, 9, 3])
  })

  test('non-numeric window → 400', async () => {
    const r = await call('get_metric_values', { ...base, around_step: 10, window: 'abc' })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('window')
  })

  describe('at_time + window compared as instants', () => {
    const stem = 'llm-finetune'
    const run = 'gpt2-small'
    let id: string
    let stamps: string[]
    beforeAll(() => {
      id = latestRunId(dir, stem, run)
      stamps = pyJson(
        `con = connect(sys.argv[1]); dump([r[0] for r in con.execute('SELECT DISTINCT timestamp FROM metrics WHERE run_id=? ORDER BY timestamp', (sys.argv[2],))])`,
        dbPath(dir, stem),
        id,
      )
    })

    test('the run has several distinct flush timestamps', () => {
      expect(stamps.length).toBeGreaterThanOrEqual(3)
    })

    test('window 1 around a stored timestamp returns exactly the rows within ±1 s', async () => {
      for (const at of [stamps[0]!, stamps[2]!, stamps.at(-1)!]) {
        const r = await call('get_metric_values', { project: stem, run, metric_name: 'train/loss', at_time: at, window: 1 })
        const exp = expectedValues(stem, id, 'train/loss', { kind: 'time', at, w: 1 })
        expect(JSON.parse(exp).length).toBeGreaterThan(0)
        expect(r.text).toBe(data(exp))
      }
    })

    test('window 0 returns exactly the rows of that flush', async () => {
      const at = stamps[1]!
      const r = await call('get_metric_values', { project: stem, run, metric_name: 'train/loss', at_time: at, window: 0 })
      expect(r.json.data.length).toBeGreaterThan(0)
      for (const p of r.json.data) expect(p.timestamp).toBe(at)
      expect(r.text).toBe(data(expectedValues(stem, id, 'train/loss', { kind: 'time', at, w: 0 })))
    })

    test('the same instant spelled with Z, another offset or fewer digits gives the same rows', async () => {
      const at = stamps[2]!
      const ref = (await call('get_metric_values', { project: stem, run, metric_name: 'lr', at_time: at, window: 1 })).text
      const ms = new Date(at.replace(/(\.\d{3})\d*/, '$1')).getTime()
      const utcZ = at.replace('+00:00', 'Z')
      const d = new Date(ms + 2 * 3600 * 1000)
      const pad = (n: number) => String(n).padStart(2, '0')
      const frac = at.match(/\.(\d+)/)![1]
      const plus2 = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${frac}+02:00`
      for (const alt of [utcZ, plus2]) {
        const r = await call('get_metric_values', { project: stem, run, metric_name: 'lr', at_time: alt, window: 1 })
        expect(r.text).toBe(ref)
      }
    })

    test('a window that excludes every row gives []', async () => {
      const last = new Date(stamps.at(-1)!.replace(/(\.\d{3})\d*/, '$1')).getTime()
      const far = new Date(last + 60_000).toISOString()
      const r = await call('get_metric_values', { project: stem, run, metric_name: 'train/loss', at_time: far, window: 1 })
      expect(r.text).toBe('{"data":[]}')
      const big = await call('get_metric_values', { project: stem, run, metric_name: 'train/loss', at_time: far, window: 3600 })
      expect(big.json.data).toHaveLength(80)
      const neg = await call('get_metric_values', { project: stem, run, metric_name: 'train/loss', at_time: stamps[0], window: -1 })
      expect(neg.text).toBe('{"data":[]}')
    })

    test('unparseable at_time → 400 naming at_time', async () => {
      for (const at_time of ['yesterday', '2026-13-01T00:00:00Z', '', '2026-11-25T25:00:00']) {
        const r = await call('get_metric_values', { project: stem, run, metric_name: 'lr', at_time, window: 1 })
        expect(r.status).toBe(400)
        expect(r.json.error).toContain('at_time')
      }
    })
  })
})
