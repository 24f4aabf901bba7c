import { Elysia } from 'elysia'
import { NotFoundError } from '../../errors'
import type { Invoker } from '../../tools/core/invoke'
import { entryListParams, type ToolDef } from '../../tools/core/define'
import { bindBody } from './bind-body'
import { decodeBody, MAX_BODY_BYTES, parseBodyText, readBodyBytes } from './body'
import { operationFor } from './openapi'
import { keptWhenRead, type RequestCache } from './request-cache'
import { errorResponse, jsonBody, jsonResponse } from './respond'

const JSON_HEADERS = { 'content-type': 'application/json' }

/** Each tool's entry-list parameters, kept as request text (computed once per tool). */
const deferred = new WeakMap<ToolDef, string[]>()

async function runHttp(tool: ToolDef, request: Request, invoker: Invoker, maxBodyBytes: number, cache?: RequestCache): Promise<Response> {
  try {
    let lists = deferred.get(tool)
    if (!lists) deferred.set(tool, (lists = entryListParams(tool)))
    const body = decodeBody(await readBodyBytes(request, maxBodyBytes))
    const kept = cache?.lookup(tool, body)
    if (kept !== undefined) return new Response(kept, { headers: JSON_HEADERS })
    const args = bindBody(tool, await parseBodyText(body, lists))
    const token = cache?.token(tool, args, body) ?? null
    const answer = jsonBody({ data: await invoker.invoke(tool, args, { request }) })
    if (token === null) return new Response(answer, { headers: JSON_HEADERS })
    if (typeof answer === 'string') {
      cache!.store(tool, args, body, token, answer)
      return new Response(answer, { headers: JSON_HEADERS })
    }
    return new Response(
      keptWhenRead(answer, (bytes) => cache!.store(tool, args, body, token, bytes)),
      { headers: JSON_HEADERS },
    )
  } catch (err) {
    return errorResponse(err)
  }
}

/** The handler of `POST /api/{tool}` for one tool, after the checks every request gets. */
export function toolHandler(tool: ToolDef, invoker: Invoker, maxBodyBytes: number, cache?: RequestCache): (request: Request) => Promise<Response> {
  return (request) => runHttp(tool, request, invoker, maxBodyBytes, cache)
}

/**
 * `POST /api/{tool}` for every registered tool, plus Trackio's answers for unknown names and GET.
 * With a cache, answers of read tools that declare their scope are kept (request-cache.ts).
 */
export function apiRoutes(invoker: Invoker, tools: readonly ToolDef[], maxBodyBytes: number = MAX_BODY_BYTES, cache?: RequestCache) {
  const app = new Elysia({ name: 'trackio-api' })
  for (const tool of tools) {
    app.post(`/api/${tool.name}`, ({ request }) => runHttp(tool, request, invoker, maxBodyBytes, cache), {
      parse: 'none',
      detail: operationFor(tool),
    })
  }
  const other = ({ request, params }: { request: Request; params: { name: string } }) => {
    if (request.method === 'GET' || request.method === 'HEAD')
      return jsonResponse({ error: 'Method Not Allowed: call tools with POST' }, 405, { allow: 'POST' })
    const known = tools.find((t) => t.name === params.name)
    if (known && request.method === 'POST') return runHttp(known, request, invoker, maxBodyBytes, cache)
    return errorResponse(new NotFoundError(`Unknown API: ${params.name}`))
  }
  app.all('/api/:name', other, { parse: 'none', detail: { hide: true } })
  return app
}
