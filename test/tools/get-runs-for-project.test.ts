import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { appCaller, copyFixtures, expectEmptyAnswers } from '../helpers'
import { EDGE, EDGE_STEM, envelope, expectedRuns } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

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
      expect(r.text).toBe(envelope(expectedRuns(dir, stem)))
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
    await expectEmptyAnswers(call, 'get_runs_for_project', [{ project: 'no-such-project' }, { project: 'empty-project' }, { project: 'alerts-only' }])
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
