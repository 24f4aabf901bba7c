import { Database } from 'bun:sqlite'
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { copyFixtures, expectEmptyAnswers, inProcessApp } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, latestRunId, py } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']
const BIG_ID = 'bigsystem00000000000000000000000'

/** get_system_logs computed by Python (no subsampling): (timestamp, id) order, decoded, timestamp set. */
function expectedSystem(stem: string, runId: string): string {
  return py(
    `
con = connect(sys.argv[1])
out = []
for ts, m in con.execute('SELECT timestamp, metrics FROM system_metrics WHERE run_id=? ORDER BY timestamp, id', (sys.argv[2],)):
    d = {k: dec(v) for k, v in load(m).items()}
    d['timestamp'] = ts
    out.append(d)
dump(out)`,
    dbPath(dir, stem),
    runId,
  )
}

beforeAll(async () => {
  dir = copyFixtures('basic', 'edge')
  const db = new Database(join(dir, 'llm-finetune.db'))
  const ins = db.prepare('INSERT INTO system_metrics (timestamp, run_id, run_name, metrics) VALUES (?, ?, ?, ?)')
  db.transaction(() => {
    for (let i = 0; i < 4000; i++) {
      const ts = new Date(Date.UTC(2026, 0, 1) + i * 500).toISOString().replace('Z', '000+00:00')
      const m = i % 4 === 0 ? `{"cpu":${i}.5,"i":${i}}` : `{"gpu/0/util":${i % 100}.0,"i":${i}}`
      ins.run(ts, BIG_ID, 'big-system', new TextEncoder().encode(m))
    }
  })()
  db.close()
  ;({ call } = await inProcessApp(dir))
})

describe('get_system_logs', () => {
  test('gpt2-small: 13 rows with different key sets, exactly as Python reads them', async () => {
    const id = latestRunId(dir, 'llm-finetune', 'gpt2-small', 'system_metrics')
    const r = await call('get_system_logs', { project: 'llm-finetune', run: 'gpt2-small' })
    expect(r.status).toBe(200)
    expect(r.text).toBe(`{"data":${expectedSystem('llm-finetune', id)}}`)
    expect(r.json.data).toHaveLength(13)
    const sigs = new Set(r.json.data.map((x: any) => Object.keys(x).sort().join(',')))
    expect(sigs.size).toBeGreaterThanOrEqual(2)
    for (const row of r.json.data) {
      expect(Object.keys(row).at(-1)).toBe('timestamp')
      expect(row).not.toHaveProperty('step')
    }
    const ts = r.json.data.map((x: any) => x.timestamp)
    expect(ts).toEqual([...ts].sort())
    // floats keep their float spelling (0.0, not 0) and ints stay ints
    expect(r.text).toContain('"cpu/0/utilization":0.0,')
    expect(r.text).toMatch(/"gpu\/0\/utilization":\d+,/)
    expect((await call('get_system_logs', { project: 'llm-finetune', run_id: id })).text).toBe(r.text)
  })

  test('system-only edge run (not in the runs list) is readable', async () => {
    const id = latestRunId(dir, EDGE_STEM, 'system-only', 'system_metrics')
    const r = await call('get_system_logs', { project: EDGE, run: 'system-only' })
    expect(r.text).toBe(`{"data":${expectedSystem(EDGE_STEM, id)}}`)
    expect(r.text).toBe(
      '{"data":[{"gpu/util":0.0,"gpu/mem":0,"timestamp":"2026-11-25T04:40:29.941231+00:00"},' +
        '{"gpu/util":10.0,"gpu/mem":1,"timestamp":"2026-11-25T04:40:30.241590+00:00"},' +
        '{"gpu/util":20.0,"gpu/mem":2,"timestamp":"2026-11-25T04:40:30.541948+00:00"}]}',
    )
    expect((await call('get_system_logs', { project: EDGE_STEM, run: 'system-only' })).text).toBe(r.text)
  })

  test('empty values: runs without system rows, unknown run/run_id/project, no run', async () => {
    await expectEmptyAnswers(call, 'get_system_logs', [
      { project: 'llm-finetune', run: 'gpt2-medium' },
      { project: 'llm-finetune', run: 'nope' },
      { project: 'llm-finetune', run: 'gpt2-small', run_id: 'nope' },
      { project: 'llm-finetune' },
      { project: 'image-classification', run: 'baseline' },
      { project: 'nope', run: 'gpt2-small' },
    ])
  })

  test('4000 rows in two key groups are subsampled to ≤ 3000, each group keeps its first and last rows', async () => {
    const r = await call('get_system_logs', { project: 'llm-finetune', run: 'big-system' })
    const rows = r.json.data as any[]
    expect(rows.length).toBeLessThanOrEqual(3000)
    const idx = rows.map((x) => x.i)
    expect(idx).toEqual([...idx].sort((a, b) => a - b))
    // group sizes 1000 (cpu) and 3000 (gpu): budget 1500 each, then the cpu group's unused 500
    // go to gpu → cpu keeps all 1000, gpu keeps 2000 → stride 2 → 1500 (0,2,…,2996) + last = 1501
    expect(rows.filter((x) => 'cpu' in x)).toHaveLength(1000)
    expect(rows.filter((x) => 'gpu/0/util' in x)).toHaveLength(1501)
    expect(idx).toContain(0)
    expect(idx).toContain(1)
    expect(idx.at(-1)).toBe(3999)
    for (const row of rows) expect(Object.keys(row).at(-1)).toBe('timestamp')
  })
})
