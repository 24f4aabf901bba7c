import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFixtures, startServer, type Server } from '../../helpers'
import { connectMcp, INIT, rawPost, sseData } from './client'

let server: Server
let url: string

beforeAll(async () => {
  server = await startServer(copyFixtures('basic'), ['--mcp-server'])
  url = `${server.url}/mcp/`
})
afterAll(async () => {
  await server?.stop()
})

/** A session opened by hand: its id and protocol version headers. */
async function openRaw(): Promise<Record<string, string>> {
  const r = await rawPost(url, INIT)
  expect(r.status).toBe(200)
  expect(r.headers.get('content-type')).toContain('text/event-stream')
  const sid = r.headers.get('mcp-session-id')!
  expect(sid).toMatch(/^[0-9a-f]{32}$/)
  const reply = JSON.parse(sseData(await r.text())[0]!)
  expect(reply.result.serverInfo.name).toBe('Trackio')
  return { 'mcp-session-id': sid, 'mcp-protocol-version': reply.result.protocolVersion }
}

describe('streamable HTTP transport', () => {
  test('initialize, notification 202, tools/list on the session', async () => {
    const h = await openRaw()
    const n = await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h)
    expect(n.status).toBe(202)
    const r = await rawPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, h)
    expect(r.status).toBe(200)
    const reply = JSON.parse(sseData(await r.text())[0]!)
    expect(reply.result.tools[0].name).toBe('get_all_projects')
  })
  test('GET opens the server stream for a session', async () => {
    const h = await openRaw()
    const ac = new AbortController()
    const r = await fetch(url, { headers: { ...h, accept: 'text/event-stream' }, signal: ac.signal })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toContain('text/event-stream')
    ac.abort()
  })
  test('406 when Accept lacks a required type', async () => {
    const r = await rawPost(url, INIT, { accept: 'application/json' })
    expect(r.status).toBe(406)
    expect(((await r.json()) as any).error.message).toContain('Not Acceptable')
  })
  test('400 for a non-initialize request without a session; GET and DELETE too', async () => {
    const r = await rawPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' })
    expect(r.status).toBe(400)
    expect(((await r.json()) as any).error.message).toContain('Missing session ID')
    expect((await fetch(url, { headers: { accept: 'text/event-stream' } })).status).toBe(400)
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(400)
  })
  test('404 for an unknown session', async () => {
    const r = await rawPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 'f'.repeat(32) })
    expect(r.status).toBe(404)
    expect(((await r.json()) as any).error.message).toBe('Session not found')
  })
  test('malformed JSON is a parse error, not a crash', async () => {
    const r = await rawPost(url, '{"jsonrpc":')
    expect(r.status).toBe(400)
    expect(((await r.json()) as any).error.code).toBe(-32700)
  })
  test('DELETE ends the session; the id then answers 404', async () => {
    const c = await connectMcp(url)
    const sid = c.transport.sessionId!
    await c.client.callTool({ name: 'get_all_projects', arguments: {} })
    await c.transport.terminateSession()
    const r = await rawPost(url, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' })
    expect(r.status).toBe(404)
    await c.close()
  })
  test('two concurrent sessions work independently', async () => {
    const [a, b] = await Promise.all([connectMcp(url), connectMcp(`${server.url}/mcp`)])
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId)
    const calls = []
    for (let i = 0; i < 10; i++) {
      calls.push(a.client.callTool({ name: 'get_runs_for_project', arguments: { project: 'llm-finetune' } }))
      calls.push(b.client.callTool({ name: 'get_runs_for_project', arguments: { project: 'image-classification' } }))
    }
    const results: any[] = await Promise.all(calls)
    results.forEach((r, i) => {
      expect(r.isError).toBe(false)
      expect(r.structuredContent.result[0].name).toBe(i % 2 === 0 ? 'gpt2-small' : 'baseline')
    })
    await a.transport.terminateSession()
    const still: any = await b.client.callTool({ name: 'get_all_projects', arguments: {} })
    expect(still.isError).toBe(false)
    await Promise.all([a.close(), b.close()])
  })
})

describe('enabling', () => {
  test('without --mcp-server: /mcp and /mcp/ answer 404 JSON saying how to enable; /version says so', async () => {
    const off = await startServer(copyFixtures('basic'))
    try {
      for (const path of ['/mcp', '/mcp/']) {
        for (const r of [await rawPost(off.url + path, INIT), await fetch(off.url + path)]) {
          expect(r.status).toBe(404)
          expect(r.headers.get('content-type')).toBe('application/json')
          expect(((await r.json()) as any).error).toContain('--mcp-server')
        }
      }
      const v = (await (await fetch(`${off.url}/version`)).json()) as any
      expect(v.mcp_enabled).toBe(false)
      expect(v.mcp_path).toBeNull()
      expect(off.output()).not.toContain('MCP server')
    } finally {
      await off.stop()
    }
  })
  test('GRADIO_MCP_SERVER=True enables it; startup output and /version say where', async () => {
    const on = await startServer(copyFixtures('basic'), [], { GRADIO_MCP_SERVER: 'True' })
    try {
      const c = await connectMcp(`${on.url}/mcp/`)
      expect((await c.client.listTools()).tools.length).toBeGreaterThanOrEqual(12)
      await c.close()
      const v = (await (await fetch(`${on.url}/version`)).json()) as any
      expect(v.mcp_enabled).toBe(true)
      expect(v.mcp_path).toBe('/mcp')
      expect(on.output()).toContain(`* MCP server: ${on.url}/mcp/`)
    } finally {
      await on.stop()
    }
  })
})
