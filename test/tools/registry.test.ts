import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { Storage } from '../../src/storage/db/connection'
import { settingsFromEnv } from '../../src/tools/core/settings'
import { TOOLS } from '../../src/tools/registry'
import { createApp } from '../../src/transports/http/app'
import { createMcpHandler, type McpHandler } from '../../src/transports/mcp/handler'
import { copyFixtures } from '../helpers'
import { connectMcp, type McpConn } from '../transports/mcp/client'

/**
 * Every tool of the registry, whatever it is: a zod object schema, an OpenAPI operation with its
 * example, an MCP entry (unless HTTP-only), and its example answered without a server error over
 * both transports. A new tool is covered by adding it to the registry; no list here to forget.
 */

const TOKEN = 'registry-token'
let app: ReturnType<typeof createApp>
let mcpHandler: McpHandler
let mcp: McpConn
let storage: Storage
let doc: any
/** MCP's tools/list, asked once: the same answer for every tool's test. */
let listed: Promise<{ tools: { name: string; annotations?: { readOnlyHint?: boolean }; inputSchema: { type: string } }[] }> | undefined

beforeAll(async () => {
  const dir = copyFixtures('basic', 'edge')
  storage = new Storage(dir)
  const ctx = { storage, settings: settingsFromEnv({}, dir) }
  mcpHandler = createMcpHandler({ ctx, writeToken: TOKEN, sweepMs: 0 })
  app = createApp({ ctx, version: 'test', writeToken: TOKEN, mcp: { enabled: true, path: '/mcp' }, mcpHandler: mcpHandler.handle })
  const fetchApp = (u: string | URL, init?: RequestInit) => app.handle(new Request(String(u), init))
  doc = await (await fetchApp('http://localhost/swagger/json')).json()
  mcp = await connectMcp('http://localhost/mcp/', { fetch: fetchApp, headers: { 'x-trackio-write-token': TOKEN } })
})
afterAll(async () => {
  await mcp?.close()
  mcpHandler?.close()
  storage?.close()
})

test('tool names are unique and snake_case', () => {
  const names = TOOLS.map((t) => t.name)
  expect(new Set(names).size).toBe(names.length)
  for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/)
})

describe.each(TOOLS.map((t) => [t.name, t] as const))('%s', (name, tool) => {
  test('input is a zod object whose example validates', () => {
    expect(tool.input).toBeInstanceOf(z.ZodObject)
    expect(tool.description.length).toBeGreaterThan(10)
    const example = Object.fromEntries(Object.entries(tool.example).filter(([k]) => k !== 'hf_token' || k in tool.input.shape))
    const r = tool.input.safeParse(example)
    expect(r.success ? null : r.error.issues).toBeNull()
  })

  test('OpenAPI documents it with its example', () => {
    const op = doc.paths[`/api/${name}`]?.post
    expect(op).toBeDefined()
    expect(op.summary.length).toBeGreaterThan(10)
    const body = op.requestBody.content['application/json']
    expect(body.schema.type).toBe('object')
    expect(Object.keys(body.schema.properties ?? {})).toEqual(Object.keys(tool.input.shape))
    expect(body.example).toEqual(tool.example)
    expect(op.responses['200']).toBeDefined()
  })

  test('MCP lists it unless it is HTTP-only, with the right hints', async () => {
    const entry = (await (listed ??= mcp.client.listTools())).tools.find((t) => t.name === name)
    if (tool.httpOnly) {
      expect(entry).toBeUndefined()
      return
    }
    expect(entry).toBeDefined()
    expect(entry!.annotations?.readOnlyHint).toBe(tool.access === 'read')
    expect(entry!.inputSchema.type).toBe('object')
  })

  test('its example is answered without a server error, over HTTP and MCP', async () => {
    const r = await app.handle(
      new Request(`http://localhost/api/${name}`, { method: 'POST', headers: { 'x-trackio-write-token': TOKEN }, body: JSON.stringify(tool.example) }),
    )
    const text = await r.text()
    expect({ status: r.status < 500, text: r.status < 500 ? '' : text }).toEqual({ status: true, text: '' })
    expect(JSON.parse(text)).toBeObject()
    if (tool.httpOnly) return
    const args = Object.fromEntries(Object.entries(tool.example).filter(([k]) => !tool.mcpOmit?.includes(k)))
    const m: any = await mcp.client.callTool({ name, arguments: args })
    if (m.isError) expect(m.content[0].text).not.toMatch(/internal|TypeError|undefined is not/i)
    else expect(m.structuredContent).toBeDefined()
  })
})
