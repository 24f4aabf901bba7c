import { afterAll, beforeAll, expect, test } from 'bun:test'
import { api, copyFixtures, startServer, type Server } from '../helpers'
import { startFakeHub, type FakeHub } from '../tools/core/fake-hub'
import { connectMcp } from '../transports/mcp/client'

/** The compiled binary in Hugging Face Spaces mode, checking tokens against a fake Hub (HF_ENDPOINT). */

let hub: FakeHub
let server: Server
beforeAll(async () => {
  hub = startFakeHub()
  server = await startServer(copyFixtures('basic'), ['--mcp-server'], {
    SYSTEM: 'spaces',
    SPACE_AUTHOR_NAME: 'team',
    SPACE_REPO_NAME: 'tracker',
    SPACE_HOST: 'team-tracker.hf.space',
    HF_ENDPOINT: hub.url,
  })
})
afterAll(async () => {
  await server?.stop()
  hub?.stop()
})

test('startup says it is in Space mode and binds every interface', () => {
  expect(server.output()).toContain('Hugging Face Space mode (SYSTEM=spaces)')
  expect(server.output()).toContain('team/tracker')
})

test("answers to the Space's host names, not to others", async () => {
  const as = (host: string) => fetch(`${server.url}/api/get_all_projects`, { method: 'POST', headers: { host }, body: '{}' }).then((r) => r.status)
  expect(await as('team-tracker.hf.space')).toBe(200)
  expect(await as('other-space.hf.space')).toBe(200)
  expect(await as('evil.example')).toBe(421)
})

test('logging with an owner-org write token is stored; a read-only token and the write token are refused', async () => {
  const body = (hf_token: string | null, run: string) => ({ logs: [{ project: 'hub', run, metrics: { loss: 1 }, step: 0, log_id: run }], hf_token })
  expect((await api(server.url, 'bulk_log', body('hf_member_write', 'ok'))).status).toBe(200)
  expect((await api(server.url, 'bulk_log', body('hf_fine_readonly', 'no'))).status).toBe(403)
  const withWriteToken = await api(server.url, 'bulk_log', body(null, 'no'), { 'x-trackio-write-token': server.token })
  expect(withWriteToken.status).toBe(401)
  expect(withWriteToken.json.error).toBe('Expected a HF_TOKEN to be provided when logging to a Space')
  expect((await api(server.url, 'get_runs_for_project', { project: 'hub' })).json.data.map((r: { name: string }) => r.name)).toEqual(['ok'])
})

test('MCP mutations take hf_token; a Hub that is down is a clear error, not a write', async () => {
  const mcp = await connectMcp(`${server.url}/mcp/`)
  try {
    const renamed: any = await mcp.client.callTool({ name: 'rename_run', arguments: { project: 'hub', old_name: 'ok', new_name: 'ok2', hf_token: 'hf_fine_space' } })
    expect(renamed.isError).toBeFalsy()
    hub.mode = 'down'
    const down: any = await mcp.client.callTool({ name: 'delete_run', arguments: { project: 'hub', run: 'ok2', hf_token: 'hf_fine_org' } })
    expect(down.isError).toBe(true)
    expect(down.content[0].text).toContain('Hugging Face Hub answered 500')
  } finally {
    hub.mode = 'ok'
    await mcp.close()
  }
  expect((await api(server.url, 'get_runs_for_project', { project: 'hub' })).json.data.map((r: { name: string }) => r.name)).toEqual(['ok2'])
})
