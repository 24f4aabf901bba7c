import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { startServer, tempDir, type Server } from '../../helpers'
import { connectMcp, type McpConn } from './client'

let dir: string
let server: Server
let mcp: McpConn

beforeAll(async () => {
  dir = tempDir()
  server = await startServer(dir, ['--mcp-server'])
  mcp = await connectMcp(`${server.url}/mcp/`)
}, 120_000)

afterAll(async () => {
  await mcp?.close()
  await server?.stop()
})

describe('MCP log_metrics / log_alert', () => {
  test('offered (the Trackio client endpoints are not), gated, described for an agent', async () => {
    const { tools } = await mcp.client.listTools()
    const names = tools.map((t) => t.name)
    expect(names).toContain('log_metrics')
    expect(names).toContain('log_alert')
    for (const n of ['bulk_log', 'bulk_log_system', 'bulk_alert', 'log']) expect(names).not.toContain(n)
    const lm = tools.find((t) => t.name === 'log_metrics')!
    expect(lm.description).toStartWith('Log a dict of metric values for a run at a step')
    expect(lm.annotations?.readOnlyHint).toBe(false)
  })

  test('without the token nothing is written; with it the row is stored and read back', async () => {
    const denied: any = await mcp.client.callTool({ name: 'log_metrics', arguments: { project: 'agent', run: 'exp', metrics: { loss: 0.5 } } })
    expect(denied.isError).toBe(true)
    const ok: any = await mcp.client.callTool({ name: 'log_metrics', arguments: { project: 'agent', run: 'exp', metrics: { loss: 0.25, n: 3, deep: { a: [1, 'x'] } }, new_run: true, write_token: server.token } })
    expect(ok.isError).toBeFalsy()
    expect(ok.structuredContent).toMatchObject({ step: 0, stored: true })
    expect(ok.structuredContent.run_id).toMatch(/^[0-9a-f]{32}$/)
    const alert: any = await mcp.client.callTool({ name: 'log_alert', arguments: { project: 'agent', run: 'exp', title: 'done', level: 'info', write_token: server.token } })
    expect(alert.isError).toBeFalsy()
    const db = new Database(join(dir, 'agent.db'), { readonly: true })
    expect(db.query('SELECT step, CAST(metrics AS TEXT) AS m FROM metrics').all()).toEqual([{ step: 0, m: '{"loss":0.25,"n":3,"deep":{"a":[1,"x"]}}' }])
    expect(db.query('SELECT title, level FROM alerts').all()).toEqual([{ title: 'done', level: 'info' }])
    db.close()
    const back: any = await mcp.client.callTool({ name: 'get_alerts', arguments: { project: 'agent' } })
    expect(back.structuredContent.result[0].title).toBe('done')
  })
})
