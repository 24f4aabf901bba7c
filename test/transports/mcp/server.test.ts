import { afterAll, describe, expect, test } from 'bun:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { Storage } from '../../../src/storage/db/connection'
import { createInvoker, writeTokenAuthorizer } from '../../../src/tools/core/invoke'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { TOOLS } from '../../../src/tools/registry'
import { buildCatalog, createMcpServer, INSTRUCTIONS, SERVER_NAME } from '../../../src/transports/mcp/server'
import { copyFixtures } from '../../helpers'

const dir = copyFixtures('basic')
const storage = new Storage(dir)
const catalog = buildCatalog({ invoker: createInvoker({ storage, settings: settingsFromEnv({}, dir) }, writeTokenAuthorizer('secret')), tools: TOOLS })

async function connect(): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair()
  await createMcpServer(catalog).connect(a)
  const client = new Client({ name: 'test', version: '0' })
  await client.connect(b)
  return client
}
const clients: Client[] = []
afterAll(async () => {
  for (const c of clients) await c.close()
  storage.close()
})
const client = async () => {
  const c = await connect()
  clients.push(c)
  return c
}
const textOf = (r: Record<string, unknown>) => ((r.content as { type: string; text: string }[])[0]!).text

describe('buildCatalog', () => {
  test('offers every tool except the HTTP-only ones', () => {
    const names = catalog.list.map((t) => t.name)
    expect(names).toEqual(TOOLS.filter((t) => !t.httpOnly).map((t) => t.name))
    expect(names).not.toContain('force_sync')
    expect([...catalog.byName.keys()]).toEqual(names)
  })
})

describe('createMcpServer', () => {
  test('announces itself and lists the catalog', async () => {
    const c = await client()
    expect(c.getServerVersion()?.name).toBe(SERVER_NAME)
    expect(c.getInstructions()).toBe(INSTRUCTIONS)
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(catalog.list.map((t) => t.name))
  })

  test('a read tool answers with structured content from the data', async () => {
    const c = await client()
    const r = await c.callTool({ name: 'get_all_projects', arguments: {} })
    expect(r.isError).toBe(false)
    expect(r.structuredContent).toEqual({ result: ['image-classification', 'llm-finetune'] })
  })

  test('errors are results, not protocol errors: unknown tool, bad arguments, MCP variant rules, missing token', async () => {
    const c = await client()
    const unknown = await c.callTool({ name: 'no_such_tool', arguments: {} })
    expect(unknown.isError).toBe(true)
    expect(textOf(unknown)).toBe('Unknown tool: no_such_tool')
    const missing = await c.callTool({ name: 'get_runs_for_project', arguments: {} })
    expect(missing.isError).toBe(true)
    expect(textOf(missing)).toBe('Error executing tool get_runs_for_project: Missing required parameter: project')
    const omitted = await c.callTool({ name: 'delete_run', arguments: { project: 'image-classification', run: 'baseline', run_id: 'x' } })
    expect(textOf(omitted)).toBe("Error executing tool delete_run: Unknown argument 'run_id' for delete_run")
    const noRun = await c.callTool({ name: 'delete_run', arguments: { project: 'image-classification' } })
    expect(textOf(noRun)).toBe('Error executing tool delete_run: Missing required parameter: run')
    const gated = await c.callTool({ name: 'delete_run', arguments: { project: 'image-classification', run: 'baseline' } })
    expect(gated.isError).toBe(true)
    // Nothing was deleted.
    const runs = await c.callTool({ name: 'get_runs_for_project', arguments: { project: 'image-classification' } })
    expect((runs.structuredContent as { result: { name: string }[] }).result.map((r) => r.name)).toContain('baseline')
  })

  test('the write_token argument opens a write tool', async () => {
    const c = await client()
    const r = await c.callTool({ name: 'log_metrics', arguments: { project: 'mcp-proj', run: 'r', metrics: { a: 1 }, new_run: true, write_token: 'secret' } })
    expect(r.isError).toBe(false)
    expect((r.structuredContent as { stored: boolean }).stored).toBe(true)
  })
})
