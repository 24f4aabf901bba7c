import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client'
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { TOOLS } from '../../../src/tools/registry'
import { api, copyFixtures, startServer, type Server } from '../../helpers'

/**
 * Real clients of both protocol eras against the compiled binary, at the same time: the v1 SDK
 * client (2025-11-25 sessions), the v2 SDK client pinned to the legacy handshake, and the v2 SDK
 * client negotiating 2026-07-28. Each calls every tool, reads every kind of resource, gets the
 * prompts, completes names, and is notified while a writer appends rows.
 */

const PROJECT = 'image-classification'
const RUN = 'baseline'

interface Common {
  era: string
  listTools(): Promise<{ name: string }[]>
  callTool(name: string, args: Record<string, unknown>): Promise<any>
  read(uri: string): Promise<any>
  listResources(): Promise<any[]>
  templates(): Promise<any[]>
  prompts(): Promise<any[]>
  prompt(name: string, args: Record<string, string>): Promise<any>
  complete(ref: any, name: string, value: string, context?: Record<string, string>): Promise<string[]>
  /** Subscribe to `uri`; resolves with the notified URI. */
  watch(uri: string): Promise<{ next: Promise<string>; stop(): Promise<void> }>
  close(): Promise<void>
}

/** The calls the v1 and v2 SDK clients spell the same way (reading and watching differ). */
interface SdkClient {
  listTools(): Promise<{ tools: { name: string }[] }>
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<any>
  listResources(): Promise<{ resources: any[] }>
  listResourceTemplates(): Promise<{ resourceTemplates: any[] }>
  listPrompts(): Promise<{ prompts: any[] }>
  getPrompt(params: { name: string; arguments: Record<string, string> }): Promise<any>
  complete(params: any): Promise<{ completion: { values: string[] } }>
}

function sameInBothSdks(c: SdkClient): Omit<Common, 'era' | 'read' | 'watch' | 'close'> {
  return {
    listTools: async () => (await c.listTools()).tools,
    callTool: (name, args) => c.callTool({ name, arguments: args }),
    listResources: async () => (await c.listResources()).resources,
    templates: async () => (await c.listResourceTemplates()).resourceTemplates,
    prompts: async () => (await c.listPrompts()).prompts,
    prompt: (name, args) => c.getPrompt({ name, arguments: args }),
    complete: async (ref, name, value, context) => (await c.complete({ ref, argument: { name, value }, ...(context ? { context: { arguments: context } } : {}) })).completion.values,
  }
}

async function v1Client(url: string, token: string): Promise<Common> {
  const c = new ClientV1({ name: 'trackio-test-v1', version: '1.0.0' })
  await c.connect(new TransportV1(new URL(url), { requestInit: { headers: { 'x-trackio-write-token': token } } }))
  return {
    era: `v1 SDK, ${(c as any)._transport?.protocolVersion ?? 'legacy'}`,
    ...sameInBothSdks(c),
    read: (uri) => c.readResource({ uri }),
    watch: async (uri) => {
      const next = new Promise<string>((resolve) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => resolve(n.params.uri)))
      await c.subscribeResource({ uri })
      return { next, stop: async () => void (await c.unsubscribeResource({ uri })) }
    },
    close: () => c.close(),
  }
}

async function v2Client(url: string, token: string, mode: 'auto' | 'legacy'): Promise<Common> {
  const c = new ClientV2({ name: `trackio-test-v2-${mode}`, version: '1.0.0' }, { versionNegotiation: { mode } })
  await c.connect(new TransportV2(new URL(url), { requestInit: { headers: { 'x-trackio-write-token': token } } }))
  const era = c.getProtocolEra()
  return {
    era: `v2 SDK, ${era}`,
    ...sameInBothSdks(c),
    read: (uri) => c.readResource({ uri }, { cacheMode: 'bypass' } as never),
    watch: async (uri) => {
      const next = new Promise<string>((resolve) => c.setNotificationHandler('notifications/resources/updated', async (n) => resolve(n.params.uri)))
      if (era === 'modern') {
        const sub = await c.listen({ resourceSubscriptions: [uri] })
        expect(sub.honoredFilter.resourceSubscriptions).toEqual([uri])
        return { next, stop: () => sub.close() }
      }
      await c.subscribeResource({ uri })
      return { next, stop: async () => void (await c.unsubscribeResource({ uri })) }
    },
    close: () => c.close(),
  }
}

/** Arguments for every tool on the fixture data; write tools work on a project of each client's own. */
function argsFor(tool: string, scratch: string): Record<string, unknown> {
  const known: Record<string, Record<string, unknown>> = {
    get_all_projects: {},
    get_runs_for_project: { project: PROJECT },
    get_metrics_for_run: { project: PROJECT, run: RUN },
    get_project_summary: { project: PROJECT },
    get_run_summary: { project: PROJECT, run: RUN },
    get_metric_values: { project: PROJECT, run: RUN, metric_name: 'loss', around_step: 10, window: 2 },
    get_system_metrics_for_run: { project: PROJECT, run: RUN },
    get_system_logs: { project: PROJECT, run: RUN },
    get_snapshot: { project: PROJECT, run: RUN, step: 5 },
    get_logs: { project: PROJECT, run: RUN },
    get_alerts: { project: PROJECT },
    get_settings: {},
    log_metrics: { project: scratch, run: 'agent', metrics: { loss: 0.5 }, new_run: true },
    log_alert: { project: scratch, run: 'agent', title: 'checked', level: 'info' },
    rename_run: { project: scratch, old_name: 'agent', new_name: 'agent-2' },
    delete_run: { project: scratch, run: 'agent-2' },
    trigger_sync: {},
  }
  return known[tool] ?? exampleOn(tool)
}

/** A tool's own example (written for the demo data), pointed at the fixture project. */
function exampleOn(tool: string): Record<string, unknown> {
  const example = { ...(TOOLS.find((t) => t.name === tool)?.example ?? {}) } as Record<string, unknown>
  if ('project' in example) example.project = PROJECT
  return example
}

/** The order the write tools must run in (each works on what the one before left). */
const WRITE_ORDER = ['log_metrics', 'log_alert', 'rename_run', 'delete_run']

let dir: string
let server: Server
let url: string
const clients: Record<string, Common> = {}

beforeAll(async () => {
  dir = copyFixtures('basic')
  server = await startServer(dir, ['--mcp-server'])
  url = `${server.url}/mcp/`
  clients.v1 = await v1Client(url, server.token)
  clients.v2legacy = await v2Client(url, server.token, 'legacy')
  clients.v2modern = await v2Client(url, server.token, 'auto')
}, 120_000)

afterAll(async () => {
  for (const c of Object.values(clients)) await c.close().catch(() => {})
  await server?.stop()
})

test('the three clients landed on their eras', () => {
  expect(clients.v2modern!.era).toBe('v2 SDK, modern')
  expect(clients.v2legacy!.era).toBe('v2 SDK, legacy')
})

for (const key of ['v1', 'v2legacy', 'v2modern'] as const) {
  describe(`${key}: every tool, resource, prompt and completion`, () => {
    test('tools/list: the registry tools offered over MCP, in registry order', async () => {
      const names = (await clients[key]!.listTools()).map((t) => t.name)
      expect(names).toEqual(TOOLS.filter((t) => !t.httpOnly).map((t) => t.name))
    })

    test('every tool answers: reads on the fixture, writes (with the token header) on a project of its own', async () => {
      const c = clients[key]!
      const names = (await c.listTools()).map((t) => t.name)
      const scratch = `scratch-${key}`
      const ordered = [...names.filter((n) => !WRITE_ORDER.includes(n)), ...WRITE_ORDER.filter((n) => names.includes(n))]
      for (const name of ordered) {
        const r = await c.callTool(name, argsFor(name, scratch))
        expect({ name, isError: r.isError ?? false, text: r.isError ? r.content?.[0]?.text : '' }).toEqual({ name, isError: false, text: '' })
        expect(Array.isArray(r.content)).toBe(true)
      }
      const runs = await c.callTool('get_runs_for_project', { project: scratch })
      expect(runs.structuredContent.result).toEqual([]) // created, renamed, then deleted
      const values = await c.callTool('get_metric_values', argsFor('get_metric_values', scratch))
      expect(values.structuredContent.result.map((p: any) => p.step)).toEqual([8, 9, 10, 11, 12])
    })

    test('resources: list, templates, and a read of each kind', async () => {
      const c = clients[key]!
      const uris = (await c.listResources()).map((r) => r.uri)
      expect(uris).toContain('trackio://projects')
      expect(uris).toContain(`trackio://projects/${PROJECT}/runs`)
      expect(uris).toContain(`trackio://projects/${PROJECT}/runs/${RUN}`)
      expect((await c.templates()).map((t) => t.uriTemplate)).toEqual([
        'trackio://projects/{project}/runs',
        'trackio://projects/{project}/runs/{run}',
        'trackio://projects/{project}/runs/{run}/metrics/{metric}',
      ])
      const body = async (uri: string) => JSON.parse((await c.read(uri)).contents[0].text)
      expect((await body('trackio://projects')).projects).toContain(PROJECT)
      expect((await body(`trackio://projects/${PROJECT}/runs`)).runs.map((r: any) => r.name)).toEqual(['baseline', 'high-lr', 'small-batch'])
      const run = await body(`trackio://projects/${PROJECT}/runs/${RUN}`)
      expect(run).toMatchObject({ project: PROJECT, run: RUN, num_logs: 150, last_step: 149 })
      expect(run.metrics).toContain('loss')
      const loss = await body(`trackio://projects/${PROJECT}/runs/${RUN}/metrics/loss`)
      expect(loss).toMatchObject({ total_points: 150, returned_points: 150, method: 'none', nan_count: 0 })
    })

    test('a missing run is a resource error that names the closest runs', async () => {
      const err = await clients[key]!.read(`trackio://projects/${PROJECT}/runs/baseline2`).catch((e: Error) => e)
      expect(String((err as Error).message)).toContain("did you mean 'baseline'")
    })

    test('prompts and completion', async () => {
      const c = clients[key]!
      expect((await c.prompts()).map((p) => p.name)).toEqual(['analyse_run', 'compare_runs', 'find_best_run', 'watch_training_run'])
      const p = await c.prompt('find_best_run', { project: PROJECT, metric: 'acc', goal: 'max' })
      expect(p.messages[0].content.text).toContain('highest "acc"')
      const ref = { type: 'ref/resource', uri: 'trackio://projects/{project}/runs/{run}/metrics/{metric}' }
      expect(await c.complete(ref, 'project', 'image')).toEqual([PROJECT])
      expect(await c.complete(ref, 'run', 'b', { project: PROJECT })).toEqual(['baseline', 'small-batch'])
      expect(await c.complete(ref, 'metric', 'l', { project: PROJECT, run: RUN })).toEqual(['loss', 'lr', 'val'])
      expect(await c.complete({ type: 'ref/prompt', name: 'analyse_run' }, 'run', 'high', { project: PROJECT })).toEqual(['high-lr'])
    })
  })
}

/** Generous on purpose (a busy CI machine): the latency itself is measured by bench/mcp-notify.ts. */
const NOTICE_MS = 10_000

describe('live: every client is notified while a writer appends rows', () => {
  const wait = <T>(p: Promise<T>, ms: number, what: string) =>
    Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no notification for ${what} within ${ms} ms`)), ms))])

  test('new steps through the HTTP API reach all three clients', async () => {
    const uri = `trackio://projects/${PROJECT}/runs/${RUN}`
    const watches = await Promise.all(Object.values(clients).map((c) => c.watch(uri)))
    const r = await api(server.url, 'bulk_log', { logs: [{ project: PROJECT, run: RUN, metrics: { loss: 0.01 }, step: 150 }], hf_token: null }, { 'x-trackio-write-token': server.token })
    expect(r.status).toBe(200)
    const got = await Promise.all(watches.map((w, i) => wait(w.next, NOTICE_MS, Object.keys(clients)[i]!)))
    expect(got).toEqual([uri, uri, uri])
    for (const w of watches) await w.stop()
  })

  test('a row written by another process (as the Python library does) is noticed too', async () => {
    const uri = `trackio://projects/${PROJECT}/runs/high-lr/metrics/loss`
    const watches = await Promise.all(Object.values(clients).map((c) => c.watch(uri)))
    const db = new Database(join(dir, `${PROJECT}.db`))
    db.run('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)', [
      '69506e1c86e44748933592f702d6332b',
      new Date().toISOString(),
      'high-lr',
      120,
      '{"loss": 0.2}',
    ])
    db.close()
    expect(await Promise.all(watches.map((w, i) => wait(w.next, NOTICE_MS, Object.keys(clients)[i]!)))).toEqual([uri, uri, uri])
    for (const w of watches) await w.stop()
    const loss = JSON.parse((await clients.v2modern!.read(uri)).contents[0].text)
    expect(loss.total_points).toBe(121)
  })

  test("a project's run list is notified when a run is created and when one is renamed", async () => {
    const uri = `trackio://projects/${PROJECT}/runs`
    for (const change of [
      () => api(server.url, 'bulk_log', { logs: [{ project: PROJECT, run: 'fresh', metrics: { loss: 1 }, step: 0 }], hf_token: null }, { 'x-trackio-write-token': server.token }),
      () => api(server.url, 'rename_run', { project: PROJECT, old_name: 'fresh', new_name: 'fresh-2' }, { 'x-trackio-write-token': server.token }),
    ]) {
      const watches = await Promise.all(Object.values(clients).map((c) => c.watch(uri)))
      expect((await change()).status).toBe(200)
      expect(await Promise.all(watches.map((w, i) => wait(w.next, NOTICE_MS, Object.keys(clients)[i]!)))).toEqual([uri, uri, uri])
      for (const w of watches) await w.stop()
    }
  })
})
