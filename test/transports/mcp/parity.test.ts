import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { api, copyFixtures, startServer, type Server } from '../../helpers'
import { connectMcp, lossless, type McpConn } from './client'

/**
 * Compat §9: MCP structured content carries the same values as POST /api/{tool}. Both sides are
 * compared from their wire text with a lossless parse (big integers exact; floats by value, since
 * the spellings differ on purpose: Python's `1e-07` over HTTP, pydantic's `1e-7` over MCP).
 */

/** Trackio's own tools: they answer unknown names with empty data, so every call here must be a 200. */
const TRACKIO_TOOLS = new Set(['get_all_projects', 'get_runs_for_project', 'get_metrics_for_run', 'get_project_summary', 'get_run_summary', 'get_metric_values', 'get_system_metrics_for_run', 'get_system_logs', 'get_snapshot', 'get_logs', 'get_alerts', 'get_settings'])

let server: Server
let mcp: McpConn
let tools: Tool[]

beforeAll(async () => {
  // A budget large enough that no fixture answer is downsampled: this test is about equal values.
  server = await startServer(copyFixtures('basic', 'edge'), ['--mcp-server', '--mcp-max-tokens', '100000000'])
  mcp = await connectMcp(`${server.url}/mcp/`)
  tools = (await mcp.client.listTools()).tools
})
afterAll(async () => {
  await mcp?.close()
  await server?.stop()
})

/**
 * Keys that differ between the transports or between two calls by design: the change feed's clock and
 * cursor; plot_metrics' PNG, which MCP sends as an image content item instead of structured data.
 */
const VOLATILE: Record<string, string[]> = { get_changes: ['now', 'cursor'], plot_metrics: ['image_base64'] }

function stable(tool: Tool, v: unknown): unknown {
  const drop = VOLATILE[tool.name]
  if (!drop || v === null || typeof v !== 'object') return v
  return Object.fromEntries(Object.entries(v).filter(([k]) => !drop.includes(k)))
}

/** The error text of a refused call, the same over both transports (our tools answer 4xx, not empty data). */
const refused = (message: string) => ({ refused: message })

/** The structured content of a tools/call, from the wire, unwrapped like Trackio's HTTP `data`. */
async function viaMcp(tool: Tool, args: Record<string, unknown>): Promise<unknown> {
  const r: any = await mcp.client.callTool({ name: tool.name, arguments: args })
  if (r.isError) return refused(String(r.content[0]?.text).replace(`Error executing tool ${tool.name}: `, ''))
  const sc = (lossless(await mcp.rawReply(mcp.lastCallId())) as any).result.structuredContent
  return stable(tool, (tool.outputSchema as any)?.required?.includes('result') ? sc.result : sc)
}

async function viaHttp(tool: Tool, args: Record<string, unknown>): Promise<unknown> {
  const r = await api(server.url, tool.name, args)
  if (r.status >= 400 && r.status < 500 && !TRACKIO_TOOLS.has(tool.name)) return refused(r.json.error)
  expect({ tool: tool.name, args, status: r.status }).toEqual({ tool: tool.name, args, status: 200 })
  return stable(tool, (lossless(r.text) as any).data)
}

test('every read tool answers over MCP what /api answers, on every project and run of the fixtures', async () => {
  const read = tools.filter((t) => t.annotations?.readOnlyHint === true)
  expect(read.length).toBeGreaterThanOrEqual(12)
  const projects = (await api(server.url, 'get_all_projects')).json.data as string[]
  expect(projects).toContain('EdgeCasesünïcødéwithdotsspaces')
  const cases: Record<string, unknown>[] = [{ project: 'no-such-project', run: 'x', metric_name: 'loss' }]
  for (const project of projects) {
    cases.push({ project })
    const runs = (await api(server.url, 'get_runs_for_project', { project })).json.data as { name: string; id: string | null }[]
    for (const run of runs) {
      const metrics = (await api(server.url, 'get_metrics_for_run', { project, run: run.name })).json.data as string[]
      cases.push({ project, run: run.name, metric_name: metrics[0] ?? 'loss' })
      if (run.id) cases.push({ project, run: null, run_id: run.id, metric_name: metrics[metrics.length - 1] ?? 'loss' })
    }
  }
  // Filters where the tools take them.
  const edge = { project: 'EdgeCasesünïcødéwithdotsspaces', run: 'run with spaces' }
  const extra: Record<string, Record<string, unknown>[]> = {
    get_metric_values: [
      { ...edge, metric_name: 'uint64_max' },
      { ...edge, metric_name: 'tiny' },
      { ...edge, metric_name: 'float', step: 3 },
      { ...edge, metric_name: 'float', around_step: 4, window: 3 },
      { project: 'image-classification', run: 'baseline', metric_name: 'val', around_step: 20, window: 10 },
    ],
    get_snapshot: [
      { ...edge, step: 5 },
      { ...edge, around_step: 3, window: 2 },
      { project: 'llm-finetune', run: 'gpt2-small', step: 10 },
    ],
    get_logs: [
      { ...edge, scalar_only: true },
      { project: 'image-classification', run: 'high-lr', scalar_only: true },
    ],
    get_alerts: [{ project: 'llm-finetune', level: 'warn' }, { project: 'llm-finetune', run: 'gpt2-small' }],
    query_project: [{ project: 'llm-finetune', query: 'SELECT run_name, step, timestamp FROM metrics ORDER BY id LIMIT 20' }],
    list_runs: [
      { project: 'image-classification', filter: 'config.lr >= 0.01 and acc.last > 0.5', order_by: 'loss.min asc' },
      { project: 'image-classification', filter: 'acc.last >> 1' },
    ],
    get_metric_history: [
      { project: 'image-classification', runs: ['baseline', 'high-lr'], metrics: ['loss', 'acc'], max_points: 20 },
      { project: 'EdgeCasesünïcødéwithdotsspaces', runs: ['run with spaces'], metrics: ['nan', 'uint64_max', 'float'], downsample: 'lttb', max_points: 8 },
      { project: 'image-classification', runs: ['no-such-run'], metrics: ['loss'] },
    ],
    compare_runs: [{ project: 'llm-finetune', runs: ['gpt2-small', 'gpt2-medium'] }],
    // The image itself travels as MCP image content; everything else must match.
    plot_metrics: [{ project: 'image-classification', runs: ['baseline', 'high-lr'], metrics: ['loss'] }],
    diagnose_run: [
      { project: 'llm-finetune', run: 'gpt2-small' },
      { project: 'EdgeCasesünïcødéwithdotsspaces', run: 'run with spaces' },
    ],
  }
  let compared = 0
  const seen = new Set<string>()
  for (const tool of read) {
    const params = Object.keys(tool.inputSchema.properties ?? {})
    const required = tool.inputSchema.required ?? []
    const applicable = cases.filter((c) => required.every((r) => c[r] !== undefined || (r === 'run' && 'run_id' in c)))
    for (const c of [...applicable, ...(extra[tool.name] ?? [])]) {
      const args = Object.fromEntries(Object.entries(c).filter(([k]) => params.includes(k)))
      const key = `${tool.name} ${JSON.stringify(args)}`
      if (seen.has(key)) continue
      seen.add(key)
      const [m, h] = [await viaMcp(tool, args), await viaHttp(tool, args)]
      if (tool.name === 'plot_metrics') delete (h as { image_base64?: string }).image_base64
      expect({ call: key, value: m }).toEqual({ call: key, value: h })
      compared++
    }
  }
  for (const tool of read) expect([...seen].some((k) => k.startsWith(`${tool.name} `))).toBe(true)
  expect(compared).toBeGreaterThan(100)
})
