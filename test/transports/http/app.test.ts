import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, inProcessApp, queryProject, tempDir } from '../../helpers'

/** The assembled HTTP app: the write gate in front of every write tool, /version and the MCP mount. */

describe('write gating', () => {
  const calls: [string, unknown][] = [
    ['bulk_log', { logs: [{ project: 'g', run: 'r', metrics: { a: 1 } }], hf_token: null }],
    ['bulk_log', { project: 'g', run: 'r', metrics_list: [{ a: 1 }] }],
    ['bulk_log_system', { logs: [{ project: 'g', run: 'r', metrics: { a: 1 }, timestamp: '2026-01-01T00:00:00+00:00' }], hf_token: null }],
    ['bulk_alert', { alerts: [{ project: 'g', run: 'r', title: 't', level: 'info' }], hf_token: null }],
    ['log', { project: 'g', run: 'r', metrics: { a: 1 }, step: null, hf_token: null }],
    ['log_metrics', { project: 'g', run: 'r', metrics: { a: 1 }, new_run: true }],
    ['log_alert', { project: 'g', run: 'r', title: 't' }],
  ]
  test('no token → 401, wrong token → 403, nothing written; every token source works', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    for (const [tool, body] of calls) {
      expect((await call(tool, body)).status).toBe(401)
      expect((await call(tool, body, { 'x-trackio-write-token': 'nope' })).status).toBe(403)
      expect((await call(tool, { ...(body as object), write_token: 'nope' })).status).toBe(403)
    }
    expect(existsSync(join(dir, 'g.db'))).toBe(false)
    for (const [tool, body] of calls.slice(0, 1))
      for (const h of [{ authorization: 'Bearer test-token' }, { cookie: 'trackio_write_token=test-token' }, {}] as Record<string, string>[]) {
        const b = Object.keys(h).length ? body : { ...(body as object), write_token: 'test-token' }
        expect((await call(tool, b, h)).status).toBe(200)
      }
    expect(queryProject(dir, 'g', 'SELECT COUNT(*) AS n FROM metrics')).toEqual([{ n: 3n }])
  })
})

describe('server routes', () => {
  test('/version reports the Trackio version we match, api_version 1 and MCP off', async () => {
    const { app } = await inProcessApp(copyFixtures('basic'))
    const r = await app.handle(new Request('http://localhost/version'))
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ version: '0.36.0', api_version: 1, api_transport: 'http', mcp_enabled: false, mcp_path: null })
  })

  test('/mcp and /mcp/ answer 404 with a JSON error saying how to enable MCP when it is off', async () => {
    const { app } = await inProcessApp(copyFixtures('basic'))
    for (const path of ['/mcp', '/mcp/']) {
      const r = await app.handle(new Request(`http://localhost${path}`, { method: 'POST', body: '{}' }))
      expect(r.status).toBe(404)
      expect(((await r.json()) as { error: string }).error).toContain('--mcp-server')
    }
  })

  test('an unknown tool is a 404 JSON error, not a 500', async () => {
    const { call } = await inProcessApp(copyFixtures('basic'))
    const r = await call('no_such_tool', {})
    expect(r.status).toBe(404)
    expect(typeof r.json.error).toBe('string')
  })
})
