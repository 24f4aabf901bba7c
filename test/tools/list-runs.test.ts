import { beforeAll, describe, expect, test } from 'bun:test'
import { inProcessApp } from '../helpers'
import { buildLab, LAB } from './agent-lab'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(await buildLab()))
})

const names = (r: { json: any }) => r.json.data.runs.map((x: any) => x.name)

describe('list_runs', () => {
  test('every run (names mean the latest: the older twin-a is its own row), config values and aggregates', async () => {
    const r = await call('list_runs', { project: LAB, metrics: ['loss'] })
    expect(r.status).toBe(200)
    expect(r.json.data.total_runs).toBe(7)
    expect(names(r)).toEqual(['twin-a', 'spiky', 'nan-run', 'plateau', 'twin-a', 'twin-b', 'osc'])
    const spiky = r.json.data.runs[1]
    expect(spiky.config).toEqual({ lr: 0.01, optimizer: 'adam', seed: 1, model: { arch: 'mlp', width: 256 }, warmup: null })
    expect(spiky.metrics.loss.count).toBe(1000)
    expect(spiky.metrics.loss.max_step).toBe(0)
    const nan = r.json.data.runs[2]
    expect(nan.metrics.loss).toMatchObject({ count: 1000, nan_count: 699, inf_count: 1, last: null, min_step: 299 })
  })

  test('best run in one call: order_by loss.last with limit 1 (NaN last values sort last)', async () => {
    const r = await call('list_runs', { project: LAB, order_by: 'loss.last asc', limit: 1 })
    expect(names(r)).toEqual(['spiky'])
    expect(r.json.data.metrics).toEqual(['loss'])
    const desc = await call('list_runs', { project: LAB, order_by: 'loss.last desc' })
    expect(names(desc).at(-1)).toBe('nan-run')
  })

  test('filter over config and metric aggregates; default metrics and keys follow the expression', async () => {
    const r = await call('list_runs', { project: LAB, filter: 'config.lr >= 0.01 and acc.last > 0.6', order_by: 'acc.last desc' })
    expect(names(r)).toEqual(['twin-a', 'spiky', 'osc'])
    expect(r.json.data.matched).toBe(3)
    expect(r.json.data.metrics).toEqual(['acc'])
    expect(r.json.data.config_keys).toEqual(['lr'])
    const nested = await call('list_runs', { project: LAB, filter: 'config.model.width < 200 or config.optimizer = "sgd" and not loss.nan_count > 0' })
    expect(names(nested)).toEqual(['plateau', 'osc'])
    const byName = await call('list_runs', { project: LAB, filter: 'run.name = "twin-a"' })
    expect(byName.json.data.runs.map((x: any) => x.id)).toEqual(['old-twin-a', 'twin-a-id'])
  })

  test('huge values come out as floats and stay comparable on the next call (the memo is not altered)', async () => {
    const { tempDir } = await import('../helpers')
    const { appendMetrics } = await import('../../src/storage/write/append')
    const dir = tempDir()
    const { JsonFloat } = await import('../../src/json/values')
    await appendMetrics(dir, 'huge', 'r', 'r-id', [{ metrics: { x: new JsonFloat('1.5e+300') }, step: 0 }])
    const app = await inProcessApp(dir)
    const first = await app.call('list_runs', { project: 'huge', filter: 'x.max > 1e299' })
    expect(first.text).toContain('"max":1.5e+300')
    const again = await app.call('list_runs', { project: 'huge', filter: 'x.max > 1e299' })
    expect(again.json.data.matched).toBe(1)
  })

  test('paging with cursor', async () => {
    const first = await call('list_runs', { project: LAB, limit: 4, metrics: [] })
    expect(first.json.data.runs).toHaveLength(4)
    const second = await call('list_runs', { project: LAB, limit: 4, metrics: [], cursor: first.json.data.next_cursor })
    expect(names(second)).toEqual(['twin-a', 'twin-b', 'osc'])
    expect(second.json.data.next_cursor).toBeNull()
    const other = await call('list_runs', { project: LAB, limit: 4, order_by: 'loss.min', cursor: first.json.data.next_cursor })
    expect(other.status).toBe(400)
    expect(other.json.error).toContain('another filter or order_by')
  })

  test('bad expressions and arguments are 400s that point at the token; unknown projects 404', async () => {
    const bad = await call('list_runs', { project: LAB, filter: 'config.lr > 0.01 and acc.last >> 0.8' })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toContain("Invalid value for 'filter'")
    expect(bad.json.error).toContain("position 31 ('> 0.8')")
    const order = await call('list_runs', { project: LAB, order_by: 'loss.avg' })
    expect(order.status).toBe(400)
    expect(order.json.error).toContain("Invalid value for 'order_by'")
    expect((await call('list_runs', { project: LAB, cursor: 'zzz' })).status).toBe(400)
    expect((await call('list_runs', { project: LAB, limit: 0 })).status).toBe(400)
    const missing = await call('list_runs', { project: 'labb' })
    expect(missing.status).toBe(404)
    expect(missing.json.error).toContain('lab')
  })
})
