import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFixtures, startServer, type Server } from '../../helpers'

/** Send raw bytes on a new connection; resolve with what came back when the server closes or `waitMs` passes. */
function raw(port: number, bytes: string, opts: { closeAfterWrite?: boolean; waitMs?: number } = {}): Promise<string> {
  let out = ''
  return new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(out), opts.waitMs ?? 3000)
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(s) {
          s.write(bytes)
          if (opts.closeAfterWrite) s.end()
        },
        data(_s, d) {
          out += new TextDecoder().decode(d)
        },
        close() {
          clearTimeout(timer)
          resolve(out)
        },
        error() {
          clearTimeout(timer)
          resolve(out)
        },
      },
    })
  })
}

function parse(response: string): { status: number; type: string; body: string } {
  const [head = '', body = ''] = response.split('\r\n\r\n')
  return {
    status: Number(head.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? 0),
    type: head.match(/^content-type: *(.*)$/im)?.[1]?.trim() ?? '',
    body,
  }
}

describe('every answer is JSON with the right status', () => {
  let server: Server
  beforeAll(async () => {
    server = await startServer(copyFixtures('basic'), ['--mcp-server'])
  })
  afterAll(async () => {
    await server.stop()
  })

  test('HTTP/1.0 with no Host: 400 JSON naming the missing Host', async () => {
    for (const req of ['GET /version HTTP/1.0\r\n\r\n', 'POST /api/get_all_projects HTTP/1.0\r\nContent-Length: 0\r\n\r\n', 'GET /nope HTTP/1.0\r\n\r\n']) {
      const r = parse(await raw(server.port, req))
      expect(r.status).toBe(400)
      expect(r.type).toBe('application/json')
      expect(JSON.parse(r.body).error).toContain('Host')
    }
  })

  test('unknown paths, `//api/...`, unknown methods: 404 JSON naming the path', async () => {
    const cases: [string, string][] = [
      ['GET', '/nope'],
      ['POST', '/api/'],
      ['POST', '/api'],
      ['GET', '/swagger/nope'],
      ['PUT', '/version'],
      ['POST', '/api/get_all_projects/extra'],
    ]
    for (const [method, path] of cases) {
      const r = await fetch(`${server.url}${path}`, { method })
      expect({ method, path, status: r.status, type: r.headers.get('content-type') }).toEqual({ method, path, status: 404, type: 'application/json' })
      const body = (await r.json()) as { error: string }
      expect(body.error).toContain(path)
    }
    // fetch() folds `//` in paths: send those raw.
    for (const path of ['//api/get_all_projects', '//version', '/api//get_all_projects']) {
      const r = parse(await raw(server.port, `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`))
      expect({ path, status: r.status, type: r.type }).toEqual({ path, status: 404, type: 'application/json' })
      expect(JSON.parse(r.body).error).toBe(`Not found: POST ${path}`)
    }
    // The known routes still answer.
    expect((await fetch(`${server.url}/api/get_all_projects`, { method: 'POST' })).status).toBe(200)
    expect((await fetch(`${server.url}/version`)).status).toBe(200)
  })

  test('aborted request bodies: no internal error, no stack, at most one short line each', async () => {
    const before = server.errors().length
    for (let i = 0; i < 40; i++) {
      const path = i % 2 ? '/mcp/' : '/api/bulk_log'
      const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nX-Trackio-Write-Token: ${server.token}\r\nContent-Length: 100000\r\n\r\n`
      await raw(server.port, `${head}{"logs": [`, { closeAfterWrite: true, waitMs: 500 })
    }
    await Bun.sleep(300)
    // The server is fine and says little about it.
    expect((await fetch(`${server.url}/api/get_all_projects`, { method: 'POST' })).status).toBe(200)
    const logged = server.errors().slice(before)
    expect(logged).not.toContain('internal error')
    expect(logged).not.toMatch(/\n\s+at /)
    const lines = logged.split('\n').filter(Boolean)
    expect(lines.length).toBeLessThanOrEqual(40)
    for (const l of lines) expect(l.length).toBeLessThan(200)
  })
})
