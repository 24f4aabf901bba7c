import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createGuard } from '../../../src/transports/http/guard'
import { copyFixtures, startServer, type Server } from '../../helpers'
import { INIT } from '../mcp/client'

/** DNS-rebinding / cross-site guard on every route: Host → 421, foreign Origin → 403, optional CORS origin. */

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }

async function hit(server: Server, path: '/api' | '/mcp', headers: Record<string, string> = {}): Promise<Response> {
  return path === '/api'
    ? fetch(`${server.url}/api/get_all_projects`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })
    : fetch(`${server.url}/mcp/`, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(INIT) })
}

async function expectError(r: Response, status: number, text: string) {
  expect(r.status).toBe(status)
  expect(r.headers.get('content-type')).toBe('application/json')
  const body = (await r.json()) as { error: string }
  expect(body.error).toContain(text)
}

describe('default: loopback only', () => {
  let server: Server
  beforeAll(async () => {
    server = await startServer(copyFixtures('basic'), ['--mcp-server'])
  })
  afterAll(async () => {
    await server?.stop()
  })

  for (const path of ['/api', '/mcp'] as const) {
    test(`${path}: loopback Host names pass, with or without a same-server Origin`, async () => {
      const p = server.port
      for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, `LOCALHOST:${p}`]) expect((await hit(server, path, { host })).status).toBe(200)
      for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`])
        expect((await hit(server, path, { host, origin: `http://${host}` })).status).toBe(200)
    })
    test(`${path}: only the origin the server is reached as; other loopback origins on the port are foreign (403)`, async () => {
      const p = server.port
      const foreign: [string, string][] = [
        [`127.0.0.1:${p}`, `http://127.0.0.2:${p}`],
        [`127.0.0.1:${p}`, `http://[::1]:${p}`],
        [`127.0.0.1:${p}`, `http://localhost:${p}`],
        [`127.0.0.1:${p}`, `https://127.0.0.1:${p}`],
        [`localhost:${p}`, `http://127.0.0.1:${p}`],
        [`[::1]:${p}`, `http://localhost:${p}`],
      ]
      for (const [host, origin] of foreign) await expectError(await hit(server, path, { host, origin }), 403, 'Invalid Origin header')
    })
    test(`${path}: a foreign Host gets 421 JSON`, async () => {
      for (const host of [`evil.example:${server.port}`, 'evil.example', `192.168.1.20:${server.port}`, `user@127.0.0.1:${server.port}`])
        await expectError(await hit(server, path, { host }), 421, 'Invalid Host header')
    })
    test(`${path}: a foreign Origin gets 403 JSON`, async () => {
      for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null', `file://${server.port}`])
        await expectError(await hit(server, path, { origin }), 403, 'Invalid Origin header')
    })
  }
  test('every route is guarded, not only the tools', async () => {
    for (const path of ['/version', '/swagger/json', '/', '/nope']) {
      const r = await fetch(server.url + path, { headers: { host: 'evil.example' } })
      expect({ path, status: r.status }).toEqual({ path, status: 421 })
    }
  })
  test('no CORS headers without --cors-origin', async () => {
    const r = await hit(server, '/api', { origin: `http://127.0.0.1:${server.port}` })
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('--allowed-hosts, TRACKIO_ALLOWED_HOSTS, --cors-origin', () => {
  let server: Server
  const CORS = 'http://app.example:3000'
  beforeAll(async () => {
    server = await startServer(copyFixtures('basic'), ['--mcp-server', '--allowed-hosts', 'box.lan, Other.Lan:8080', '--cors-origin', CORS], {
      TRACKIO_ALLOWED_HOSTS: 'from-env.lan',
    })
  })
  afterAll(async () => {
    await server?.stop()
  })

  test('listed names pass (any port unless one is given); others still 421', async () => {
    for (const path of ['/api', '/mcp'] as const) {
      expect((await hit(server, path, { host: `box.lan:${server.port}` })).status).toBe(200)
      expect((await hit(server, path, { host: 'other.lan:8080' })).status).toBe(200)
      expect((await hit(server, path, { host: 'from-env.lan' })).status).toBe(200)
      expect((await hit(server, path, { host: 'other.lan:8081' })).status).toBe(421)
      expect((await hit(server, path, { host: 'evil.example' })).status).toBe(421)
    }
  })
  test("an allowed host's own origin passes", async () => {
    expect((await hit(server, '/api', { host: `box.lan:${server.port}`, origin: `http://box.lan:${server.port}` })).status).toBe(200)
    expect((await hit(server, '/api', { host: `box.lan:${server.port}`, origin: 'http://evil.example' })).status).toBe(403)
    // Behind a TLS proxy that keeps the Host, the page's origin is https:// with the same name.
    expect((await hit(server, '/api', { host: 'box.lan', origin: 'https://box.lan' })).status).toBe(200)
    expect((await hit(server, '/api', { host: 'box.lan', origin: 'https://other.lan' })).status).toBe(403)
  })
  test('the CORS origin is accepted and gets CORS headers exposing mcp-session-id', async () => {
    for (const path of ['/api', '/mcp'] as const) {
      const r = await hit(server, path, { origin: CORS })
      expect(r.status).toBe(200)
      expect(r.headers.get('access-control-allow-origin')).toBe(CORS)
      expect(r.headers.get('access-control-expose-headers')).toContain('mcp-session-id')
    }
    expect((await hit(server, '/api', { origin: 'http://app.example:3001' })).status).toBe(403)
  })
  test('preflight from the CORS origin', async () => {
    const r = await fetch(`${server.url}/mcp/`, {
      method: 'OPTIONS',
      headers: { origin: CORS, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, mcp-session-id' },
    })
    expect(r.status).toBe(204)
    expect(r.headers.get('access-control-allow-origin')).toBe(CORS)
    expect(r.headers.get('access-control-allow-methods')).toContain('POST')
    expect(r.headers.get('access-control-allow-headers')).toContain('mcp-session-id')
    expect(r.headers.get('access-control-allow-headers')).toContain('x-trackio-write-token')
    const bad = await fetch(`${server.url}/mcp/`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } })
    expect(bad.status).toBe(403)
  })
})

describe('createGuard', () => {
  const req = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers })
  test('without a Host header the URL host is checked (in-process requests)', () => {
    const g = createGuard({})
    expect(g(req('http://localhost/api/x'))).toEqual({})
    expect(g(req('http://evil.example/api/x'))).toBeInstanceOf(Response)
  })
  test('"*" allows any host; a specific bind address is allowed, a wildcard one is not', () => {
    expect(createGuard({ allowedHosts: ['*'] })(req('http://anything.example/'))).toEqual({})
    expect(createGuard({ bindHost: '10.0.0.5' })(req('http://10.0.0.5:7860/'))).toEqual({})
    expect((createGuard({ bindHost: '0.0.0.0' })(req('http://10.0.0.5:7860/')) as Response).status).toBe(421)
  })
})
