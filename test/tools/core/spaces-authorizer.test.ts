import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { HubAccess, spacesAuthorizer } from '../../../src/tools/core/hub-access'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { createApp } from '../../../src/transports/http/app'
import { createMcpHandler, type McpHandler } from '../../../src/transports/mcp/handler'
import { copyFixtures } from '../../helpers'
import { connectMcp } from '../../transports/mcp/client'
import { startFakeHub, type FakeHub } from './fake-hub'

/** Spaces mode through the real app: which token opens which tool, over HTTP and MCP. */

const WRITE_TOKEN = 'local-write-token'
let hub: FakeHub
let storage: Storage
let mcpHandler: McpHandler
let app: ReturnType<typeof createApp>

beforeAll(() => {
  hub = startFakeHub()
  const dir = copyFixtures('basic')
  storage = new Storage(dir)
  const ctx = { storage, settings: settingsFromEnv({}, dir) }
  const authorize = spacesAuthorizer(WRITE_TOKEN, new HubAccess({ owner: 'team', repo: 'tracker', spaceToken: null, endpoint: hub.url }))
  mcpHandler = createMcpHandler({ ctx, writeToken: WRITE_TOKEN, authorize, sweepMs: 0 })
  app = createApp({ ctx, version: 'test', writeToken: WRITE_TOKEN, authorize, mcp: { enabled: true, path: '/mcp' }, mcpHandler: mcpHandler.handle })
})
afterAll(() => {
  mcpHandler.close()
  storage.close()
  hub.stop()
})

async function call(tool: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await app.handle(new Request(`http://127.0.0.1/api/${tool}`, { method: 'POST', headers, body: JSON.stringify(body) }))
  return { status: r.status, json: (await r.json()) as any }
}
const logs = (run: string) => ({ logs: [{ project: 'space-proj', run, metrics: { loss: 0.5 }, step: null, log_id: `${run}-1` }] })

describe('logging on a Space needs a Hub token with write access', () => {
  test('hf_token in the body (what the Python client sends) or Authorization: Bearer', async () => {
    expect((await call('bulk_log', { ...logs('a'), hf_token: 'hf_member_write' })).status).toBe(200)
    expect((await call('bulk_log', { ...logs('b'), hf_token: null }, { authorization: 'Bearer hf_fine_space' })).status).toBe(200)
    const runs = await call('get_runs_for_project', { project: 'space-proj' })
    expect(runs.json.data.map((r: { name: string }) => r.name).sort()).toEqual(['a', 'b'])
  })

  test('the write token does not open logging; refusals are 401/403 with Trackio\'s words', async () => {
    const none = await call('bulk_log', { ...logs('c'), hf_token: null }, { 'x-trackio-write-token': WRITE_TOKEN })
    expect(none).toEqual({ status: 401, json: { error: 'Expected a HF_TOKEN to be provided when logging to a Space' } })
    const read = await call('log_metrics', { project: 'space-proj', run: 'c', metrics: { x: 1 }, hf_token: 'hf_fine_readonly' })
    expect(read.status).toBe(403)
    expect(read.json.error).toContain('fine grained permissions')
    const stranger = await call('bulk_log', { ...logs('c'), hf_token: 'hf_stranger_write' })
    expect(stranger.status).toBe(403)
    expect((await call('get_runs_for_project', { project: 'space-proj' })).json.data).toHaveLength(2)
  })

  test('a mutation takes a Hub token with write access, or else the write token', async () => {
    expect((await call('rename_run', { project: 'space-proj', old_name: 'a', new_name: 'a2', hf_token: 'hf_member_write' })).status).toBe(200)
    expect((await call('rename_run', { project: 'space-proj', old_name: 'a2', new_name: 'a3' }, { 'x-trackio-write-token': WRITE_TOKEN })).status).toBe(200)
    expect((await call('rename_run', { project: 'space-proj', old_name: 'a3', new_name: 'a4', hf_token: 'hf_owner_read' })).status).toBe(403)
    expect((await call('rename_run', { project: 'space-proj', old_name: 'a3', new_name: 'a4' })).status).toBe(401)
  })

  test('MCP: hf_token as the tool argument', async () => {
    const fetchApp = (u: string | URL, init?: RequestInit) => app.handle(new Request(String(u), init))
    const mcp = await connectMcp('http://127.0.0.1/mcp/', { fetch: fetchApp })
    try {
      const ok: any = await mcp.client.callTool({ name: 'log_metrics', arguments: { project: 'space-proj', run: 'm', metrics: { loss: 1 }, new_run: true, hf_token: 'hf_fine_org' } })
      expect(ok.isError).toBeFalsy()
      const denied: any = await mcp.client.callTool({ name: 'delete_run', arguments: { project: 'space-proj', run: 'b', hf_token: 'hf_stranger_write' } })
      expect(denied.isError).toBe(true)
      expect(denied.content[0].text).toContain('owner of the space')
    } finally {
      await mcp.close()
    }
  })
})
