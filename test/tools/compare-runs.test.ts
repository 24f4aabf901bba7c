import { beforeAll, describe, expect, test } from 'bun:test'
import { firstDivergence } from '../../src/tools/compare-runs'
import { inProcessApp } from '../helpers'
import { buildLab, LAB } from './agent-lab'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(await buildLab()))
})

describe('compare_runs', () => {
  test('twins: config diff holds only the differing key; loss diverges after step 400, not before', async () => {
    const r = await call('compare_runs', { project: LAB, runs: ['twin-a', 'twin-b'] })
    expect(r.status).toBe(200)
    const d = r.json.data
    expect(d.runs).toEqual([
      { name: 'twin-a', id: 'twin-a-id' },
      { name: 'twin-b', id: 'twin-b-id' },
    ])
    expect(d.config_diff).toEqual([{ key: 'warmup', values: [100, 500] }])
    expect(d.metrics.map((m: any) => m.metric)).toEqual(['acc', 'loss'])
    const loss = d.metrics[1]
    expect(loss.direction).toBe('lower')
    expect(loss.best_run).toBe('twin-a')
    expect(loss.summaries.map((s: any) => s.run)).toEqual(['twin-a', 'twin-b'])
    expect(loss.summaries[0].count).toBe(1000)
    const div = loss.divergence
    expect(div.reference).toBe('twin-a')
    expect(div.tolerance).toBe(0.05)
    // twin-b adds (step-400)/200: beyond 5% of twin-a's range (~0.05 x 1.8) from step ~419 on.
    expect(div.runs[0].first_step).toBeGreaterThan(400)
    expect(div.runs[0].first_step).toBeLessThan(440)
    expect(div.runs[0].common_steps).toBe(1000)
  })

  test('a tighter tolerance finds the divergence earlier; a loose one not at all', async () => {
    const tight = await call('compare_runs', { project: LAB, runs: ['twin-a', 'twin-b'], metrics: ['loss'], tolerance: 0.01 })
    const loose = await call('compare_runs', { project: LAB, runs: ['twin-a', 'twin-b'], metrics: ['loss'], tolerance: 5 })
    const t = tight.json.data.metrics[0].divergence.runs[0].first_step
    expect(t).toBeGreaterThan(400)
    expect(t).toBeLessThan(410)
    expect(loose.json.data.metrics[0].divergence.runs[0].first_step).toBeNull()
  })

  test('a run that goes NaN diverges by then at the latest; three runs compare to the first', async () => {
    const r = await call('compare_runs', { project: LAB, runs: ['spiky', 'nan-run', 'plateau'], metrics: ['loss'] })
    const d = r.json.data
    expect(d.config_diff.map((c: any) => c.key)).toEqual(['lr', 'optimizer', 'model'])
    const runs = d.metrics[0].divergence.runs
    expect(runs.map((x: any) => x.run)).toEqual(['nan-run', 'plateau'])
    // At the latest where it turns NaN (step 300); its straight-line fall already parts from spiky's curve earlier.
    expect(runs[0].first_step).toBeGreaterThan(0)
    expect(runs[0].first_step).toBeLessThanOrEqual(300)
    expect(d.metrics[0].best_run).toBe('spiky')
  })

  test('firstDivergence ignores one noisy step and pairs only common steps', () => {
    const ref = { steps: [0, 1, 2, 3, 4, 5, 6], values: [1, 1, 1, 1, 1, 1, 0], timestamps: [], stampAt: () => '', skipped: 0 }
    const other = { steps: [0, 2, 3, 4, 5, 6, 7], values: [1, 5, 1, 1, 2, 2, 2], timestamps: [], stampAt: () => '', skipped: 0 }
    expect(firstDivergence(ref, other, 0.1)).toEqual({ step: 5, common: 6, ref: 1, value: 2 })
  })

  test('needs two runs; unknown runs are 404', async () => {
    expect((await call('compare_runs', { project: LAB, runs: ['spiky'] })).status).toBe(400)
    expect((await call('compare_runs', { project: LAB, runs: ['spiky', 'spiky'] })).status).toBe(400)
    expect((await call('compare_runs', { project: LAB, runs: ['spiky', 'nope'] })).status).toBe(404)
  })
})
