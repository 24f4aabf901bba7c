import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js'
import { BadRequestError, messageOf, statusOf } from '../../errors'
import type { ToolDef } from '../../tools/core/define'
import type { Invoker } from '../../tools/core/invoke'
import { VERSION } from '../../version'
import { mcpRequiredExtra, mcpToolOf } from './schemas'
import { DEFAULT_MCP_MAX_TOKENS } from './budget'
import { answerNote } from './notes'
import { errorResult, renderResult } from './text'

export const SERVER_NAME = 'Trackio'
export const INSTRUCTIONS = 'Inspect and manage Trackio experiment data.'

export interface McpDeps {
  invoker: Invoker
  tools: readonly ToolDef[]
  /** The answer budget in tokens (default DEFAULT_MCP_MAX_TOKENS). */
  maxTokens?: number
}

/** What every session's server shares: the tools offered over MCP and their tools/list entries. */
export interface McpCatalog {
  deps: McpDeps
  byName: Map<string, ToolDef>
  list: Tool[]
}

export function buildCatalog(deps: McpDeps): McpCatalog {
  const offered = deps.tools.filter((t) => !t.httpOnly)
  return { deps, byName: new Map(offered.map((t) => [t.name, t])), list: offered.map(mcpToolOf) }
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>

/**
 * The HTTP request behind a tool call, reduced to where an MCP client may put the write token:
 * the `X-Trackio-Write-Token` / `Authorization: Bearer` headers and a `?write_token=` on the MCP URL.
 * Cookies are left out: a browser would attach them to any request it makes.
 */
function tokenSource(extra: Extra): Request | null {
  const info = extra.requestInfo
  if (!info) return null
  const headers = new Headers()
  for (const name of ['x-trackio-write-token', 'authorization']) {
    const v = info.headers[name]
    if (v !== undefined) headers.set(name, Array.isArray(v) ? v.join(', ') : v)
  }
  return new Request(String(info.url ?? 'http://localhost/mcp/'), { headers })
}

/** The MCP variant of a tool's parameters: some are left out, some required (Trackio's MCP signatures). */
function checkMcpVariant(tool: ToolDef, args: Record<string, unknown>): void {
  const omitted = Object.keys(args).filter((k) => tool.mcpOmit?.includes(k))
  if (omitted.length) throw new BadRequestError(`Unknown argument '${omitted[0]}' for ${tool.name}`)
  for (const name of mcpRequiredExtra(tool))
    if (args[name] === undefined || args[name] === null) throw new BadRequestError(`Missing required parameter: ${name}`)
}

async function runTool(catalog: McpCatalog, name: string, args: Record<string, unknown>, extra: Extra): Promise<CallToolResult> {
  const tool = catalog.byName.get(name)
  if (!tool) return errorResult(`Unknown tool: ${name}`)
  try {
    checkMcpVariant(tool, args)
    const { invoker, maxTokens } = catalog.deps
    const value = await invoker.invoke(tool, args, { request: tokenSource(extra) })
    return renderResult(tool, value, { maxTokens: maxTokens ?? DEFAULT_MCP_MAX_TOKENS, note: answerNote(invoker.ctx, tool, args, value) })
  } catch (err) {
    if (statusOf(err) >= 500) console.error(`trackio: internal error in MCP tool ${name}:`, err)
    return errorResult(`Error executing tool ${name}: ${messageOf(err)}`)
  }
}

/** One MCP server (one per session: an SDK Server serves a single transport). */
export function createMcpServer(catalog: McpCatalog): Server {
  const server = new Server(
    { name: SERVER_NAME, version: VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  )
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: catalog.list }))
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    runTool(catalog, request.params.name, request.params.arguments ?? {}, extra),
  )
  return server
}
