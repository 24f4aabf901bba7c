import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { TOOLS } from '../../../src/tools/registry'
import { createApp } from '../../../src/transports/http/app'
import { createMcpHandler, type McpHandler } from '../../../src/transports/mcp/handler'
import { copyFixtures } from '../../helpers'
import { sseData } from './client'

/**
 * Raw HTTP against the dual-era endpoint: 2026-07-28 version negotiation and every error case of
 * its Streamable HTTP "Server Validation" and "Backward Compatibility" sections, next to the
 * 2025 handshake, with the same Host/Origin guard, body limit and write token as before.
 */

const V = '2026-07-28'
const TOKEN = 'modern-token'
const MAX_BODY = 64 * 1024
let storage: Storage
let mcp: McpHandler
let app: ReturnType<typeof createApp>

beforeAll(() => {
  const dir = copyFixtures('basic')
  storage = new Storage(dir)
  const ctx = { storage, settings: settingsFromEnv({}, dir) }
  mcp = createMcpHandler({ ctx, writeToken: TOKEN })
  app = createApp({ ctx, version: 'test', writeToken: TOKEN, mcp: { enabled: true, path: '/mcp' }, mcpHandler: mcp.handle, maxBodyBytes: MAX_BODY })
})
afterAll(() => {
  mcp.close()
  storage.close()
})

const meta = (extra: Record<string, unknown> = {}, version = V) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
})

function headersFor(method: string, name?: string, version = V): Record<string, string> {
  return { 'mcp-protocol-version': version, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) }
}

async function post(body: unknown, headers: Record<string, string>, path = '/mcp/'): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const r = await app.handle(
    new Request(`http://127.0.0.1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  )
  const text = await r.text()
  const payload = (r.headers.get('content-type') ?? '').includes('text/event-stream') ? sseData(text).at(-1) : text
  let json: any = null
  try {
    json = payload ? JSON.parse(payload) : null
  } catch {
    json = null
  }
  return { status: r.status, headers: r.headers, text, json }
}

/** A modern request: body `_meta` and the matching headers. */
function modern(method: string, params: Record<string, unknown> = {}, o: { id?: number; headers?: Record<string, string>; meta?: Record<string, unknown> } = {}) {
  const name = (params.name ?? params.uri) as string | undefined
  return post({ jsonrpc: '2.0', id: o.id ?? 1, method, params: { ...params, _meta: meta(o.meta) } }, { ...headersFor(method, name), ...o.headers })
}

/** The codes a dual-era client recognises as "this server is modern" (it must not fall back on them). */
const MODERN_ERRORS = new Set([-32022, -32020, -32602, -32601])

describe('2026-07-28: discovery and results', () => {
  test('server/discover: versions, capabilities, serverInfo, instructions, cache hints', async () => {
    const r = await modern('server/discover')
    expect(r.status).toBe(200)
    const res = r.json.result
    expect(res.resultType).toBe('complete')
    expect(res.supportedVersions).toEqual([V])
    expect(res.capabilities).toMatchObject({ tools: {}, resources: { subscribe: true, listChanged: true }, prompts: {}, completions: {} })
    expect(res._meta['io.modelcontextprotocol/serverInfo']).toMatchObject({ name: 'Trackio' })
    expect(res.instructions).toContain('Workflow')
    expect(res.ttlMs).toBeGreaterThan(0)
    expect(res.cacheScope).toBe('public')
  })

  test('every result has resultType; list results have ttlMs and cacheScope (long for tools, short for run lists)', async () => {
    const tools = (await modern('tools/list')).json.result
    const resources = (await modern('resources/list')).json.result
    const templates = (await modern('resources/templates/list')).json.result
    const prompts = (await modern('prompts/list')).json.result
    for (const r of [tools, resources, templates, prompts]) {
      expect(r.resultType).toBe('complete')
      expect(r.ttlMs).toBeGreaterThanOrEqual(0)
      expect(['public', 'private']).toContain(r.cacheScope)
      expect(r._meta['io.modelcontextprotocol/serverInfo'].name).toBe('Trackio')
    }
    expect(tools.ttlMs).toBeGreaterThan(resources.ttlMs)
    const call = (await modern('tools/call', { name: 'get_all_projects', arguments: {} })).json.result
    expect(call.resultType).toBe('complete')
    expect(call.structuredContent.result).toEqual(['image-classification', 'llm-finetune'])
  })

  test('tools/list order is the registry order, the same on every request and on both paths', async () => {
    const want = TOOLS.filter((t) => !t.httpOnly).map((t) => t.name)
    for (const path of ['/mcp/', '/mcp']) {
      const r = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta() } }, headersFor('tools/list'), path)
      expect(r.json.result.tools.map((t: any) => t.name)).toEqual(want)
    }
  })

  test('annotations and outputSchemas are offered as in the 2025 era', async () => {
    const tools = (await modern('tools/list')).json.result.tools
    const del = tools.find((t: any) => t.name === 'delete_run')
    expect(del.annotations).toEqual({ readOnlyHint: false, destructiveHint: true, openWorldHint: false })
    expect(tools.find((t: any) => t.name === 'get_logs').outputSchema.properties.result).toBeDefined()
  })

  test('no session: an Mcp-Session-Id header is ignored and none is minted', async () => {
    const r = await modern('tools/list', {}, { headers: { 'mcp-session-id': 'not-a-session' } })
    expect(r.status).toBe(200)
    expect(r.headers.get('mcp-session-id')).toBeNull()
    expect(mcp.sessionCount).toBe(0)
  })

  test('log messages only for a request that names a level, on its own response stream', async () => {
    const quiet = await modern('tools/call', { name: 'get_all_projects', arguments: {} })
    expect(quiet.headers.get('content-type')).toContain('application/json')
    expect(quiet.text).not.toContain('notifications/message')
    const loud = await modern('tools/call', { name: 'get_all_projects', arguments: {} }, { meta: { 'io.modelcontextprotocol/logLevel': 'debug' } })
    const messages = sseData(loud.text).map((d) => JSON.parse(d))
    expect(messages[0]).toMatchObject({ method: 'notifications/message', params: { level: 'debug', logger: 'trackio' } })
    expect(messages.at(-1).result.isError).toBe(false)
    const error = await modern('tools/call', { name: 'get_all_projects', arguments: {} }, { meta: { 'io.modelcontextprotocol/logLevel': 'error' } })
    expect(error.text).not.toContain('notifications/message')
  })

  test('a name outside header-safe ASCII travels base64-encoded in Mcp-Name', async () => {
    const uri = 'trackio://projects/image-classification/runs/baseline'
    const encoded = `=?base64?${Buffer.from(uri).toString('base64')}?=`
    const r = await post({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri, _meta: meta() } }, headersFor('resources/read', encoded))
    expect(r.status).toBe(200)
    expect(JSON.parse(r.json.result.contents[0].text).last_step).toBe(149)
  })
})

describe('2026-07-28: version negotiation and validation errors (a dual-era client never falls back on them)', () => {
  const body = (method: string, version = V, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: meta({}, version) } })
  const cases: [string, () => Promise<{ status: number; json: any }>, number, number][] = [
    ['unsupported version', () => post(body('tools/list', '2099-01-01'), headersFor('tools/list', undefined, '2099-01-01')), 400, -32022],
    ['header version differs from _meta', () => post(body('tools/list'), headersFor('tools/list', undefined, '2025-11-25')), 400, -32020],
    ['MCP-Protocol-Version missing', () => post(body('tools/list'), { 'mcp-method': 'tools/list' }), 400, -32020],
    ['Mcp-Method missing', () => post(body('tools/list'), { 'mcp-protocol-version': V }), 400, -32020],
    ['Mcp-Method differs from the body', () => post(body('tools/list'), headersFor('prompts/list')), 400, -32020],
    ['Mcp-Name missing on tools/call', () => post(body('tools/call', V, { name: 'get_settings', arguments: {} }), headersFor('tools/call')), 400, -32020],
    ['Mcp-Name differs from the body', () => post(body('tools/call', V, { name: 'get_settings', arguments: {} }), headersFor('tools/call', 'get_logs')), 400, -32020],
    ['modern header without the _meta envelope', () => post({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }, headersFor('tools/list')), 400, -32602],
    ['unknown method', () => post(body('tracking/nothing'), headersFor('tracking/nothing')), 404, -32601],
  ]
  for (const [what, send, status, code] of cases)
    test(`${what}: HTTP ${status}, JSON-RPC ${code}`, async () => {
      const r = await send()
      expect(r.status).toBe(status)
      expect(r.json.error.code).toBe(code)
      expect(MODERN_ERRORS.has(r.json.error.code)).toBe(true)
      expect(r.json.id).toBe(7)
    })

  test('UnsupportedProtocolVersionError lists what is supported and what was asked', async () => {
    const r = await post(body('tools/list', '1900-01-01'), headersFor('tools/list', undefined, '1900-01-01'))
    expect(r.json.error.data).toEqual({ supported: [V], requested: '1900-01-01' })
  })

  test('an initialize sent with a modern version header is a header mismatch, not a legacy session', async () => {
    const r = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, headersFor('initialize'))
    expect(r.status).toBe(400)
    expect(r.json.error.code).toBe(-32020)
    expect(mcp.sessionCount).toBe(0)
  })
})

describe('2025 sessions beside it (Backward Compatibility: an old client is never broken)', () => {
  for (const version of ['2025-11-25', '2025-06-18', '2025-03-26'])
    test(`initialize ${version}: a session, and requests on it`, async () => {
      const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'old', version: '1' } } }, {})
      expect(init.status).toBe(200)
      expect(init.json.result.protocolVersion).toBe(version)
      expect(init.json.result.capabilities.resources).toEqual({ subscribe: true, listChanged: true })
      const sid = init.headers.get('mcp-session-id')!
      expect(sid).toMatch(/^[0-9a-f]{32}$/)
      // 2025-03-26 clients send no MCP-Protocol-Version header.
      const h: Record<string, string> = version === '2025-03-26' ? { 'mcp-session-id': sid } : { 'mcp-session-id': sid, 'mcp-protocol-version': version }
      expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, h)).status).toBe(202)
      const list = await post({ jsonrpc: '2.0', id: 2, method: 'resources/list' }, h)
      expect(list.json.result.resources[0].uri).toBe('trackio://projects')
      expect(list.json.result.resultType).toBeUndefined()
      const prompts = await post({ jsonrpc: '2.0', id: 3, method: 'prompts/list' }, h)
      expect(prompts.json.result.prompts).toHaveLength(4)
      const gone = await app.handle(new Request('http://127.0.0.1/mcp/', { method: 'DELETE', headers: h }))
      expect(gone.status).toBe(200)
    })

  test('resources/subscribe is bounded per session', async () => {
    const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } } }, {})
    const h = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' }
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, h)
    for (let i = 0; i < 256; i++) {
      const r = await post({ jsonrpc: '2.0', id: 10 + i, method: 'resources/subscribe', params: { uri: `trackio://projects/p/runs/r${i}` } }, h)
      expect(r.json.error).toBeUndefined()
    }
    const over = await post({ jsonrpc: '2.0', id: 999, method: 'resources/subscribe', params: { uri: 'trackio://projects/p/runs/one-more' } }, h)
    expect(over.json.error.code).toBe(-32602)
    expect(over.json.error.message).toContain('At most 256 subscriptions per session')
    const again = await post({ jsonrpc: '2.0', id: 1000, method: 'resources/subscribe', params: { uri: 'trackio://projects/p/runs/r0' } }, h)
    expect(again.json.error).toBeUndefined() // an URI already held does not count twice
    await app.handle(new Request('http://127.0.0.1/mcp/', { method: 'DELETE', headers: h }))
  })

  test('a legacy request without a session is the 2025 error (400), not a modern one', async () => {
    const r = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, {})
    expect(r.status).toBe(400)
    expect(MODERN_ERRORS.has(r.json.error.code)).toBe(false)
  })
})

describe('the same guards on both eras', () => {
  test('a foreign Origin is 403 and a foreign Host 421 for modern requests too', async () => {
    const origin = await modern('tools/list', {}, { headers: { origin: 'https://evil.example' } })
    expect(origin.status).toBe(403)
    const host = await modern('tools/list', {}, { headers: { host: 'evil.example' } })
    expect(host.status).toBe(421)
  })

  test('a body over the limit is 413 before anything runs', async () => {
    const big = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_settings', arguments: { pad: 'x'.repeat(MAX_BODY) }, _meta: meta() } }
    const r = await post(big, headersFor('tools/call', 'get_settings'))
    expect(r.status).toBe(413)
  })

  test('write tools need the write token (header or argument), as in 2025 sessions', async () => {
    const args = { project: 'modern-writes', run: 'r', metrics: { loss: 1 } }
    const none = await modern('tools/call', { name: 'log_metrics', arguments: args })
    expect(none.json.result.isError).toBe(true)
    expect(none.json.result.content[0].text).toContain('write token is required')
    const wrong = await modern('tools/call', { name: 'log_metrics', arguments: args }, { headers: { 'x-trackio-write-token': 'nope' } })
    expect(wrong.json.result.content[0].text).toContain('not valid')
    const cookie = await modern('tools/call', { name: 'log_metrics', arguments: args }, { headers: { cookie: `trackio_write_token=${TOKEN}` } })
    expect(cookie.json.result.isError).toBe(true)
    const ok = await modern('tools/call', { name: 'log_metrics', arguments: { ...args, new_run: true } }, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(ok.json.result).toMatchObject({ isError: false, structuredContent: { step: 0, stored: true } })
    const arg = await modern('tools/call', { name: 'log_metrics', arguments: { ...args, write_token: TOKEN } })
    expect(arg.json.result.structuredContent.step).toBe(1)
  })
})

describe('subscriptions/listen bounds', () => {
  test('more URIs than one stream may hold is an invalid-params error', async () => {
    const uris = Array.from({ length: 300 }, (_, i) => `trackio://projects/p${i}/runs`)
    const r = await modern('subscriptions/listen', { notifications: { resourceSubscriptions: uris } })
    expect(r.json.error.code).toBe(-32602)
    expect(r.json.error.message).toContain('at most 256')
  })

  test('a listen stream is acknowledged first, stays open, and ends when the client goes away', async () => {
    const controller = new AbortController()
    const uri = 'trackio://projects/image-classification/runs'
    const r = await app.handle(
      new Request('http://127.0.0.1/mcp/', {
        method: 'POST',
        signal: controller.signal,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headersFor('subscriptions/listen') },
        body: JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'subscriptions/listen', params: { _meta: meta(), notifications: { resourceSubscriptions: [uri] } } }),
      }),
    )
    expect(r.headers.get('content-type')).toContain('text/event-stream')
    expect(r.headers.get('x-accel-buffering')).toBe('no')
    const reader = r.body!.getReader()
    let text = ''
    while (!text.includes('acknowledged')) text += new TextDecoder().decode((await reader.read()).value)
    const ack = JSON.parse(sseData(text).find((d) => d.includes('acknowledged'))!)
    expect(ack.params._meta['io.modelcontextprotocol/subscriptionId']).toBe(42)
    expect(ack.params.notifications.resourceSubscriptions).toEqual([uri])
    expect(mcp.listenUriCount).toBe(1)
    await reader.cancel()
    controller.abort()
    // The stream's URIs are no longer watched once the client is gone.
    expect(mcp.listenUriCount).toBe(0)
  })
})
