import { describe, expect, test } from 'bun:test'
import { appCaller, copyFixtures, queryProject } from '../helpers'
import { EDGE, EDGE_STEM } from './oracle'

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

/** Every key of a run's system rows, sorted, straight from the file. */
function keysInFile(stem: string, runName: string): string[] {
  const rows = queryProject(dir, stem, `SELECT CAST(metrics AS TEXT) AS m FROM system_metrics WHERE run_name = '${runName}'`)
  return [...new Set(rows.flatMap((r) => Object.keys(JSON.parse(r.m as string))))].sort()
}

describe('get_system_metrics_for_run', () => {
  test('the sorted system metric names of a run, as its rows hold them', async () => {
    const r = await call('get_system_metrics_for_run', { project: 'llm-finetune', run: 'gpt2-small' })
    expect(r.status).toBe(200)
    expect(r.json.data).toEqual(keysInFile('llm-finetune', 'gpt2-small'))
    expect(r.json.data).toContain('gpu/0/utilization')
    expect(r.json.data).toContain('cpu/utilization')
    expect(r.json.data).not.toContain('timestamp')
  })

  test('a system-only run of the edge project; by run id too', async () => {
    const r = await call('get_system_metrics_for_run', { project: EDGE, run: 'system-only' })
    expect(r.json.data).toEqual(['gpu/mem', 'gpu/util'])
    const [{ run_id }] = queryProject(dir, EDGE_STEM, "SELECT run_id FROM system_metrics WHERE run_name = 'system-only' LIMIT 1") as [{ run_id: string }]
    expect((await call('get_system_metrics_for_run', { project: EDGE, run: 'ignored', run_id })).json.data).toEqual(['gpu/mem', 'gpu/util'])
  })

  test('a run without system metrics, an unknown run and an unknown project → []', async () => {
    for (const body of [
      { project: 'image-classification', run: 'baseline' },
      { project: 'llm-finetune', run: 'no-such-run' },
      { project: 'no-such-project', run: 'x' },
    ]) {
      const r = await call('get_system_metrics_for_run', body)
      expect(r.status).toBe(200)
      expect(r.text).toBe('{"data":[]}')
    }
  })

  test('missing project → 400', async () => {
    const r = await call('get_system_metrics_for_run', { run: 'x' })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('project')
  })
})
