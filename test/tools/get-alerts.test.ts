import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { appCaller, copyFixtures, expectEmptyAnswers } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, py } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

/** Alerts computed by Python: optional where-clause, newest first (id breaks ties). */
function expectedAlerts(stem: string, where = '1', ...params: string[]): string {
  return py(
    `
con = connect(sys.argv[1])
rows = con.execute('SELECT timestamp, run_name, title, text, level, step FROM alerts WHERE ' + sys.argv[2] + ' ORDER BY timestamp DESC, id DESC', tuple(sys.argv[3:])).fetchall()
dump([{'timestamp': a, 'run': b, 'title': c, 'text': d, 'level': e, 'step': f} for a, b, c, d, e, f in rows])`,
    dbPath(dir, stem),
    where,
    ...params,
  )
}

const data = (inner: string) => `{"data":${inner}}`

describe('get_alerts', () => {
  test('all alerts of a project, newest first, exact text', async () => {
    const r = await call('get_alerts', { project: 'llm-finetune' })
    expect(r.status).toBe(200)
    expect(r.text).toBe(data(expectedAlerts('llm-finetune')))
    expect(r.json.data).toHaveLength(5)
    const ts = r.json.data.map((a: any) => a.timestamp)
    expect(ts).toEqual([...ts].sort().reverse())
    expect(Object.keys(r.json.data[0])).toEqual(['timestamp', 'run', 'title', 'text', 'level', 'step'])
  })

  test('edge project: includes alerts of runs without metrics; unicode text', async () => {
    const r = await call('get_alerts', { project: EDGE })
    expect(r.text).toBe(data(expectedAlerts(EDGE_STEM)))
    const runs = r.json.data.map((a: any) => a.run)
    expect(runs).toContain('alerts-only-run')
    expect(runs).toContain('renamed ✓')
    expect(r.text).toContain('"text":"текст предупреждения"')
    expect((await call('get_alerts', { project: EDGE_STEM })).text).toBe(r.text)
    const j = await call('get_alerts', { project: '日本語プロジェクト' })
    expect(j.json.data).toHaveLength(1)
    expect(j.json.data[0]).toMatchObject({ run: '実験-1', level: 'warn' })
  })

  test('alerts-only project: no runs but three alerts', async () => {
    expect((await call('get_runs_for_project', { project: 'alerts-only' })).text).toBe('{"data":[]}')
    const r = await call('get_alerts', { project: 'alerts-only' })
    expect(r.text).toBe(data(expectedAlerts('alerts-only')))
    expect(r.json.data.map((a: any) => a.level)).toEqual(['error', 'warn', 'info'])
  })

  test('level: exact, case-sensitive', async () => {
    const r = await call('get_alerts', { project: 'llm-finetune', level: 'warn' })
    expect(r.text).toBe(data(expectedAlerts('llm-finetune', 'level = ?', 'warn')))
    expect(r.json.data.map((a: any) => a.run)).toEqual(['gpt2-medium', 'gpt2-small'])
    expect((await call('get_alerts', { project: 'llm-finetune', level: 'WARN' })).text).toBe('{"data":[]}')
    expect((await call('get_alerts', { project: 'llm-finetune', level: 'warning' })).text).toBe('{"data":[]}')
  })

  test('run filter (by name and by run_id) and level combined', async () => {
    const r = await call('get_alerts', { project: 'llm-finetune', run: 'gpt2-small' })
    expect(r.text).toBe(data(expectedAlerts('llm-finetune', 'run_name = ?', 'gpt2-small')))
    expect(r.json.data.map((a: any) => a.level)).toEqual(['error', 'warn', 'info'])
    const id = py(
      `con = connect(sys.argv[1]); print(con.execute("SELECT run_id FROM alerts WHERE run_name='gpt2-small' LIMIT 1").fetchone()[0], end='')`,
      dbPath(dir, 'llm-finetune'),
    )
    expect((await call('get_alerts', { project: 'llm-finetune', run_id: id })).text).toBe(r.text)
    expect((await call('get_alerts', { project: 'llm-finetune', run: 'gpt2-medium', run_id: id })).text).toBe(r.text)
    const e = await call('get_alerts', { project: 'llm-finetune', run: 'gpt2-small', level: 'error' })
    expect(e.json.data).toHaveLength(1)
    expect(e.json.data[0]).toMatchObject({ title: 'Checkpoint save failed', text: null, step: 79 })
  })

  test('since: compared as instants (any offset, date, year); nonsense is a 400', async () => {
    const all = (await call('get_alerts', { project: 'llm-finetune' })).json.data as any[]
    const pivot = all[2].timestamp
    const r = await call('get_alerts', { project: 'llm-finetune', since: pivot })
    expect(r.text).toBe(data(expectedAlerts('llm-finetune', 'timestamp > ?', pivot)))
    expect(r.json.data).toEqual(all.slice(0, 2))
    expect((await call('get_alerts', { project: 'llm-finetune', since: '2026' })).json.data).toHaveLength(5)
    expect((await call('get_alerts', { project: 'llm-finetune', since: '2027' })).text).toBe('{"data":[]}')
    const combo = await call('get_alerts', { project: 'llm-finetune', run: 'gpt2-small', level: 'info', since: '2026' })
    expect(combo.json.data.map((a: any) => a.title)).toEqual(['Training started'])
    // The same instant spelled with another offset selects the same alerts (Trackio's text comparison would not).
    const us = Date.parse(pivot) * 1000 + Number(pivot.slice(23, 26))
    const shifted = new Date(Math.floor(us / 1000) + 3_600_000).toISOString().replace('Z', '').slice(0, 23) + pivot.slice(23, 26) + '+01:00'
    expect((await call('get_alerts', { project: 'llm-finetune', since: shifted })).json.data).toEqual(all.slice(0, 2))
    const bad = await call('get_alerts', { project: 'llm-finetune', since: 'yesterday' })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toStartWith("Invalid value for 'since'")
  })

  test('unknown run / run_id → [], unknown or empty project → []', async () => {
    await expectEmptyAnswers(call, 'get_alerts', [
      { project: 'llm-finetune', run: 'nope' },
      { project: 'llm-finetune', run_id: 'nope' },
      { project: 'llm-finetune', run: 'gpt2-small', run_id: 'nope' },
      { project: 'nope' },
      { project: 'nope', run: 'x' },
      { project: 'empty-project' },
      { project: 'image-classification' },
    ])
  })

  test('alert of a renamed run carries the new name; explicit step kept', async () => {
    const r = await call('get_alerts', { project: EDGE, run: 'renamed ✓' })
    expect(r.json.data).toEqual([{ timestamp: '2026-11-25T04:40:30.928823+00:00', run: 'renamed ✓', title: 'alert before rename', text: null, level: 'warn', step: 5 }])
    const s = await call('get_alerts', { project: EDGE, run: 'run with spaces' })
    expect(s.json.data[0]).toMatchObject({ level: 'info', step: 3, text: 'text' })
  })
})
