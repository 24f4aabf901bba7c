import { ProtocolError, ProtocolErrorCode, Server, type CallToolResult, type ServerContext, type Tool } from '@modelcontextprotocol/server'
import { BadRequestError, messageOf, statusOf } from '../../errors'
import type { ToolDef } from '../../tools/core/define'
import type { Invoker } from '../../tools/core/invoke'
import { VERSION } from '../../version'
import { complete, namesFor } from './completion'
import { getPrompt, instructions, listPrompts } from './prompts'
import { listResources, readResource, RESOURCE_TEMPLATES } from './resources'
import { DEFAULT_MCP_MAX_TOKENS } from './budget'
import { answerNote } from './notes'
import { mcpRequiredExtra, mcpToolOf } from './schemas'
import { errorResult, renderResult } from './text'

export const SERVER_NAME = 'Trackio'

/** Most resource URIs one legacy session may subscribe to (resources/subscribe). */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 256

export interface McpDeps {
  invoker: Invoker
  tools: readonly ToolDef[]
  /** The answer budget in tokens (default DEFAULT_MCP_MAX_TOKENS). */
  maxTokens?: number
}

/** What every server instance shares: the tools offered over MCP, their tools/list entries, the instructions. */
export interface McpCatalog {
  deps: McpDeps
  byName: Map<string, ToolDef>
  list: Tool[]
  instructions: string
}

export function buildCatalog(deps: McpDeps): McpCatalog {
  const offered = deps.tools.filter((t) => !t.httpOnly)
  const byName = new Map(offered.map((t) => [t.name, t]))
  return { deps, byName, list: offered.map(mcpToolOf), instructions: instructions(new Set(byName.keys())) }
}

/** A legacy session's resource subscriptions (resources/subscribe), owned by the live hub. */
export interface SessionSubscriptions {
  subscribe(uri: string): void
  unsubscribe(uri: string): void
  has(uri: string): boolean
  readonly size: number
}

/**
 * The HTTP request behind a tool call, reduced to where an MCP client may put the write token:
 * the `X-Trackio-Write-Token` / `Authorization: Bearer` headers and a `?write_token=` on the MCP URL.
 * Cookies are left out: a browser would attach them to any request it makes.
 */
function tokenSource(ctx: ServerContext): Request | null {
  const req = ctx.http?.req
  if (!req) return null
  const headers = new Headers()
  for (const name of ['x-trackio-write-token', 'authorization']) {
    const v = req.headers.get(name)
    if (v !== null) headers.set(name, v)
  }
  return new Request(req.url, { headers })
}

/** The MCP variant of a tool's parameters: some are left out, some required (Trackio's MCP signatures). */
function checkMcpVariant(tool: ToolDef, args: Record<string, unknown>): void {
  const omitted = Object.keys(args).filter((k) => tool.mcpOmit?.includes(k))
  if (omitted.length) throw new BadRequestError(`Unknown argument '${omitted[0]}' for ${tool.name}`)
  for (const name of mcpRequiredExtra(tool))
    if (args[name] === undefined || args[name] === null) throw new BadRequestError(`Missing required parameter: ${name}`)
}

type Level = 'debug' | 'info' | 'error'
/** Sends a log message for the request when the client asked for that level (or lower). */
type Logger = (ctx: ServerContext, level: Level, data: unknown) => Promise<void>

async function runTool(catalog: McpCatalog, name: string, args: Record<string, unknown>, ctx: ServerContext, log: Logger): Promise<CallToolResult> {
  const tool = catalog.byName.get(name)
  if (!tool) return errorResult(`Unknown tool: ${name}`)
  const started = performance.now()
  try {
    checkMcpVariant(tool, args)
    const { invoker, maxTokens } = catalog.deps
    const value = await invoker.invoke(tool, args, { request: tokenSource(ctx) })
    const result = renderResult(tool, value, { maxTokens: maxTokens ?? DEFAULT_MCP_MAX_TOKENS, note: answerNote(invoker.ctx, tool, args, value) })
    // Sent only when the request asked for log messages (per-request level on 2026-07-28, logging/setLevel before).
    await log(ctx, 'debug', { tool: name, ms: Math.round(performance.now() - started) })
    return result
  } catch (err) {
    if (statusOf(err) >= 500) console.error(`trackio: internal error in MCP tool ${name}:`, err)
    await log(ctx, statusOf(err) >= 500 ? 'error' : 'info', { tool: name, error: messageOf(err) })
    return errorResult(`Error executing tool ${name}: ${messageOf(err)}`)
  }
}

const SEVERITY = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']

/**
 * 2026-07-28: the SDK sends a message only when the request's `_meta` names a log level, at or
 * above it. 2025 sessions: only after the client chose a level with logging/setLevel (the SDK
 * would otherwise send every level to a client that never asked).
 */
function logger(legacyLevel: () => string | null | undefined): Logger {
  return async (ctx, level, data) => {
    const chosen = legacyLevel()
    if (chosen === null) return
    if (chosen !== undefined && SEVERITY.indexOf(level) < SEVERITY.indexOf(chosen)) return
    try {
      await ctx.mcpReq.log(level, data, 'trackio')
    } catch {
      // The client went away: nothing to do.
    }
  }
}

/** Arguments a completion may take from: those already chosen in the prompt or template. */
function chosenOf(context: { arguments?: Record<string, string> } | undefined): Record<string, string | undefined> {
  return { ...(context?.arguments ?? {}) }
}

/**
 * One MCP server instance: per legacy session (with its subscriptions), or per modern request.
 * Both eras get the same tools, resources, prompts and completions.
 */
export function createMcpServer(catalog: McpCatalog, subscriptions?: SessionSubscriptions): Server {
  const { ctx } = catalog.deps.invoker
  // undefined: a modern instance (the request decides); null: a legacy session that chose no level.
  let level: string | null | undefined = subscriptions ? null : undefined
  const log = logger(() => level)
  const server = new Server(
    { name: SERVER_NAME, version: VERSION },
    {
      capabilities: {
        tools: { listChanged: false },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: false },
        completions: {},
        logging: {},
      },
      instructions: catalog.instructions,
      // 2026-07-28 cache hints: the catalogue changes only with a new binary; run lists move while training.
      cacheHints: {
        'server/discover': { ttlMs: 3_600_000, cacheScope: 'public' },
        'tools/list': { ttlMs: 3_600_000, cacheScope: 'public' },
        'prompts/list': { ttlMs: 3_600_000, cacheScope: 'public' },
        'resources/templates/list': { ttlMs: 3_600_000, cacheScope: 'public' },
        'resources/list': { ttlMs: 2_000, cacheScope: 'private' },
        'resources/read': { ttlMs: 1_000, cacheScope: 'private' },
      },
    },
  )
  server.setRequestHandler('tools/list', () => ({ tools: catalog.list }))
  server.setRequestHandler('tools/call', (request, c) => runTool(catalog, request.params.name, request.params.arguments ?? {}, c, log))
  server.setRequestHandler('resources/list', (request) => listResources(ctx, request.params?.cursor))
  server.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: RESOURCE_TEMPLATES }))
  server.setRequestHandler('resources/read', (request) => readResource(ctx, request.params.uri))
  server.setRequestHandler('prompts/list', () => ({ prompts: listPrompts() }))
  server.setRequestHandler('prompts/get', (request) => getPrompt(request.params.name, request.params.arguments, new Set(catalog.byName.keys())))
  server.setRequestHandler('completion/complete', (request) => {
    const names = namesFor(ctx, request.params.argument.name, chosenOf(request.params.context))
    return { completion: complete(names, request.params.argument.value) }
  })
  if (subscriptions) {
    server.setRequestHandler('logging/setLevel', (request) => {
      level = request.params.level
      return {}
    })
    server.setRequestHandler('resources/subscribe', (request) => {
      if (subscriptions.size >= MAX_SUBSCRIPTIONS_PER_SESSION && !subscriptions.has(request.params.uri))
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `At most ${MAX_SUBSCRIPTIONS_PER_SESSION} subscriptions per session; unsubscribe from some first`)
      subscriptions.subscribe(request.params.uri)
      return {}
    })
    server.setRequestHandler('resources/unsubscribe', (request) => {
      subscriptions.unsubscribe(request.params.uri)
      return {}
    })
  }
  return server
}
