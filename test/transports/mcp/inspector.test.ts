import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TOOLS } from '../../../src/tools/registry'
import { copyFixtures, ROOT, startServer, tempDir, type Server } from '../../helpers'

/**
 * The MCP Inspector CLI (npm `@modelcontextprotocol/inspector`, run with `--cli`) against the
 * compiled binary in both eras. It is not a dependency of ours (about 120 packages): install it
 * anywhere and point MCP_INSPECTOR at its binary, e.g.
 *   npm install --prefix /tmp/inspector @modelcontextprotocol/inspector@2.12.0
 *   MCP_INSPECTOR=/tmp/inspector/node_modules/.bin/mcp-inspector bun test test/transports/mcp/inspector.test.ts
 * Without it this file is skipped. The CLI makes one request per process and exits, so it cannot
 * hold a subscription stream open (it rejects stream methods); the SDK clients test those.
 */
const local = join(ROOT, 'node_modules', '.bin', 'mcp-inspector')
const inspector = process.env.MCP_INSPECTOR ?? (existsSync(local) ? local : null)

let server: Server
let config: string

beforeAll(async () => {
  if (!inspector) return
  server = await startServer(copyFixtures('basic'), ['--mcp-server'])
  config = join(tempDir(), 'mcp.json')
  const url = `${server.url}/mcp/`
  const headers = { 'X-Trackio-Write-Token': server.token }
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        modern: { type: 'streamable-http', url, protocolEra: 'modern', headers },
        legacy: { type: 'streamable-http', url, protocolEra: 'legacy', headers },
      },
    }),
  )
}, 120_000)
afterAll(async () => {
  await server?.stop()
})

async function run(era: string, ...args: string[]): Promise<any> {
  const p = Bun.spawn([inspector!, '--cli', '--config', config, '--server', era, '--format', 'json', ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, MCP_INSPECTOR_SECRET_STORE: 'memory' },
  })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`mcp-inspector ${args.join(' ')} exited ${code}: ${err}${out}`)
  return JSON.parse(out).result
}

/** A tool's own example (written for the demo data), pointed at the fixture project. */
function exampleOn(tool: string): Record<string, unknown> {
  const example = { ...(TOOLS.find((t) => t.name === tool)?.example ?? {}) } as Record<string, unknown>
  if ('project' in example) example.project = 'image-classification'
  return example
}

const ARGS: Record<string, Record<string, unknown>> = {
  get_runs_for_project: { project: 'image-classification' },
  get_metrics_for_run: { project: 'image-classification', run: 'baseline' },
  get_project_summary: { project: 'image-classification' },
  get_run_summary: { project: 'image-classification', run: 'baseline' },
  get_metric_values: { project: 'image-classification', run: 'baseline', metric_name: 'loss', step: 3 },
  get_system_metrics_for_run: { project: 'image-classification', run: 'baseline' },
  get_system_logs: { project: 'image-classification', run: 'baseline' },
  get_snapshot: { project: 'image-classification', run: 'baseline', step: 3 },
  get_logs: { project: 'image-classification', run: 'baseline' },
  get_alerts: { project: 'image-classification' },
}

for (const era of ['modern', 'legacy'] as const)
  describe.skipIf(!inspector)(`MCP Inspector CLI, ${era} era`, () => {
    test('connects on its era', async () => {
      const init = await run(era, '--method', 'initialize')
      expect(init.serverInfo.name).toBe('Trackio')
      expect(init.protocolVersion).toBe(era === 'modern' ? '2026-07-28' : '2025-11-25')
    })

    test('every tool answers', async () => {
      const tools = (await run(era, '--method', 'tools/list')).tools.map((t: any) => t.name)
      expect(tools).toEqual(TOOLS.filter((t) => !t.httpOnly).map((t) => t.name))
      const scratch = `inspector-${era}`
      const writes: [string, Record<string, unknown>][] = [
        ['log_metrics', { project: scratch, run: 'r', metrics: { loss: 1 }, new_run: true }],
        ['log_alert', { project: scratch, run: 'r', title: 'hi', level: 'info' }],
        ['rename_run', { project: scratch, old_name: 'r', new_name: 'r2' }],
        ['delete_run', { project: scratch, run: 'r2' }],
      ]
      const calls: [string, Record<string, unknown>][] = [
        ...tools.filter((n: string) => !writes.some(([w]) => w === n)).map((n: string) => [n, ARGS[n] ?? exampleOn(n)]),
        ...writes,
      ]
      for (const [name, args] of calls) {
        const r = await run(era, '--method', 'tools/call', '--tool-name', name, '--tool-args-json', JSON.stringify(args))
        expect({ name, isError: r.isError ?? false }).toEqual({ name, isError: false })
      }
    }, 180_000)

    test('resources, templates and prompts', async () => {
      expect((await run(era, '--method', 'resources/list')).resources[0].uri).toBe('trackio://projects')
      expect((await run(era, '--method', 'resources/templates/list')).resourceTemplates).toHaveLength(3)
      const read = await run(era, '--method', 'resources/read', '--uri', 'trackio://projects/image-classification/runs/baseline/metrics/acc')
      expect(JSON.parse(read.contents[0].text)).toMatchObject({ metric: 'acc', total_points: 150 })
      expect((await run(era, '--method', 'prompts/list')).prompts).toHaveLength(4)
      const prompt = await run(era, '--method', 'prompts/get', '--prompt-name', 'compare_runs', '--prompt-args', 'project=image-classification', 'runs=baseline,high-lr')
      expect(prompt.messages[0].content.text).toContain('"baseline", "high-lr"')
    }, 60_000)
  })
