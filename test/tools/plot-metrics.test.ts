import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../src/storage/db/connection'
import { settingsFromEnv } from '../../src/tools/core/settings'
import { dashboardPath, ema } from '../../src/tools/plot-metrics'
import { createApp } from '../../src/transports/http/app'
import { createMcpHandler, type McpHandler } from '../../src/transports/mcp/handler'
import { appCaller, copyFixtures } from '../helpers'
import { connectMcp } from '../transports/mcp/client'

const dir = copyFixtures('basic')
const call = appCaller(dir)
const pngSize = (b64: string): [number, number] => {
  const png = Buffer.from(b64, 'base64')
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
  return [png.readUInt32BE(16), png.readUInt32BE(20)]
}

describe('plot_metrics over HTTP', () => {
  test('a PNG of the curves with a summary that matches the data', async () => {
    const r = await call('plot_metrics', { project: 'image-classification', runs: ['baseline', 'high-lr'], metrics: ['loss'] })
    expect(r.status).toBe(200)
    const d = r.json.data
    expect(d.mime_type).toBe('image/png')
    expect(pngSize(d.image_base64)).toEqual([800, 400])
    expect(d.dashboard_path).toBe('/?project=image-classification&runs=baseline%2Chigh-lr&metrics=loss')
    for (const s of d.series) {
      const values = (await call('get_metric_values', { project: 'image-classification', run: s.run, metric_name: 'loss' })).json.data
      expect(s.total_points).toBe(values.length)
      expect(s.drawn_points).toBe(values.length)
      expect(s.last).toBe(values.at(-1).value)
    }
  })

  test('size, log scale and smoothing are honoured; unknown runs and too many curves are clear errors', async () => {
    const r = await call('plot_metrics', { project: 'llm-finetune', runs: ['gpt2-small'], metrics: ['train/loss', 'lr'], log_y: true, smoothing: 0.6, width: 1000, height: 300 })
    expect(pngSize(r.json.data.image_base64)).toEqual([1000, 300])
    expect(r.json.data.dashboard_path).toContain('log_y=1&smoothing=0.6')
    const miss = await call('plot_metrics', { project: 'llm-finetune', runs: ['gpt2-smal'], metrics: ['lr'] })
    expect(miss.status).toBe(404)
    expect(miss.json.error).toContain('gpt2-small')
    const many = await call('plot_metrics', { project: 'llm-finetune', runs: ['gpt2-small'], metrics: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] })
    expect(many.status).toBe(400)
    expect((await call('plot_metrics', { project: 'nope', runs: ['x'], metrics: ['loss'] })).status).toBe(404)
  })
})

describe('plot_metrics over MCP', () => {
  let storage: Storage
  let handler: McpHandler
  beforeAll(() => {
    storage = new Storage(dir)
  })
  afterAll(() => {
    handler?.close()
    storage.close()
  })
  test('an image content item, and the summary as structured content', async () => {
    const ctx = { storage, settings: settingsFromEnv({}, dir) }
    handler = createMcpHandler({ ctx, writeToken: 't', sweepMs: 0 })
    const app = createApp({ ctx, version: 'test', writeToken: 't', mcp: { enabled: true, path: '/mcp' }, mcpHandler: handler.handle })
    const mcp = await connectMcp('http://localhost/mcp/', { fetch: (u, i) => app.handle(new Request(String(u), i)) })
    try {
      const r: any = await mcp.client.callTool({ name: 'plot_metrics', arguments: { project: 'image-classification', runs: ['small-batch'], metrics: ['acc'] } })
      expect(r.isError).toBeFalsy()
      expect(r.content[0].type).toBe('image')
      expect(r.content[0].mimeType).toBe('image/png')
      expect(pngSize(r.content[0].data)).toEqual([800, 400])
      expect(r.structuredContent.image_base64).toBeUndefined()
      expect(r.structuredContent.series[0]).toMatchObject({ run: 'small-batch', metric: 'acc', total_points: 180 })
    } finally {
      await mcp.close()
    }
  })
})

test('ema keeps gaps and follows the weight', () => {
  expect(ema([1, 2, NaN, 4], 0)).toEqual([1, 2, NaN, 4])
  expect(ema([0, 10, 10], 0.5)).toEqual([0, 5, 7.5])
  expect(dashboardPath('p', [], ['loss'], { minStep: 5, maxStep: null, logY: false, smoothing: 0 })).toBe('/?project=p&metrics=loss&min_step=5')
})
