import { Elysia } from 'elysia'
import { NotFoundError } from '../../errors'
import type { ToolContext, ToolDef } from '../../tools/core/define'
import { TOOLS } from '../../tools/registry'
import { createInvoker, writeTokenAuthorizer, type Authorizer } from '../../tools/core/invoke'
import { apiRoutes, toolHandler } from './api'
import { artifactBlobRoute } from './artifact-blob'
import { runMutationStatusRoute } from './run-mutation-status'
import { checkContentLength, limitedRequest, MAX_BODY_BYTES, serverBodyLimit } from './body'
import { dashboardRoutes } from './dashboard'
import { createGuard, type GuardOptions } from './guard'
import { openapiPlugin } from './openapi'
import { errorResponse, jsonResponse } from './respond'
import { RequestCache } from './request-cache'
import { swaggerAssets } from './swagger-assets'
import { DEFAULT_MAX_UPLOAD_BYTES, stagingLimitsFor, UploadStaging } from '../../storage/write/upload-staging'
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
  /** `POST /api/upload`'s own limit (default DEFAULT_MAX_UPLOAD_BYTES): files are streamed to disk. */
  maxUploadBytes?: number
  /** Who may run write tools (default: the write token). */
  authorize?: Authorizer
}

/** The path of a request URL as sent (`//api/x` stays as it is), without the query. */
function pathOf(url: string): string {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '')
  const q = path.indexOf('?')
  return q < 0 ? path : path.slice(0, q)
}

/**
 * `POST /api/{tool}` handlers for Bun.serve's own routes, in front of Elysia (see serveApp): the same
 * guard, body limit and tool call, without the router's work on every request. A path Bun matched but
 * Elysia would not (`//api/x`: Bun normalises it) goes to Elysia.
 */
const directRoutes = new WeakMap<object, Record<string, { POST: (request: Request) => Response | Promise<Response> }>>()

export function createApp(o: AppOptions) {
  const guard = createGuard(o.guard ?? {})
  const maxBody = o.maxBodyBytes ?? MAX_BODY_BYTES
  const maxUpload = o.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES
  const ctx: ToolContext = o.ctx.uploads ? o.ctx : { ...o.ctx, uploads: new UploadStaging(stagingLimitsFor(maxUpload)) }
  const authorize = o.authorize ?? writeTokenAuthorizer(o.writeToken)
  const invoker = createInvoker(ctx, authorize)
  const cache = new RequestCache(ctx.storage)
  const tools = o.tools ?? TOOLS
  // The checks every request gets, on both routes in: the guard (a refusal, or the headers every answer
  // carries), then the declared body size (a 413 with those headers).
  const admit = (request: Request, limit: number): Response | Record<string, string> => {
    const g = guard(request)
    if (g instanceof Response) return g
    try {
      checkContentLength(request, limit)
    } catch (err) {
      const refused = errorResponse(err)
      for (const name in g) refused.headers.set(name, g[name]!)
      return refused
    }
    return g
  }
  const app = new Elysia({ serve: { maxRequestBodySize: serverBodyLimit(maxBody) } })
    .onRequest(({ request, set }) => {
      const g = admit(request, pathOf(request.url) === '/api/upload' ? maxUpload : maxBody)
      if (g instanceof Response) return g
      Object.assign(set.headers, g)
    })
    // Whatever Elysia itself answers (no route, a parse or validation failure of its own) is JSON too.
    .onError(({ code, error, request }) =>
      code === 'NOT_FOUND' ? errorResponse(new NotFoundError(`Not found: ${request.method} ${pathOf(request.url)}`)) : errorResponse(error),
    )
    .use(openapiPlugin(o.version))
    .use(swaggerAssets)
    .use(uploadRoute(ctx.uploads!, (request) => authorize(bulkUploadMedia, { request }, new Map()), maxUpload))
    .use(fileRoute(mediaRoot(o.ctx.storage.dataDir)))
    .use(apiRoutes(invoker, tools, maxBody, cache))
    .use(artifactBlobRoute(o.ctx.storage.dataDir))
    .use(runMutationStatusRoute(o.writeToken))
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
  app.use(dashboardRoutes(o.writeToken))
  const routes: Record<string, { POST: (request: Request) => Promise<Response> }> = {}
  for (const tool of tools) {
    const path = `/api/${tool.name}`
    const run = toolHandler(tool, invoker, maxBody, cache)
    routes[path] = {
      POST: async (request) => {
        if (pathOf(request.url) !== path) return app.handle(request)
        const g = admit(request, maxBody)
        if (g instanceof Response) return g
        const response = await run(request) // answers errors itself
        for (const name in g) response.headers.set(name, g[name]!)
        return response
      },
    }
  }
  directRoutes.set(app, routes)
  return app
}

export interface ServeOptions {
  hostname: string
  port: number
  /** Request body limit handed to Bun (see serverBodyLimit). */
  maxBodyBytes?: number
  /** Called with one access-log line per request (--log-requests). */
  logRequest?: (line: string) => void
}

/**
 * Listen with Bun.serve directly rather than Elysia's `listen`: that one turns SO_REUSEPORT on (two
 * servers would share a port and answer its requests in turn) and would let early answers (the
 * Host guard) pass by an access log. Every request goes through `app.fetch`.
 */
export async function serveApp(app: ReturnType<typeof createApp>, o: ServeOptions): Promise<Bun.Server<undefined>> {
  await app.modules
  const handle = app.fetch as (request: Request) => Response | Promise<Response>
  const log = o.logRequest
  const fetch = log
    ? async (request: Request): Promise<Response> => {
        const t0 = performance.now()
        let status = 500
        try {
          const response = await handle(request)
          status = response.status
          return response
        } finally {
          log(accessLogLine(request.method, request.url, status, performance.now() - t0))
        }
      }
    : handle
  return Bun.serve({
    hostname: o.hostname,
    port: o.port,
    // Without an access log, tool calls take Bun's own routes (createApp); the log sees every request through fetch.
    routes: log ? undefined : directRoutes.get(app),
    reusePort: false,
    idleTimeout: 30,
    development: false,
    maxRequestBodySize: serverBodyLimit(o.maxBodyBytes ?? MAX_BODY_BYTES),
    fetch,
  })
}

/** Longest path (with query) an access-log line shows. */
const LOG_PATH_CHARS = 300

/**
 * `METHOD /path?query STATUS 1.2ms`: the query's write_token values replaced by `***` (the token is
 * never logged; headers are not logged at all), anything unprintable percent-encoded, long paths cut.
 */
export function accessLogLine(method: string, url: string, status: number, ms: number): string {
  let target = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/'
  const q = target.indexOf('?')
  if (q >= 0) {
    const query = target
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        const name = eq < 0 ? pair : pair.slice(0, eq)
        let decoded = name
        try {
          decoded = decodeURIComponent(name.replace(/\+/g, ' '))
        } catch {
          /* keep as sent */
        }
        return decoded.trim().toLowerCase() === 'write_token' ? `${name}=***` : pair
      })
      .join('&')
    target = `${target.slice(0, q)}?${query}`
  }
  target = target.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c))
  if (target.length > LOG_PATH_CHARS) target = `${target.slice(0, LOG_PATH_CHARS)}...`
  const m = /^[A-Z]{1,16}$/.test(method) ? method : method.replace(/[^\x21-\x7e]/g, '?').slice(0, 16)
  return `${m} ${target} ${status} ${ms.toFixed(1)}ms`
}
