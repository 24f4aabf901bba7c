import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { appCaller, copyFixtures, expectEmptyAnswers } from '../helpers'
import { EDGE, EDGE_STEM, expectedKeys, latestRunId } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

describe('get_system_metrics_for_run', () => {
  test('gpt2-small: union of GPU and CPU key sets, sorted, timestamp excluded', async () => {
    const r = await call('get_system_metrics_for_run', { project: 'llm-finetune', run: 'gpt2-small' })
    expect(r.status).toBe(200)
    const id = latestRunId(dir, 'llm-finetune', 'gpt2-small', 'system_metrics')
    expect(r.json.data).toEqual(expectedKeys(dir, 'llm-finetune', 'system_metrics', id, ['timestamp']))
    expect(r.json.data).toContain('gpu/0/utilization')
    expect(r.json.data).toContain('cpu/utilization')
    expect(r.json.data).not.toContain('timestamp')
  })

  test('system-only run (absent from the runs list) still has system metrics', async () => {
    const r = await call('get_system_metrics_for_run', { project: EDGE, run: 'system-only' })
    const id = latestRunId(dir, EDGE_STEM, 'system-only', 'system_metrics')
    expect(id).not.toBe('')
    expect(r.json.data.length).toBeGreaterThan(0)
    expect(r.json.data).toEqual(expectedKeys(dir, EDGE_STEM, 'system_metrics', id, ['timestamp']))
    expect((await call('get_system_metrics_for_run', { project: EDGE, run_id: id })).text).toBe(r.text)
  })

  test('runs without system rows, unknown run/project → []', async () => {
    await expectEmptyAnswers(call, 'get_system_metrics_for_run', [
      { project: 'llm-finetune', run: 'gpt2-medium' },
      { project: 'llm-finetune' },
      { project: 'llm-finetune', run: 'zzz' },
      { project: 'image-classification', run: 'baseline' },
      { project: 'nope', run: 'gpt2-small' },
    ])
  })

  test('missing project → 400', async () => {
    const r = await call('get_system_metrics_for_run', { run: 'x' })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('project')
  })
})
