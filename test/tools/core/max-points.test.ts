import { beforeAll, describe, expect, test } from 'bun:test'
import { appendMetrics } from '../../../src/storage/write/append'
import { TOOLS } from '../../../src/tools/registry'
import { inputSchemaOf } from '../../../src/transports/mcp/schemas'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../../helpers'
import { buildLab, LAB } from '../agent-lab'

let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  dir = await buildLab()
  await appendMetrics(dir, LAB, 'long', 'long-id', Array.from({ length: 5000 }, (_, i) => ({ metrics: { loss: i === 4321 ? 99 : 1 / (i + 1), tag: 'x' }, step: i })))
  ;({ call } = await inProcessApp(dir))
})

const steps = (rows: any[]) => rows.map((r) => r.step)

describe('max_points over HTTP', () => {
  test('get_metric_values: absent → every row; present → at most that many, spike, first and last kept, same record shape', async () => {
    const all = (await call('get_metric_values', { project: LAB, run: 'spiky', metric_name: 'loss' })).json.data
    expect(all).toHaveLength(1000)
    const some = (await call('get_metric_values', { project: LAB, run: 'spiky', metric_name: 'loss', max_points: 40 })).json.data
    expect(some.length).toBeLessThanOrEqual(40)
    expect(steps(some)).toContain(600)
    expect(some[0]).toEqual(all[0])
    expect(some.at(-1)).toEqual(all.at(-1))
    expect(some.every((r: any) => all.some((a: any) => a.step === r.step && a.value === r.value && a.timestamp === r.timestamp))).toBe(true)
    const nan = (await call('get_metric_values', { project: LAB, run: 'nan-run', metric_name: 'loss', max_points: 20 })).json.data
    expect(steps(nan)).toContain(300)
    expect(nan.find((r: any) => r.step === 300).value).toBeNull()
    const positional = await call('get_metric_values', { args: [LAB, 'spiky', 'loss', null, null, null, null, null, 16] })
    expect(positional.json.data.length).toBeLessThanOrEqual(16)
  })

  test('get_logs: absent → Trackio\'s 3000-row subsample; present → extremes of every metric kept, up to max_points', async () => {
    const trackio = (await call('get_logs', { project: LAB, run: 'long' })).json.data
    expect(trackio.length).toBeLessThanOrEqual(3000)
    expect(trackio.length).toBeGreaterThan(2000)
    const full = (await call('get_logs', { project: LAB, run: 'long', max_points: 5000 })).json.data
    expect(full).toHaveLength(5000)
    const some = (await call('get_logs', { project: LAB, run: 'long', max_points: 30 })).json.data
    expect(some.length).toBeLessThanOrEqual(30)
    expect(steps(some)).toContain(4321)
    expect(steps(some)).toContain(0)
    expect(steps(some)).toContain(4999)
    expect(Object.keys(some[0])).toEqual(['loss', 'tag', 'timestamp', 'step'])
    const nan = (await call('get_logs', { project: LAB, run: 'nan-run', max_points: 20, scalar_only: true })).json.data
    expect(nan.length).toBeLessThanOrEqual(20)
    expect(steps(nan)).toContain(300)
    expect(steps(nan)).toContain(350)
  })

  test('get_logs on rows with legacy bare NaN tokens (not JSON): every row decoded instead, same choice', async () => {
    const { Database } = await import('bun:sqlite')
    const d = tempDir()
    await appendMetrics(d, 'legacy', 'r', 'r-id', Array.from({ length: 100 }, (_, i) => ({ metrics: { loss: i === 70 ? 50 : 1 / (i + 1) }, step: i })))
    const db = new Database(join(d, 'legacy.db'))
    db.run(`UPDATE metrics SET metrics = '{"loss": NaN}' WHERE step = 40`)
    db.close()
    const { call: c } = await inProcessApp(d)
    const rows = (await c('get_logs', { project: 'legacy', run: 'r', max_points: 10 })).json.data
    expect(rows.length).toBeLessThanOrEqual(10)
    expect(steps(rows)).toEqual(expect.arrayContaining([0, 40, 70, 99]))
    expect(rows.find((r: any) => r.step === 40).loss).toBeNull()
  })

  test('get_system_logs and get_snapshot', async () => {
    const sys = (await call('get_system_logs', { project: LAB, run: 'spiky', max_points: 10 })).json.data
    expect(sys.length).toBeLessThanOrEqual(10)
    expect(sys.some((r: any) => r['gpu/0/memory_usage'] === 0.95)).toBe(true)
    expect((await call('get_system_logs', { project: LAB, run: 'spiky' })).json.data).toHaveLength(50)
    const snap = (await call('get_snapshot', { project: LAB, run: 'spiky', around_step: 500, window: 200, max_points: 12 })).json.data
    expect(Object.keys(snap)).toEqual(['loss', 'acc'])
    expect(snap.loss.length).toBeLessThanOrEqual(12)
    expect(steps(snap.loss)).toContain(600)
    expect((await call('get_snapshot', { project: LAB, run: 'spiky', around_step: 500, window: 200 })).json.data.loss).toHaveLength(401)
  })

  test('bad max_points is a 400 naming it; MCP schemas stay Trackio\'s (no max_points)', async () => {
    const r = await call('get_logs', { project: LAB, run: 'spiky', max_points: 1 })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain("'max_points'")
    for (const name of ['get_metric_values', 'get_logs', 'get_system_logs', 'get_snapshot']) {
      const tool = TOOLS.find((t) => t.name === name)!
      expect(Object.keys(inputSchemaOf(tool).properties ?? {})).not.toContain('max_points')
    }
  })
})
