import { randomUUID } from 'node:crypto'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { TOOLS } from '../../tools/registry'
import type { ToolContext, ToolDef } from '../../tools/core/define'
import { createInvoker, writeTokenAuthorizer, type Authorizer } from '../../tools/core/invoke'
import { readText } from '../http/body'
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
  /** Idle sessions are closed after this long (default 30 minutes). */
  idleTtlMs?: number
  /** Open sessions are capped at this many; the least recently used goes first (default 1000). */
  maxSessions?: number
  /** Sweep interval for idle sessions (default 1 minute). */
  sweepMs?: number
  /** The clock sessions age by (tests inject one). */
  now?: () => number
}

export interface McpHandler {
  /** Streamable HTTP at /mcp and /mcp/: POST messages, GET the server stream, DELETE the session. */
  handle(request: Request): Promise<Response>
  /** Close every session (server shutdown). */
  close(): void
  readonly sessionCount: number
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport
  server: Server
}

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
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

/** The POST body parsed losslessly; on a syntax error, a fresh request the SDK answers with its Parse error. */
async function readPost(request: Request): Promise<{ request: Request; body?: unknown }> {
  const text = await readText(request)
  try {
    return { request, body: JSON.parse(text, losslessReviver as (k: string, v: unknown) => unknown) }
  } catch {
    return { request: new Request(request.url, { method: 'POST', headers: request.headers, body: text }) }
  }
}

/**
 * The GET stream with an SSE comment in front: Bun sends a streamed response's headers with its
 * first chunk, and the server stream may stay silent until the first keep-alive (15 s).
 */
function flushed(response: Response): Response {
  if (!response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) return response
  const reader = response.body.getReader()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(': stream open\n\n'))
    },
    async pull(controller) {
      const { value, done } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/** Messages one JSON-RPC batch may hold (MCP 2025-06-18 dropped batches; older clients send a few). */
export const MAX_BATCH = 32

/**
 * A batch runs its calls at once and answers them together, so one POST of N calls would hold N
 * answers in memory: at most one tools/call per batch (the rest is cheap), at most MAX_BATCH messages.
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
  const close = (s: Session) => {
    void s.transport.close().catch(() => {})
  }
  const sessions = new SessionStore<Session>(
    { idleTtlMs: o.idleTtlMs ?? 30 * 60_000, maxSessions: o.maxSessions ?? 1000, sweepMs: o.sweepMs ?? 60_000, now: o.now },
    (_id, s) => close(s),
  )

  async function forward(s: Session, request: Request): Promise<Response> {
    if (request.method === 'GET') return flushed(await s.transport.handleRequest(request))
    if (request.method !== 'POST') return s.transport.handleRequest(request)
    const post = await readPost(request)
    const refused = batchRefusal(post.body)
    if (refused) return refused
    return s.transport.handleRequest(post.request, post.body === undefined ? undefined : { parsedBody: post.body })
  }

  async function open(request: Request): Promise<Response> {
    const post = await readPost(request)
    if (post.body === undefined) return rpcError(400, -32700, 'Parse error: Invalid JSON')
    const refused = batchRefusal(post.body)
    if (refused) return refused
    if (!isInitialize(post.body)) return rpcError(400, -32000, 'Bad Request: Missing session ID')
    const server = createMcpServer(catalog)
    const session: Session = {
      server,
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID().replaceAll('-', ''),
        onsessioninitialized: (id) => sessions.add(id, session),
        onsessionclosed: (id) => sessions.remove(id),
      }),
    }
    await server.connect(session.transport)
    const response = await session.transport.handleRequest(post.request, { parsedBody: post.body })
    // Rejected before a session existed (bad Accept, Content-Type, protocol version): nothing to keep.
    if (session.transport.sessionId === undefined) close(session)
    return response
  }

  return {
    async handle(request) {
      const sid = request.headers.get('mcp-session-id')
      if (sid !== null) {
        const s = sessions.get(sid)
        return s ? forward(s, request) : rpcError(404, -32001, 'Session not found')
      }
      if (request.method === 'POST') return open(request)
      if (request.method === 'GET' || request.method === 'DELETE') return rpcError(400, -32000, 'Bad Request: Missing session ID')
      return rpcError(405, -32000, 'Method not allowed.', { allow: 'GET, POST, DELETE' })
    },
    close: () => sessions.clear(),
    get sessionCount() {
      return sessions.size
    },
  }
}
