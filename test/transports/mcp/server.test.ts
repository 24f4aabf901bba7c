import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Client, InMemoryTransport } from '@modelcontextprotocol/client'
import { Storage } from '../../../src/storage/db/connection'
import { createInvoker, writeTokenAuthorizer } from '../../../src/tools/core/invoke'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { TOOLS } from '../../../src/tools/registry'
import { buildCatalog, createMcpServer, MAX_SUBSCRIPTIONS_PER_SESSION, type SessionSubscriptions } from '../../../src/transports/mcp/server'
import { copyFixtures } from '../../helpers'

/** One server instance of a 2025 session over an in-memory transport (no HTTP): what it offers and how it gates. */

let storage: Storage
let client: Client
const subscribed = new Set<string>()

beforeAll(async () => {
  const dir = copyFixtures('basic')
  storage = new Storage(dir)
  const ctx = { storage, settings: settingsFromEnv({}, dir) }
  const catalog = buildCatalog({ invoker: createInvoker(ctx, writeTokenAuthorizer('secret')), tools: TOOLS })
  const subs: SessionSubscriptions = {
    subscribe: (u) => void subscribed.add(u),
    unsubscribe: (u) => void subscribed.delete(u),
    has: (u) => subscribed.has(u),
    get size() {
      return subscribed.size
    },
  }
  const server = createMcpServer(catalog, subs)
  const [a, b] = InMemoryTransport.createLinkedPair()
  await server.connect(b)
  client = new Client({ name: 'in-memory', version: '1' })
  await client.connect(a)
})
afterAll(async () => {
  await client?.close()
  storage?.close()
})

describe('a 2025 session instance', () => {
  test('capabilities: tools, subscribable resources, prompts, completions, logging; instructions', () => {
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: { subscribe: true, listChanged: true }, prompts: {}, completions: {}, logging: {} })
    expect(client.getInstructions()).toContain('Workflow')
  })

  test('write tools need the token (here only as an argument: no HTTP request to carry headers)', async () => {
    const args = { project: 'in-memory', run: 'r', metrics: { loss: 1 }, new_run: true }
    const denied: any = await client.callTool({ name: 'log_metrics', arguments: args })
    expect(denied.isError).toBe(true)
    const ok: any = await client.callTool({ name: 'log_metrics', arguments: { ...args, write_token: 'secret' } })
    expect(ok.isError).toBe(false)
  })

  test('log messages only after logging/setLevel, and only at or above that level', async () => {
    const seen: string[] = []
    client.setNotificationHandler('notifications/message', async (n) => void seen.push(n.params.level))
    await client.callTool({ name: 'get_all_projects', arguments: {} })
    await client.setLoggingLevel('info')
    await client.callTool({ name: 'get_all_projects', arguments: {} }) // debug: below info
    await client.callTool({ name: 'get_metric_values', arguments: { project: 'image-classification', metric_name: 'loss' } }) // an error: info
    await client.setLoggingLevel('debug')
    await client.callTool({ name: 'get_all_projects', arguments: {} })
    await Bun.sleep(0)
    expect(seen).toEqual(['info', 'debug'])
  })

  test('resources/subscribe and unsubscribe reach the session; the bound counts distinct URIs', async () => {
    await client.subscribeResource({ uri: 'trackio://projects/image-classification/runs' })
    expect([...subscribed]).toEqual(['trackio://projects/image-classification/runs'])
    await client.unsubscribeResource({ uri: 'trackio://projects/image-classification/runs' })
    expect(subscribed.size).toBe(0)
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_SESSION; i++) subscribed.add(`trackio://projects/p/runs/r${i}`)
    await expect(client.subscribeResource({ uri: 'trackio://projects/p/runs/x' })).rejects.toThrow('At most 256')
    await client.subscribeResource({ uri: 'trackio://projects/p/runs/r1' })
    subscribed.clear()
  })
})
