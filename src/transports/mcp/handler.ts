import { randomUUID } from 'node:crypto'
import { createMcpHandler as createModernHandler, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type Server } from '@modelcontextprotocol/server'
import { ChangeWatcher } from '../../storage/read/change-watch'
import { TOOLS } from '../../tools/registry'
import type { ToolContext, ToolDef } from '../../tools/core/define'
import { createInvoker, writeTokenAuthorizer, type Authorizer } from '../../tools/core/invoke'
import { MAX_BODY_BYTES, readText } from '../http/body'
import { LiveHub } from './live'
import { listenUris } from './modern'
import { buildCatalog, createMcpServer } from './server'
import { SessionStore } from './sessions'

export interface McpHandlerOptions {
  ctx: ToolContext
  writeToken: string
  /** Who may run write tools (default: the write token). */
  authorize?: Authorizer
  /** The token budget of one tool answer (default 20,000). */
  maxTokens?: number
  tools?: readonly ToolDef[]
  /** Idle legacy sessions are closed after this long (default 30 minutes). */
  idleTtlMs?: number
  /** Open legacy sessions are capped at this many; the least recently used goes first (default 1000). */
  maxSessions?: number
  /** Sweep interval for idle sessions (default 1 minute). */
  sweepMs?: number
  /** The clock sessions age by (tests inject one). */
  now?: () => number
  /** Open 2026-07-28 `subscriptions/listen` streams are capped at this many (default 256). */
  maxListenStreams?: number
  /** The change watcher feeding subscriptions (default: one on ctx.storage's data directory). */
  watcher?: ChangeWatcher
}

export interface McpHandler {
  /**
   * Streamable HTTP at /mcp and /mcp/, both eras: 2026-07-28 requests (per-request `_meta`, no
   * session) and 2025-era sessions (initialize, Mcp-Session-Id, GET stream, DELETE).
   */
  handle(request: Request): Promise<Response>
  /** Close every session and listen stream, stop watching (server shutdown). */
  close(): void
  readonly sessionCount: number
  /** Resource URIs held by open 2026-07-28 listen streams (released when a stream ends). */
  readonly listenUriCount: number
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport
  server: Server
  closeSubscriptions(): void
}

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}, id: unknown = null): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** Integers beyond 2^53 arrive as bigint, so `step: 9007199254740993` is not rounded on the way in. */
function losslessReviver(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source))
    return BigInt(context.source)
  return value
}

/** The POST body, parsed losslessly (undefined when it is not JSON), and a fresh request carrying the same bytes. */
async function readPost(request: Request): Promise<{ request: Request; body?: unknown }> {
  const text = await readText(request)
  const copy = new Request(request.url, { method: 'POST', headers: request.headers, body: text })
  try {
    return { request: copy, body: JSON.parse(text, losslessReviver as (k: string, v: unknown) => unknown) }
  } catch {
    return { request: copy }
  }
}

/**
 * An SSE response with a comment in front: Bun sends a streamed response's headers with its
 * first chunk, and a server stream may stay silent until the first keep-alive (15 s).
 * `onEnd` runs once when the stream ends or the client goes away.
 */
function flushed(response: Response, onEnd?: () => void): Response {
  if (!response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    onEnd?.()
    return response
  }
  const reader = response.body.getReader()
  let ended = false
  const end = () => {
    if (!ended) (ended = true), onEnd?.()
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(': stream open\n\n'))
    },
    async pull(controller) {
      try {
        const { value, done } = await reader.read()
        if (done) {
          end()
          controller.close()
        } else controller.enqueue(value)
      } catch (err) {
        end()
        controller.error(err)
      }
    },
    cancel(reason) {
      end()
      return reader.cancel(reason)
    },
  })
  const headers = new Headers(response.headers)
  headers.set('x-accel-buffering', 'no')
  return new Response(body, { status: response.status, statusText: response.statusText, headers })
}

/** Messages one JSON-RPC batch may hold (MCP 2025-06-18 dropped batches; older clients send a few). */
export const MAX_BATCH = 32

/**
 * A batch runs its calls at once and answers them together, so one POST of N calls would hold N
 * answers in memory: at most one tools/call per batch (the rest is cheap), at most MAX_BATCH messages.
 * (2026-07-28 has no batches; the SDK refuses them on that path.)
 */
function batchRefusal(body: unknown): Response | null {
  if (!Array.isArray(body)) return null
  if (body.length > MAX_BATCH)
    return rpcError(400, -32600, `Invalid Request: a JSON-RPC batch may hold at most ${MAX_BATCH} messages (got ${body.length}); send them in separate requests`)
  const calls = body.filter((m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'tools/call').length
  if (calls > 1)
    return rpcError(400, -32600, `Invalid Request: a JSON-RPC batch may hold at most one tools/call (got ${calls}); send the calls in separate requests`)
  return null
}

function isInitialize(body: unknown): boolean {
  const one = (m: unknown) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize'
  return Array.isArray(body) ? body.some(one) : one(body)
}

export function createMcpHandler(o: McpHandlerOptions): McpHandler {
  const invoker = createInvoker(o.ctx, o.authorize ?? writeTokenAuthorizer(o.writeToken))
  const catalog = buildCatalog({ invoker, tools: o.tools ?? TOOLS, maxTokens: o.maxTokens })
  const modern = createModernHandler(() => createMcpServer(catalog), {
    legacy: 'reject',
    maxSubscriptions: o.maxListenStreams ?? 256,
    maxRequestBodySize: MAX_BODY_BYTES,
    // Rejected requests are answered on the wire already; nothing more to report.
    onerror: () => {},
  })
  const watcher = o.watcher ?? new ChangeWatcher(o.ctx.storage)
  const hub = new LiveHub(watcher, modern.notify)
  const close = (s: Session) => {
    s.closeSubscriptions()
    void s.transport.close().catch(() => {})
  }
  const sessions = new SessionStore<Session>(
    { idleTtlMs: o.idleTtlMs ?? 30 * 60_000, maxSessions: o.maxSessions ?? 1000, sweepMs: o.sweepMs ?? 60_000, now: o.now },
    (_id, s) => close(s),
  )

  async function serveModern(post: { request: Request; body?: unknown }): Promise<Response> {
    const uris = listenUris(post.body)
    if (uris instanceof Response) return uris
    const response = await modern.fetch(post.request, { parsedBody: post.body })
    if (uris === null) return response
    // A listen stream: its URIs are watched while it is open.
    return flushed(response, hub.hold(uris))
  }

  async function forward(s: Session, request: Request, post?: { request: Request; body?: unknown }): Promise<Response> {
    if (request.method === 'GET') return flushed(await s.transport.handleRequest(request))
    if (!post) return s.transport.handleRequest(request)
    return s.transport.handleRequest(post.request, post.body === undefined ? undefined : { parsedBody: post.body })
  }

  async function open(post: { request: Request; body?: unknown }): Promise<Response> {
    if (post.body === undefined) return rpcError(400, -32700, 'Parse error: Invalid JSON')
    if (!isInitialize(post.body)) return rpcError(400, -32000, 'Bad Request: Missing session ID')
    const server = createMcpServerForSession()
    const session: Session = {
      server: server.server,
      closeSubscriptions: server.closeSubscriptions,
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID().replaceAll('-', ''),
        onsessioninitialized: (id) => sessions.add(id, session),
        onsessionclosed: (id) => {
          sessions.remove(id)
          server.closeSubscriptions()
        },
      }),
    }
    await server.server.connect(session.transport)
    const response = await session.transport.handleRequest(post.request, { parsedBody: post.body })
    // Rejected before a session existed (bad Accept, Content-Type, protocol version): nothing to keep.
    if (session.transport.sessionId === undefined) close(session)
    return response
  }

  function createMcpServerForSession(): { server: Server; closeSubscriptions(): void } {
    let server: Server | undefined
    const subs = hub.session({
      updated: (uri) => void server?.sendResourceUpdated({ uri }).catch(() => {}),
      listChanged: () => void server?.sendResourceListChanged().catch(() => {}),
    })
    server = createMcpServer(catalog, subs)
    return { server, closeSubscriptions: subs.close }
  }

  return {
    async handle(request) {
      if (request.method === 'POST') {
        const post = await readPost(request)
        if (!(await isLegacyRequest(post.request, post.body))) return serveModern(post)
        const refused = batchRefusal(post.body)
        if (refused) return refused
        const sid = request.headers.get('mcp-session-id')
        if (sid === null) return open(post)
        const s = sessions.get(sid)
        return s ? forward(s, request, post) : rpcError(404, -32001, 'Session not found')
      }
      if (request.method === 'GET' || request.method === 'DELETE') {
        const sid = request.headers.get('mcp-session-id')
        if (sid === null) return rpcError(400, -32000, 'Bad Request: Missing session ID')
        const s = sessions.get(sid)
        return s ? forward(s, request) : rpcError(404, -32001, 'Session not found')
      }
      return rpcError(405, -32000, 'Method not allowed.', { allow: 'GET, POST, DELETE' })
    },
    close: () => {
      sessions.clear()
      watcher.close()
      void modern.close().catch(() => {})
    },
    get sessionCount() {
      return sessions.size
    },
    get listenUriCount() {
      return hub.heldUris
    },
  }
}
