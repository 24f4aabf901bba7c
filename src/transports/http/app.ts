import { Elysia } from 'elysia'
import { NotFoundError } from '../../errors'
import type { ToolContext, ToolDef } from '../../tools/core/define'
import { TOOLS } from '../../tools/registry'
import { createInvoker, writeTokenAuthorizer, type Authorizer } from '../../tools/core/invoke'
import { apiRoutes } from './api'
import { checkContentLength, limitedRequest, MAX_BODY_BYTES, serverBodyLimit } from './body'
import { createGuard, type GuardOptions } from './guard'
import { openapiPlugin } from './openapi'
import { errorResponse, jsonResponse } from './respond'
import { swaggerAssets } from './swagger-assets'
import { UploadStaging } from '../../storage/write/upload-staging'
import { mediaRoot } from '../../storage/read/media-files'
import { fileRoute } from './file-route'
import { uploadRoute } from './upload'
import bulkUploadMedia from '../../tools/bulk-upload-media'

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
  /** Host/Origin guard applied to every route (allowed hosts, CORS origin, bound address). */
  guard?: GuardOptions
  tools?: readonly ToolDef[]
  /** Request body limit (default MAX_BODY_BYTES); larger bodies get 413 with a JSON error. */
  maxBodyBytes?: number
  /** Who may run write tools (default: the write token). */
  authorize?: Authorizer
}

export function createApp(o: AppOptions) {
  const guard = createGuard(o.guard ?? {})
  const maxBody = o.maxBodyBytes ?? MAX_BODY_BYTES
  const ctx: ToolContext = o.ctx.uploads ? o.ctx : { ...o.ctx, uploads: new UploadStaging() }
  const authorize = o.authorize ?? writeTokenAuthorizer(o.writeToken)
  const app = new Elysia({ serve: { maxRequestBodySize: serverBodyLimit(maxBody) } })
    .onRequest(({ request, set }) => {
      const g = guard(request)
      if (g instanceof Response) return g
      Object.assign(set.headers, g)
      try {
        checkContentLength(request, maxBody)
      } catch (err) {
        return errorResponse(err)
      }
    })
    .use(openapiPlugin(o.version))
    .use(swaggerAssets)
    .use(uploadRoute(ctx.uploads!, (request) => authorize(bulkUploadMedia, { request }, new Map()), maxBody))
    .use(fileRoute(mediaRoot(o.ctx.storage.dataDir)))
    .use(apiRoutes(createInvoker(ctx, authorize), o.tools ?? TOOLS, maxBody))
  const version = () =>
    jsonResponse({
      version: TRACKIO_COMPAT_VERSION,
      api_version: 1,
      api_transport: 'http',
      mcp_enabled: o.mcp.enabled,
      mcp_path: o.mcp.enabled ? o.mcp.path : null,
    })
  app.get('/version', version, { detail: { tags: ['server'], summary: 'Server version and MCP status (Trackio clients require api_version 1).' } })
  const mcp = ({ request }: { request: Request }) =>
    o.mcp.enabled && o.mcpHandler
      ? o.mcpHandler(limitedRequest(request, maxBody)).catch(errorResponse)
      : errorResponse(new NotFoundError('MCP is not enabled on this server. Start it with `trackio show --mcp-server` (or set GRADIO_MCP_SERVER=True).'))
  app.all('/mcp', mcp, { parse: 'none', detail: { hide: true } })
  app.all('/mcp/', mcp, { parse: 'none', detail: { hide: true } })
  app.get('/', ({ set }) => {
    set.headers['content-type'] = 'text/plain; charset=utf-8'
    return `Trackio server ${o.version}\n\nAPI docs: /swagger\nOpenAPI: /swagger/json\nTools: POST /api/{tool}\n${o.mcp.enabled ? `MCP: ${o.mcp.path}/\n` : ''}`
  }, { detail: { hide: true } })
  return app
}
