import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { createApp } from '../../../src/transports/http/app'
import { MAX_BODY_BYTES } from '../../../src/transports/http/body'
import { BINARY, copyFixtures, startServer, type Server } from '../../helpers'

const tooLarge = (limit: number) => ({ error: `Request body too large: limit is ${limit} bytes` })

/** A body of `total` bytes sent in `chunk`-sized pieces with no Content-Length (chunked transfer). */
function chunked(total: number, chunk = 1024 * 1024): ReadableStream<Uint8Array> {
  let sent = 0
  const piece = new Uint8Array(chunk).fill(0x20)
  return new ReadableStream({
    pull(c) {
      if (sent >= total) return c.close()
      const n = Math.min(chunk, total - sent)
      c.enqueue(n === chunk ? piece : piece.subarray(0, n))
      sent += n
    },
  })
}

describe('body limit on the compiled binary', () => {
  let server: Server
  beforeAll(async () => {
    server = await startServer(copyFixtures('basic'))
  })
  afterAll(async () => {
    await server.stop()
  })

  const post = async (path: string, body: RequestInit['body'], headers: Record<string, string> = {}) => {
    const r = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() }
  }

  test('a body with Content-Length over the limit gets 413 JSON (also far beyond Bun\'s own limit)', async () => {
    for (const size of [MAX_BODY_BYTES + 1, MAX_BODY_BYTES * 3]) {
      const r = await post('/api/get_all_projects', new Uint8Array(size).fill(0x20))
      expect(r.status).toBe(413)
      expect(r.type).toContain('application/json')
      expect(JSON.parse(r.text)).toEqual(tooLarge(MAX_BODY_BYTES))
    }
  })

  test('a chunked body over the limit gets 413 JSON, also when it goes on past Bun\'s own limit', async () => {
    for (const size of [MAX_BODY_BYTES + 10, MAX_BODY_BYTES * 3]) {
      const r = await post('/api/bulk_log', chunked(size), { 'x-trackio-write-token': server.token })
      expect(r.status).toBe(413)
      expect(JSON.parse(r.text)).toEqual(tooLarge(MAX_BODY_BYTES))
    }
  })

  test('other routes (MCP, /version, unknown) answer 413 JSON by Content-Length too', async () => {
    for (const path of ['/mcp/', '/version', '/nope', '/api/nope']) {
      const r = await post(path, new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20))
      expect(r.status).toBe(413)
      expect(JSON.parse(r.text)).toEqual(tooLarge(MAX_BODY_BYTES))
    }
  })

  test('a body exactly at the limit is read (whitespace around a valid request) and the server keeps serving', async () => {
    const json = '{"project":"llm-finetune"}'
    const body = new Uint8Array(MAX_BODY_BYTES).fill(0x20)
    body.set(new TextEncoder().encode(json), 0)
    const r = await post('/api/get_runs_for_project', body)
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text).data.length).toBeGreaterThan(0)
    const v = await fetch(`${server.url}/version`)
    expect(v.status).toBe(200)
  })

  test('the limit is documented in the OpenAPI description and `trackio show --help`', async () => {
    const doc = (await (await fetch(`${server.url}/swagger/json`)).json()) as { info: { description: string } }
    expect(doc.info.description).toContain(`${MAX_BODY_BYTES} bytes`)
    const help = Bun.spawnSync([BINARY, 'show', '--help'])
    expect(help.stdout.toString()).toContain(`${MAX_BODY_BYTES} bytes`)
  })
})

test('a chunked body over the limit to the MCP endpoint gets 413 JSON', async () => {
  const server = await startServer(copyFixtures('basic'), ['--mcp-server'])
  try {
    const r = await fetch(`${server.url}/mcp/`, {
      method: 'POST',
      body: chunked(MAX_BODY_BYTES + 10),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    })
    expect(r.status).toBe(413)
    expect(await r.json()).toEqual(tooLarge(MAX_BODY_BYTES))
    expect((await fetch(`${server.url}/version`)).status).toBe(200)
  } finally {
    await server.stop()
  }
})

describe('body limit in-process (small limit)', () => {
  const dir = copyFixtures('basic')
  const app = createApp({
    ctx: { storage: new Storage(dir), settings: settingsFromEnv({}, dir) },
    version: 'test',
    writeToken: 'tok',
    mcp: { enabled: false, path: '/mcp' },
    maxBodyBytes: 1000,
  })
  const call = async (body: RequestInit['body'], headers: Record<string, string> = {}) => {
    const r = await app.handle(new Request('http://localhost/api/get_all_projects', { method: 'POST', body, headers }))
    return { status: r.status, json: await r.json() }
  }

  test('declared length over the limit is refused before reading', async () => {
    let pulled = 0
    const body = new ReadableStream({
      pull(c) {
        pulled++
        c.enqueue(new Uint8Array(10))
        if (pulled > 3) c.close()
      },
    })
    const r = await call(body, { 'content-length': '1001' })
    expect(r).toEqual({ status: 413, json: tooLarge(1000) })
    expect(pulled).toBeLessThanOrEqual(1)
  })

  test('a stream is cut as soon as it passes the limit', async () => {
    let pulled = 0
    const body = new ReadableStream({
      pull(c) {
        pulled++
        c.enqueue(new Uint8Array(300).fill(0x20))
      },
    })
    const r = await call(body)
    expect(r).toEqual({ status: 413, json: tooLarge(1000) })
    expect(pulled).toBeLessThan(10)
  })

  test('up to the limit is fine', async () => {
    const r = await call(`{}${' '.repeat(998)}`)
    expect(r.status).toBe(200)
  })
})
