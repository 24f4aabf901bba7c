import { Elysia } from 'elysia'
import type { ToolContext, ToolDef } from '../../tools/define'
import { TOOLS } from '../../tools/registry'
import { presentedToken, requireWriteToken } from '../write-token'
import { apiRoutes, type ToolGate } from './api'
import { openapiPlugin } from './openapi'
import { jsonResponse } from './respond'
import { swaggerAssets } from './swagger-assets'

/** Trackio's Python client requires api_version 1; `version` is the Trackio release we match. */
export const TRACKIO_COMPAT_VERSION = '0.36.0'

export interface AppOptions {
  ctx: ToolContext
  /** Our own version, shown in the OpenAPI document. */
  version: string
  writeToken: string
  mcp: { enabled: boolean; path: string }
  /** The MCP handler, mounted at /mcp and /mcp/ when enabled. */
  mcpHandler?: (request: Request) => Promise<Response>
  tools?: readonly ToolDef[]
  maxBodyBytes?: number
}

function writeGate(token: string): ToolGate {
  return (tool, request, args) => {
    if (tool.access !== 'write') return
    requireWriteToken(token, presentedToken(request, args.write_token), `call ${tool.name}`)
  }
}

export function createApp(o: AppOptions) {
  const app = new Elysia({ serve: { maxRequestBodySize: o.maxBodyBytes } })
    .use(openapiPlugin(o.version))
    .use(swaggerAssets)
    .use(apiRoutes(o.ctx, writeGate(o.writeToken), o.tools ?? TOOLS))
  const version = () =>
    jsonResponse({
      version: TRACKIO_COMPAT_VERSION,
      api_version: 1,
      api_transport: 'http',
      mcp_enabled: o.mcp.enabled,
      mcp_path: o.mcp.enabled ? o.mcp.path : null,
    })
  app.get('/version', version, { detail: { tags: ['server'], summary: 'Server version and MCP status (Trackio clients require api_version 1).' } })
  app.get('/', ({ set }) => {
    set.headers['content-type'] = 'text/plain; charset=utf-8'
    return `Trackio server ${o.version}\n\nAPI docs: /swagger\nOpenAPI: /swagger/json\nTools: POST /api/{tool}\n${o.mcp.enabled ? `MCP: ${o.mcp.path}/\n` : ''}`
  }, { detail: { hide: true } })
  return app
}
