import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, appCaller, inProcessApp, tempDir } from '../helpers'
import { dbPath, EDGE, EDGE_STEM, envelope, py } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

/** Runs as Python would list them (compat §4), as exact JSON text. */
function expectedRuns(stem: string): string {
  return py(
    `
con = connect(sys.argv[1])
rows = con.execute('SELECT run_id, run_name, MIN(timestamp) AS c FROM metrics GROUP BY run_id, run_name ORDER BY c').fetchall()
dump([{'id': a, 'name': b, 'created_at': c} for a, b, c in rows])`,
    dbPath(dir, stem),
  )
}

describe('get_all_projects', () => {
  test('lists the *.db stems of the data directory in code-point order', async () => {
    const r = await call('get_all_projects')
    expect(r.status).toBe(200)
    const stems = readdirSync(dir)
      .filter((n) => n.endsWith('.db'))
      .map((n) => n.slice(0, -3))
    const sorted = JSON.parse(py('dump(sorted(json.loads(sys.argv[1])))', JSON.stringify(stems)))
    expect(r.json.data).toEqual(sorted)
    expect(r.json.data).toContain(EDGE_STEM)
    expect(r.json.data).toContain('日本語プロジェクト')
    // code-point order: uppercase 'E' first, CJK last
    expect(r.json.data[0]).toBe(EDGE_STEM)
    expect(r.json.data.at(-1)).toBe('日本語プロジェクト')
    expect(r.text).toBe(envelope(JSON.stringify(sorted)))
  })

  test('ignores non-.db files and sidecars, includes registry-* and empty .db files', async () => {
    const d = tempDir()
    copyFileSync(join(dir, 'collision.db'), join(d, 'zeta.db'))
    writeFileSync(join(d, 'registry-models.db'), '')
    writeFileSync(join(d, 'a.db-wal'), '')
    writeFileSync(join(d, 'b.lock'), '')
    writeFileSync(join(d, 'notes.txt'), 'x')
    mkdirSync(join(d, 'sub'))
    writeFileSync(join(d, 'sub', 'nested.db'), '')
    writeFileSync(join(d, 'Éclair.db'), '')
    writeFileSync(join(d, 'Zed.db'), '')
    const { call: c } = await inProcessApp(d)
    const r = await c('get_all_projects')
    expect(r.json.data).toEqual(['Zed', 'registry-models', 'zeta', 'Éclair'])
  })

  test('missing data directory → []', async () => {
    const { call: c } = await inProcessApp(join(tempDir(), 'does-not-exist'))
    const r = await c('get_all_projects')
    expect(r.status).toBe(200)
    expect(r.text).toBe('{"data":[]}')
  })
})

describe('get_runs_for_project', () => {
  for (const [project, stem] of [
    ['image-classification', 'image-classification'],
    ['llm-finetune', 'llm-finetune'],
    [EDGE, EDGE_STEM],
    ['collision', 'collision'],
    ['media-project', 'media-project'],
    ['日本語プロジェクト', '日本語プロジェクト'],
  ] as const) {
    test(`${project}: same runs, ids, created_at and order as SQL on the file`, async () => {
      const r = await call('get_runs_for_project', { project })
      expect(r.status).toBe(200)
      expect(r.text).toBe(envelope(expectedRuns(stem)))
    })
  }

  test('basic image-classification runs in creation order', async () => {
    const r = await call('get_runs_for_project', { project: 'image-classification' })
    expect(r.json.data.map((x: any) => x.name)).toEqual(['baseline', 'high-lr', 'small-batch'])
    for (const run of r.json.data) expect(run.id).toMatch(/^[0-9a-f]{32}$/)
  })

  test('edge: duplicate names are two runs; system-only, alerts-only and config-no-logs runs are absent', async () => {
    const r = await call('get_runs_for_project', { project: EDGE })
    const names: string[] = r.json.data.map((x: any) => x.name)
    expect(names.filter((n) => n === 'dup')).toHaveLength(2)
    const dups = r.json.data.filter((x: any) => x.name === 'dup')
    expect(dups[0].id).not.toBe(dups[1].id)
    expect(dups[0].created_at < dups[1].created_at).toBe(true)
    expect(names).not.toContain('system-only')
    expect(names).not.toContain('alerts-only-run')
    expect(names).not.toContain('config-no-logs')
    expect(names).not.toContain('to-be-renamed')
    expect(names).toContain('renamed ✓')
    expect(names).toContain('  padded  ')
    expect(names).toContain(`'; DROP TABLE metrics; --`)
    expect(names).toHaveLength(15)
  })

  test('canonicalisation: the logged name, the stem and other aliases read the same file', async () => {
    const a = await call('get_runs_for_project', { project: EDGE })
    const b = await call('get_runs_for_project', { project: EDGE_STEM })
    const c = await call('get_runs_for_project', { project: 'Edge.Cases ünïcødé with dots spaces!' })
    expect(a.text).toBe(b.text)
    expect(a.text).toBe(c.text)
    const col1 = await call('get_runs_for_project', { project: 'col.lision' })
    const col2 = await call('get_runs_for_project', { project: 'collision' })
    expect(col1.text).toBe(col2.text)
    expect(col1.json.data.map((x: any) => x.name).sort()).toEqual(['from-col.lision', 'from-collision'])
    const def = await call('get_runs_for_project', { project: '???' })
    expect(def.json.data.map((x: any) => x.name)).toEqual(['question-marks'])
    expect((await call('get_runs_for_project', { project: '' })).text).toBe(def.text)
  })

  test('unknown project, empty project, alerts-only project → []', async () => {
    for (const project of ['no-such-project', 'empty-project', 'alerts-only']) {
      const r = await call('get_runs_for_project', { project })
      expect(r.status).toBe(200)
      expect(r.text).toBe('{"data":[]}')
    }
  })

  test('positional and Gradio-style bodies bind project', async () => {
    const kw = await call('get_runs_for_project', { project: 'llm-finetune' })
    expect((await call('get_runs_for_project', ['llm-finetune'])).text).toBe(kw.text)
    expect((await call('get_runs_for_project', { data: ['llm-finetune'] })).text).toBe(kw.text)
    expect((await call('get_runs_for_project', '"llm-finetune"')).text).toBe(kw.text)
  })

  test('missing project → 400', async () => {
    const r = await call('get_runs_for_project', {})
    expect(r.status).toBe(400)
    expect(r.json).toEqual({ error: 'Missing required parameter: project' })
  })
})

describe('get_project_summary', () => {
  test('basic project: runs list, num_runs and last_activity = max step', async () => {
    const r = await call('get_project_summary', { project: 'image-classification' })
    expect(r.status).toBe(200)
    const runs = expectedRuns('image-classification')
    const maxStep = py('con = connect(sys.argv[1]); print(con.execute("SELECT MAX(step) FROM metrics").fetchone()[0], end="")', dbPath(dir, 'image-classification'))
    expect(maxStep).toBe('179')
    expect(r.text).toBe(envelope(`{"project":"image-classification","num_runs":3,"runs":${runs},"last_activity":${maxStep}}`))
  })

  test('echoes the project as passed; last_activity beyond 2^53 is exact', async () => {
    const r = await call('get_project_summary', { project: EDGE })
    expect(r.json.data.project).toBe(EDGE)
    expect(r.json.data.num_runs).toBe(15)
    expect(r.text).toContain('"last_activity":9007199254740994}')
    expect(r.text).toBe(envelope(`{"project":${JSON.stringify(EDGE)},"num_runs":15,"runs":${expectedRuns(EDGE_STEM)},"last_activity":9007199254740994}`))
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
