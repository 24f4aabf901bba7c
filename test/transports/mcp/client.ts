import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'

type FetchFn = (url: string | URL, init?: RequestInit) => Promise<Response>

/**
 * JSON parsed so that nothing is lost for comparison: every number becomes `{$n: …}` tagged
 * int (exact digits, any size) or float (its value, so `1e-07` and `1e-7` are equal).
 */
export function lossless(text: string): unknown {
  return JSON.parse(text, ((_k: string, v: unknown, ctx: { source: string }) =>
    typeof v === 'number' ? { $n: /^-?\d+$/.test(ctx.source) ? `int:${BigInt(ctx.source)}` : `float:${Number(ctx.source)}` } : v) as never)
}

/** The `data:` payloads of an SSE body. */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((frame) =>
      frame
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((d) => d !== '')
}

export interface McpConn {
  client: Client
  transport: StreamableHTTPClientTransport
  /** The raw JSON-RPC reply text to the request with this id (from the wire, before JSON.parse). */
  rawReply(id: number): Promise<string>
  /** The id of the last tools/call request sent. */
  lastCallId(): number
  close(): Promise<void>
}

/**
 * The SDK's own client on StreamableHTTPClientTransport, with a fetch that also keeps each POST
 * reply's wire text, so tests can compare big integers and floats exactly.
 */
export async function connectMcp(url: string, o: { headers?: Record<string, string>; fetch?: FetchFn } = {}): Promise<McpConn> {
  const base: FetchFn = o.fetch ?? ((u, i) => fetch(u, i))
  const replies = new Map<number, Promise<string>>()
  let lastCall = -1
  const capture: FetchFn = async (u, init) => {
    const res = await base(u, init)
    let ids: number[] = []
    if (init?.method === 'POST' && typeof init.body === 'string') {
      const msg = JSON.parse(init.body)
      for (const m of Array.isArray(msg) ? msg : [msg]) {
        if (typeof m.id === 'number') ids.push(m.id)
        if (m.method === 'tools/call') lastCall = m.id
      }
    }
    if (!ids.length || !res.body) return res
    const [mine, theirs] = res.body.tee()
    const text = new Response(mine).text()
    for (const id of ids) {
      const reply = text.then((t) => {
          const isSse = (res.headers.get('content-type') ?? '').includes('text/event-stream')
          const found = (isSse ? sseData(t) : [t]).find((d) => {
            const m = JSON.parse(d)
            return m.id === id
          })
          if (found === undefined) throw new Error(`no reply to request ${id} in ${t}`)
          return found
        })
      // Replies nobody asks for may fail when the client closes mid-stream; that is not a test failure.
      reply.catch(() => {})
      replies.set(id, reply)
    }
    return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers })
  }
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: capture as never,
    requestInit: o.headers ? { headers: o.headers } : undefined,
  })
  const client = new Client({ name: 'trackio-test', version: '1.0.0' })
  await client.connect(transport)
  return {
    client,
    transport,
    rawReply: (id) => replies.get(id) ?? Promise.reject(new Error(`request ${id} was not captured`)),
    lastCallId: () => lastCall,
    close: () => client.close(),
  }
}

/** A raw MCP POST (for the transport's status codes), JSON-RPC body, default headers overridable. */
export function rawPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

export const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
}
