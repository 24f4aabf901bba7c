import { beforeAll, describe, expect, test } from 'bun:test'
import { appendMetrics } from '../../src/storage/write/append'
import { inProcessApp, tempDir } from '../helpers'
import { buildLab, LAB, ts } from './agent-lab'

let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  dir = await buildLab()
  ;({ call } = await inProcessApp(dir))
})

describe('get_metric_history', () => {
  test('several runs and metrics in one call, the documented shape, the spike kept by minmax', async () => {
    const r = await call('get_metric_history', { project: LAB, runs: ['spiky', 'plateau'], metrics: ['loss', 'acc'], max_points: 50 })
    expect(r.status).toBe(200)
    const s = r.json.data.series
    expect(s.map((x: any) => `${x.run}/${x.metric}`)).toEqual(['spiky/loss', 'spiky/acc', 'plateau/loss', 'plateau/acc'])
    const loss = s[0]
    expect(Object.keys(loss)).toEqual(['run', 'run_id', 'metric', 'total_points', 'returned_points', 'method', 'steps', 'values', 'timestamps', 'nan_count', 'inf_count', 'first_nonfinite_step'])
    expect(loss).toMatchObject({ run: 'spiky', run_id: 'spiky-id', total_points: 1000, method: 'minmax', nan_count: 0, inf_count: 0, first_nonfinite_step: null })
    expect(loss.returned_points).toBe(loss.steps.length)
    expect(loss.returned_points).toBeLessThanOrEqual(50)
    expect(loss.steps[0]).toBe(0)
    expect(loss.steps.at(-1)).toBe(999)
    expect(loss.steps).toContain(600)
    expect(loss.timestamps[loss.steps.indexOf(600)]).toBe(ts(0, 600))
  })

  test('timestamps: false leaves the timestamps out and nothing else', async () => {
    const body = { project: LAB, runs: ['spiky'], metrics: ['loss'], max_points: 50 }
    const full = (await call('get_metric_history', body)).json.data.series[0]
    const lean = (await call('get_metric_history', { ...body, timestamps: false })).json.data.series[0]
    expect(lean.timestamps).toEqual([])
    expect({ ...lean, timestamps: full.timestamps }).toEqual(full)
  })

  test('NaN and Inf: counted, first step reported, kept as null', async () => {
    const r = await call('get_metric_history', { project: LAB, runs: ['nan-run'], metrics: ['loss'], max_points: 20 })
    const s = r.json.data.series[0]
    expect(s).toMatchObject({ nan_count: 699, inf_count: 1, first_nonfinite_step: 300 })
    expect(s.steps).toContain(300)
    expect(s.steps).toContain(350)
    expect(s.values[s.steps.indexOf(300)]).toBeNull()
  })

  test('lttb and none; a short series comes back whole with method none', async () => {
    const l = await call('get_metric_history', { project: LAB, runs: ['osc'], metrics: ['loss'], max_points: 100, downsample: 'lttb' })
    expect(l.json.data.series[0]).toMatchObject({ method: 'lttb', returned_points: 100 })
    const n = await call('get_metric_history', { project: LAB, runs: ['osc'], metrics: ['loss'], downsample: 'none' })
    expect(n.json.data.series[0]).toMatchObject({ method: 'none', returned_points: 1000 })
    const short = await call('get_metric_history', { project: LAB, runs: ['osc'], metrics: ['loss'], min_step: 990 })
    expect(short.json.data.series[0]).toMatchObject({ method: 'none', total_points: 10, steps: [990, 991, 992, 993, 994, 995, 996, 997, 998, 999] })
  })

  test('min_step/max_step as an incremental cursor: only newer points after an append', async () => {
    const d = tempDir()
    await appendMetrics(d, 'live', 'run', 'run-id', Array.from({ length: 20 }, (_, i) => ({ metrics: { loss: 1 / (i + 1) }, step: i })))
    const { call: c } = await inProcessApp(d)
    const first = (await c('get_metric_history', { project: 'live', runs: ['run'], metrics: ['loss'] })).json.data.series[0]
    const last = first.steps.at(-1)
    await appendMetrics(d, 'live', 'run', 'run-id', [20, 21, 22].map((i) => ({ metrics: { loss: 1 / (i + 1) }, step: i })))
    const next = (await c('get_metric_history', { project: 'live', runs: ['run'], metrics: ['loss'], min_step: last + 1 })).json.data.series[0]
    expect(next.steps).toEqual([20, 21, 22])
    const window = (await c('get_metric_history', { project: 'live', runs: ['run'], metrics: ['loss'], min_step: 5, max_step: 7 })).json.data.series[0]
    expect(window.steps).toEqual([5, 6, 7])
  })

  test('x=time orders by timestamp; run_ids pick a run that shares a name', async () => {
    const r = await call('get_metric_history', { project: LAB, run_ids: ['old-twin-a'], runs: ['twin-a'], metrics: ['loss'], x: 'time' })
    const [latest, old] = r.json.data.series
    expect(latest).toMatchObject({ run: 'twin-a', run_id: 'twin-a-id', total_points: 1000 })
    expect(old).toMatchObject({ run: 'twin-a', run_id: 'old-twin-a', total_points: 1, values: [9] })
  })

  test('a metric the run lacks is an empty series; errors name the argument', async () => {
    const r = await call('get_metric_history', { project: LAB, runs: ['spiky'], metrics: ['nope'] })
    expect(r.json.data.series[0]).toMatchObject({ total_points: 0, returned_points: 0, steps: [], values: [] })
    const unknownRun = await call('get_metric_history', { project: LAB, runs: ['spikey'], metrics: ['loss'] })
    expect(unknownRun.status).toBe(404)
    expect(unknownRun.json.error).toContain("Run 'spikey' not found")
    expect(unknownRun.json.error).toContain('spiky')
    expect((await call('get_metric_history', { project: LAB, runs: [], metrics: ['loss'] })).json.error).toContain("'runs'")
    expect((await call('get_metric_history', { project: LAB, runs: ['spiky'], metrics: ['loss'], max_points: 2 })).json.error).toContain("'max_points'")
    expect((await call('get_metric_history', { project: LAB, runs: ['spiky'], metrics: ['loss'], downsample: 'avg' })).json.error).toContain("'downsample'")
    expect((await call('get_metric_history', { project: LAB, runs: ['spiky'], metrics: ['loss'], min_step: 5, max_step: 1 })).status).toBe(400)
  })

  test('200,000 points in a temp db: 500 returned, the spike and the NaN kept', async () => {
    const d = tempDir()
    const entries = Array.from({ length: 200_000 }, (_, i) => ({
      metrics: { loss: i === 123_456 ? 50 : i === 150_000 ? NaN : 3 * Math.exp(-i / 50_000), m1: i, m2: i, m3: i, m4: i, m5: i },
      step: i,
    }))
    await appendMetrics(d, 'big', 'long', 'long-id', entries)
    const { call: c } = await inProcessApp(d)
    const r = await c('get_metric_history', { project: 'big', runs: ['long'], metrics: ['loss'] })
    const s = r.json.data.series[0]
    expect(s).toMatchObject({ total_points: 200_000, method: 'minmax', nan_count: 1, first_nonfinite_step: 150_000 })
    expect(s.returned_points).toBeLessThanOrEqual(500)
    expect(s.returned_points).toBeGreaterThanOrEqual(495)
    expect(s.steps).toContain(123_456)
    expect(s.steps).toContain(150_000)
    expect(r.text.length).toBeLessThan(40_000)
    // Six series of 200,000 points with downsample "none" is over the 1,000,000-point cap: a 400, not 100 MB.
    const over = await c('get_metric_history', { project: 'big', runs: ['long'], metrics: ['loss', 'm1', 'm2', 'm3', 'm4', 'm5'], downsample: 'none' })
    expect(over.status).toBe(400)
    expect(over.json.error).toContain('Too many points')
    expect(over.json.error).toContain("'max_points'")
  })
})
