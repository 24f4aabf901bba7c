import { Elysia } from 'elysia'
import { NotFoundError } from '../../errors'
import type { Invoker } from '../../tools/core/invoke'
import { entryListParams, type ToolDef } from '../../tools/core/define'
import { bindBody } from './bind-body'
import { MAX_BODY_BYTES, readJsonBody } from './body'
import { operationFor } from './openapi'
import { errorResponse, jsonResponse } from './respond'

/** Each tool's entry-list parameters, kept as request text (computed once per tool). */
const deferred = new WeakMap<ToolDef, string[]>()

async function runHttp(tool: ToolDef, request: Request, invoker: Invoker, maxBodyBytes: number): Promise<Response> {
  try {
    let lists = deferred.get(tool)
    if (!lists) deferred.set(tool, (lists = entryListParams(tool)))
    const args = bindBody(tool, await readJsonBody(request, maxBodyBytes, lists))
    return jsonResponse({ data: await invoker.invoke(tool, args, { request }) })
  } catch (err) {
    return errorResponse(err)
  }
}

/** `POST /api/{tool}` for every registered tool, plus Trackio's answers for unknown names and GET. */
export function apiRoutes(invoker: Invoker, tools: readonly ToolDef[], maxBodyBytes: number = MAX_BODY_BYTES) {
  const app = new Elysia({ name: 'trackio-api' })
  for (const tool of tools) {
    app.post(`/api/${tool.name}`, ({ request }) => runHttp(tool, request, invoker, maxBodyBytes), {
      parse: 'none',
      detail: operationFor(tool),
    })
  }
  const other = ({ request, params }: { request: Request; params: { name: string } }) => {
    if (request.method === 'GET' || request.method === 'HEAD')
      return jsonResponse({ error: 'Method Not Allowed: call tools with POST' }, 405, { allow: 'POST' })
    const known = tools.find((t) => t.name === params.name)
    if (known && request.method === 'POST') return runHttp(known, request, invoker, maxBodyBytes)
    return errorResponse(new NotFoundError(`Unknown API: ${params.name}`))
  }
  app.all('/api/:name', other, { parse: 'none', detail: { hide: true } })
  return app
}
