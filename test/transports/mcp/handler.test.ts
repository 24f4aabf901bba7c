import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { Storage } from '../../../src/storage/db/connection'
import { defineTool, type ToolDef } from '../../../src/tools/core/define'
import { TOOLS } from '../../../src/tools/registry'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { createApp } from '../../../src/transports/http/app'
import { createMcpHandler, type McpHandler } from '../../../src/transports/mcp/handler'
import { SessionStore } from '../../../src/transports/mcp/sessions'
import { tempDir } from '../../helpers'
import { connectMcp, INIT } from './client'

/** In-process tests: session bounds with short timings, and the write gate with tools made up here. */

const TOKEN = 'the-write-token'
let zapped: unknown[] = []

const zap = defineTool({
  name: 'zap_thing',
  description: 'Zap a thing.',
  input: z.object({ project: z.string(), thing: z.string().nullable().optional().default(null), thing_id: z.string().nullable().optional().default(null) }),
  output: z.boolean(),
  result: 'boolean',
  access: 'write',
  destructive: true,
  mcpOmit: ['thing_id'],
  example: {},
  handler: (a) => {
    zapped.push(a)
    return true
  },
})
const poke = defineTool({
  name: 'poke',
  description: 'Poke (writes, not destructive).',
  input: z.object({}),
  output: z.boolean(),
  result: 'boolean',
  access: 'write',
  example: {},
  handler: () => true,
})
const hidden = defineTool({
  name: 'http_only_thing',
  description: 'Only over HTTP.',
  input: z.object({}),
  output: z.null(),
  result: 'null',
  access: 'read',
  httpOnly: true,
  example: {},
  handler: () => null,
})
const TEST_TOOLS = [TOOLS[0]!, zap, poke, hidden] as ToolDef[]

let storage: Storage
const handlers: McpHandler[] = []

function appWith(o: { maxSessions?: number; idleTtlMs?: number; now?: () => number } = {}) {
  const dir = tempDir()
  storage ??= new Storage(dir)
  const ctx = { storage, settings: settingsFromEnv({}, dir) }
  const mcp = createMcpHandler({ ctx, writeToken: TOKEN, tools: TEST_TOOLS, sweepMs: 0, ...o })
  handlers.push(mcp)
  const app = createApp({ ctx, version: 'test', writeToken: TOKEN, mcp: { enabled: true, path: '/mcp' }, mcpHandler: mcp.handle, tools: TEST_TOOLS })
  const fetchApp = (u: string | URL, init?: RequestInit) => app.handle(new Request(String(u), init))
  return { app, mcp, fetchApp }
}

afterAll(() => {
  for (const h of handlers) h.close()
  storage?.close()
})

describe('SessionStore', () => {
  test('idle sessions expire; get() refreshes; sweep() drops only the stale ones', () => {
    let now = 0
    const dropped: string[] = []
    const s = new SessionStore<string>({ idleTtlMs: 100, maxSessions: 10, sweepMs: 0, now: () => now }, (id) => dropped.push(id))
    s.add('a', 'A')
    s.add('b', 'B')
    now = 80
    expect(s.get('a')).toBe('A')
    now = 150
    expect(s.sweep()).toBe(1)
    expect(dropped).toEqual(['b'])
    expect(s.get('b')).toBeUndefined()
    expect(s.get('a')).toBe('A')
    now = 251
    expect(s.get('a')).toBeUndefined()
    expect(dropped).toEqual(['b', 'a'])
    expect(s.size).toBe(0)
  })
  test('capped: adding past the cap drops the least recently used', () => {
    let now = 0
    const dropped: string[] = []
    const s = new SessionStore<number>({ idleTtlMs: 1e9, maxSessions: 3, sweepMs: 0, now: () => now++ }, (id) => dropped.push(id))
    s.add('a', 1)
    s.add('b', 2)
    s.add('c', 3)
    s.get('a')
    s.add('d', 4)
    expect(dropped).toEqual(['b'])
    expect(s.size).toBe(3)
    s.remove('c')
    expect(dropped).toEqual(['b'])
    s.clear()
    expect(dropped.sort()).toEqual(['a', 'b', 'd'])
  })
  test('the sweeper runs on its own timer', async () => {
    const dropped: string[] = []
    let now = 0
    const s = new SessionStore<number>({ idleTtlMs: 10, maxSessions: 10, sweepMs: 5, now: () => now }, (id) => dropped.push(id))
    s.add('a', 1)
    s.add('b', 2)
    now = 11
    // Nobody calls sweep() or get(): only the timer can drop them.
    for (let i = 0; i < 400 && dropped.length < 2; i++) await Bun.sleep(5)
    expect(dropped).toEqual(['a', 'b'])
    s.clear()
  })
})

describe('handler bounds', () => {
  const init = (fetchApp: (u: string, i?: RequestInit) => Promise<Response>) =>
    fetchApp('http://localhost/mcp/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INIT),
    })
  const list = (fetchApp: (u: string, i?: RequestInit) => Promise<Response>, sid: string) =>
    fetchApp('http://localhost/mcp/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    })
  test('at most maxSessions sessions; the least recently used is closed', async () => {
    const { mcp, fetchApp } = appWith({ maxSessions: 2 })
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await init(fetchApp)).headers.get('mcp-session-id')!)
    expect(mcp.sessionCount).toBe(2)
    expect((await list(fetchApp, ids[0]!)).status).toBe(404)
    expect((await list(fetchApp, ids[2]!)).status).toBe(200)
  })
  test('an idle session expires', async () => {
    let now = 1_000_000
    const { mcp, fetchApp } = appWith({ idleTtlMs: 30 * 60_000, now: () => now })
    const sid = (await init(fetchApp)).headers.get('mcp-session-id')!
    now += 29 * 60_000
    expect((await list(fetchApp, sid)).status).toBe(200)
    now += 30 * 60_000 + 1
    expect((await list(fetchApp, sid)).status).toBe(404)
    expect(mcp.sessionCount).toBe(0)
  })
  test('rejected initializations leave no session behind', async () => {
    const { mcp, fetchApp } = appWith()
    const r = await fetchApp('http://localhost/mcp/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(INIT),
    })
    expect(r.status).toBe(406)
    expect(mcp.sessionCount).toBe(0)
  })
})

describe('registry → MCP', () => {
  let c: Awaited<ReturnType<typeof connectMcp>>
  beforeAll(async () => {
    c = await connectMcp('http://localhost/mcp/', { fetch: appWith().fetchApp })
  })
  afterAll(async () => {
    await c?.close()
  })
  test('httpOnly tools are left out; mcpOmit parameters are not offered; write tools declare the token arguments', async () => {
    const tools = (await c.client.listTools()).tools
    expect(tools.map((t) => t.name)).toEqual([TOOLS[0]!.name, 'zap_thing', 'poke'])
    const z = tools[1]!
    expect(Object.keys(z.inputSchema.properties!)).toEqual(['project', 'thing', 'hf_token', 'write_token'])
    expect(z.inputSchema.required).toEqual(['project'])
    expect(z.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true })
    expect(tools[2]!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false })
    expect(z.outputSchema).toMatchObject({ type: 'object', required: ['result'], properties: { result: { type: 'boolean' } } })
  })
  test('an omitted parameter is refused by name; an httpOnly tool is unknown', async () => {
    const r: any = await c.client.callTool({ name: 'zap_thing', arguments: { project: 'p', thing_id: 'x', write_token: TOKEN } })
    expect(r.isError).toBe(true)
    expect(r.content[0].text).toContain("'thing_id'")
    const h: any = await c.client.callTool({ name: 'http_only_thing', arguments: {} })
    expect(h.content[0].text).toBe('Unknown tool: http_only_thing')
  })
})

describe('write token over MCP', () => {
  const url = 'http://localhost/mcp/'
  const call = async (headers: Record<string, string> | undefined, args: Record<string, unknown>) => {
    const c = await connectMcp(url, { fetch: appWith().fetchApp, headers })
    try {
      return (await c.client.callTool({ name: 'zap_thing', arguments: { project: 'p', thing: 't', ...args } })) as any
    } finally {
      await c.close()
    }
  }
  test('no token: isError, the tool does not run', async () => {
    zapped = []
    const r = await call(undefined, {})
    expect(r.isError).toBe(true)
    expect(r.content[0].text).toStartWith('Error executing tool zap_thing: A write token is required')
    expect(zapped).toEqual([])
  })
  test('wrong token argument: isError', async () => {
    zapped = []
    const r = await call(undefined, { write_token: 'nope' })
    expect(r.isError).toBe(true)
    expect(r.content[0].text).toContain('not valid')
    expect(zapped).toEqual([])
  })
  test('token as the write_token argument, as Trackio', async () => {
    zapped = []
    const r = await call(undefined, { write_token: TOKEN })
    expect(r).toMatchObject({ isError: false, structuredContent: { result: true }, content: [{ type: 'text', text: 'true' }] })
    expect(zapped).toHaveLength(1)
  })
  test('token in the X-Trackio-Write-Token header or Authorization: Bearer (the agent never sees it)', async () => {
    zapped = []
    expect((await call({ 'X-Trackio-Write-Token': TOKEN }, {})).isError).toBe(false)
    expect((await call({ Authorization: `Bearer ${TOKEN}` }, {})).isError).toBe(false)
    expect(zapped).toHaveLength(2)
    expect((await call({ 'X-Trackio-Write-Token': 'wrong' }, {})).isError).toBe(true)
    expect(zapped).toHaveLength(2)
  })
  test('cookies do not count over MCP', async () => {
    zapped = []
    expect((await call({ Cookie: `trackio_write_token=${TOKEN}` }, {})).isError).toBe(true)
    expect(zapped).toEqual([])
  })
})
