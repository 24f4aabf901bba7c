import { beforeAll, describe, expect, test } from 'bun:test'
import { inProcessApp } from '../helpers'
import { buildLab, LAB } from './agent-lab'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(await buildLab()))
})

const diagnose = async (run: string, metrics?: string[]) => {
  const r = await call('diagnose_run', { project: LAB, run, ...(metrics ? { metrics } : {}) })
  expect(r.status).toBe(200)
  return r.json.data
}
const metric = (d: any, name: string) => d.metrics.find((m: any) => m.metric === name)

describe('diagnose_run', () => {
  test('spiky: the spike at step 600 with its size; GPU memory near full and low utilisation; findings say so', async () => {
    const d = await diagnose('spiky')
    expect(d.run_id).toBe('spiky-id')
    const loss = metric(d, 'loss')
    expect(loss.spike_count).toBe(1)
    expect(loss.spikes[0].step).toBe(600)
    expect(loss.spikes[0].size).toBeGreaterThan(0.95)
    expect(loss.spikes[0].size).toBeLessThan(1.05)
    expect(loss.first_nonfinite_step).toBeNull()
    expect(loss.best.step).not.toBe(600)
    const status = Object.fromEntries(d.system.map((s: any) => [s.metric, s.status]))
    expect(status).toEqual({ 'gpu/0/memory_usage': 'memory_near_full', 'gpu/0/temp': 'ok', 'gpu/0/utilization': 'underused' })
    expect(d.findings.some((f: string) => f.startsWith('loss: 1 spike; largest at step 600'))).toBe(true)
    expect(d.findings.some((f: string) => f.includes('memory near full'))).toBe(true)
  })

  test('nan-run: first NaN/Inf, diverging, best vs last, alerts summary', async () => {
    const d = await diagnose('nan-run')
    const loss = metric(d, 'loss')
    expect(loss).toMatchObject({ trend: 'diverging', nan_count: 699, inf_count: 1, first_nonfinite_step: 300 })
    expect(loss.best).toEqual({ value: expect.any(Number), step: 299 })
    expect(loss.last).toEqual({ value: null, step: 999 })
    expect(d.alerts).toMatchObject({ count: 2, by_level: { error: 1, warn: 1 } })
    expect(d.alerts.latest[0].title).toBe('loss is NaN')
    expect(d.findings).toContain('loss: first NaN/Inf at step 300 (699 NaN, 1 Inf).')
  })

  test('trends: plateau, improving accuracy, diverging twin, oscillation', async () => {
    expect(metric(await diagnose('plateau', ['loss']), 'loss').trend).toBe('plateaued')
    expect(metric(await diagnose('spiky', ['acc']), 'acc').trend).toBe('improving')
    expect(metric(await diagnose('twin-b', ['loss']), 'loss').trend).toBe('diverging')
    expect(metric(await diagnose('osc', ['loss']), 'loss').trend).toBe('oscillating')
    expect(metric(await diagnose('plateau', ['loss']), 'loss').spike_count).toBe(0)
  })

  test('findings: a diverging loss is reported, a decaying schedule of unknown direction is not', async () => {
    const d = await diagnose('twin-b')
    expect(d.findings).toContain('loss: diverging.')
    const { tempDir } = await import('../helpers')
    const { appendMetrics } = await import('../../src/storage/write/append')
    const dir = tempDir()
    await appendMetrics(dir, 'sched', 'r', 'r-id', Array.from({ length: 400 }, (_, i) => ({ metrics: { lr: i < 100 ? i / 100 : 1 - (i - 100) / 300 }, step: i })))
    const r = await (await inProcessApp(dir)).call('diagnose_run', { project: 'sched', run: 'r' })
    expect(r.json.data.metrics[0]).toMatchObject({ metric: 'lr', direction: 'unknown', trend: 'diverging' })
    expect(r.json.data.findings).toEqual([])
  })

  test('run_id picks a run that shares a name; a named metric the run lacks is a finding; errors', async () => {
    const r = await call('diagnose_run', { project: LAB, run_id: 'old-twin-a', metrics: ['loss', 'nope'] })
    expect(r.json.data.run_id).toBe('old-twin-a')
    expect(metric(r.json.data, 'loss').trend).toBe('insufficient_data')
    expect(r.json.data.findings).toContain('nope: no numeric values in this run.')
    expect((await call('diagnose_run', { project: LAB })).status).toBe(400)
    expect((await call('diagnose_run', { project: LAB, run: 'nope' })).status).toBe(404)
  })
})
