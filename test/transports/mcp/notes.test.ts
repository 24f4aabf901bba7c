import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { createApp } from '../../../src/transports/http/app'
import { createMcpHandler, type McpHandler } from '../../../src/transports/mcp/handler'
import { copyFixtures } from '../../helpers'
import { connectMcp, type McpConn } from './client'

/** Over MCP an empty or defaulted answer says why, in the text; the structured value stays Trackio's. */

let storage: Storage
let handler: McpHandler
let mcp: McpConn
beforeAll(async () => {
  const dir = copyFixtures('basic')
  storage = new Storage(dir)
  const ctx = { storage, settings: settingsFromEnv({}, dir) }
  handler = createMcpHandler({ ctx, writeToken: 't', sweepMs: 0 })
  const app = createApp({ ctx, version: 'test', writeToken: 't', mcp: { enabled: true, path: '/mcp' }, mcpHandler: handler.handle })
  mcp = await connectMcp('http://localhost/mcp/', { fetch: (u, i) => app.handle(new Request(String(u), i)) })
})
afterAll(async () => {
  await mcp.close()
  handler.close()
  storage.close()
})

const ask = async (name: string, args: Record<string, unknown>) => (await mcp.client.callTool({ name, arguments: args })) as any

test('an unknown run or metric: empty structured result, text naming the closest', async () => {
  const run = await ask('get_metric_values', { project: 'image-classification', run: 'basline', metric_name: 'loss' })
  expect(run.structuredContent).toEqual({ result: [] })
  expect(run.content[0].text).toBe("Run 'basline' does not exist in project 'image-classification'; closest runs: 'baseline', 'high-lr', 'small-batch'.")
  const metric = await ask('get_metric_values', { project: 'image-classification', run: 'baseline', metric_name: 'los' })
  expect(metric.content[0].text).toStartWith("Run 'baseline' has no metric 'los'; closest metrics: 'loss'")
  const summary = await ask('get_run_summary', { project: 'image-classification', run: 'nope' })
  expect(summary.content[0].text).toStartWith("Run 'nope' does not exist in project 'image-classification'")
})

test('defaults are said: around_step without window, a snapshot without step or time', async () => {
  const around = await ask('get_metric_values', { project: 'image-classification', run: 'baseline', metric_name: 'loss', around_step: 10 })
  expect(around.content[0].text.split('\n')[0]).toBe('around_step was given without window, so every row of the run is returned (150 rows); pass window for the steps around it.')
  const snap = await ask('get_snapshot', { project: 'image-classification', run: 'baseline', step: 3 })
  expect(snap.content[0].text.startsWith('{')).toBe(true)
  const whole = await ask('get_snapshot', { project: 'llm-finetune', run: 'gpt2-small-lora' })
  expect(whole.content[0].text).toStartWith('No step, around_step or at_time was given: every row of the run is returned')
})
