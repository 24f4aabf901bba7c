import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { copyFixtures, appCaller } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, envelope, expectedRuns, py } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

describe('get_project_summary', () => {
  test('basic project: runs list, num_runs and last_activity = max step', async () => {
    const r = await call('get_project_summary', { project: 'image-classification' })
    expect(r.status).toBe(200)
    const runs = expectedRuns(dir, 'image-classification')
    const maxStep = py('con = connect(sys.argv[1]); print(con.execute("SELECT MAX(step) FROM metrics").fetchone()[0], end="")', dbPath(dir, 'image-classification'))
    expect(maxStep).toBe('179')
    expect(r.text).toBe(envelope(`{"project":"image-classification","num_runs":3,"runs":${runs},"last_activity":${maxStep}}`))
  })

  test('echoes the project as passed; last_activity beyond 2^53 is exact', async () => {
    const r = await call('get_project_summary', { project: EDGE })
    expect(r.json.data.project).toBe(EDGE)
    expect(r.json.data.num_runs).toBe(15)
    expect(r.text).toContain('"last_activity":9007199254740994}')
    expect(r.text).toBe(envelope(`{"project":${JSON.stringify(EDGE)},"num_runs":15,"runs":${expectedRuns(dir, EDGE_STEM)},"last_activity":9007199254740994}`))
    const s = await call('get_project_summary', { project: EDGE_STEM })
    expect(s.json.data.project).toBe(EDGE_STEM)
    expect(s.json.data.runs).toEqual(r.json.data.runs)
  })

  test('CJK and default projects', async () => {
    const j = await call('get_project_summary', { project: '日本語プロジェクト' })
    expect(j.json.data).toMatchObject({ project: '日本語プロジェクト', num_runs: 1, last_activity: 9 })
    expect(j.json.data.runs[0].name).toBe('実験-1')
    const d = await call('get_project_summary', { project: '???' })
    expect(d.json.data).toMatchObject({ project: '???', num_runs: 1, last_activity: 0 })
  })

  test('unknown, empty and alerts-only projects → the empty summary', async () => {
    for (const project of ['nope', 'empty-project', 'alerts-only']) {
      const r = await call('get_project_summary', { project })
      expect(r.status).toBe(200)
      expect(r.text).toBe(`{"data":{"project":${JSON.stringify(project)},"num_runs":0,"runs":[],"last_activity":null}}`)
    }
  })
})
