import { Elysia } from 'elysia'
import { NotFoundError } from '../../errors'
import { bindArguments } from '../../tools/core/bind'
import { callTool } from '../../tools/core/invoke'
import type { ToolContext, ToolDef } from '../../tools/core/define'
import { TOOLS } from '../../tools/registry'
import { MAX_BODY_BYTES, readJsonBody } from './body'
import { operationFor } from './openapi'
import { errorResponse, jsonResponse } from './respond'

/** Checks a request may run a tool (the write-token gate); throws one of our errors when not. */
export type ToolGate = (tool: ToolDef, request: Request, args: Record<string, unknown>) => void

async function runHttp(tool: ToolDef, request: Request, ctx: ToolContext, gate: ToolGate, maxBodyBytes: number): Promise<Response> {
  try {
    const bound = bindArguments(tool, await readJsonBody(request, maxBodyBytes))
    gate(tool, request, bound)
    return jsonResponse({ data: await callTool(tool, bound, ctx) })
  } catch (err) {
    return errorResponse(err)
  }
}

/** `POST /api/{tool}` for every registered tool, plus Trackio's answers for unknown names and GET. */
export function apiRoutes(ctx: ToolContext, gate: ToolGate, tools: readonly ToolDef[] = TOOLS, maxBodyBytes: number = MAX_BODY_BYTES) {
  const app = new Elysia({ name: 'trackio-api' })
  for (const tool of tools) {
    app.post(`/api/${tool.name}`, ({ request }) => runHttp(tool, request, ctx, gate, maxBodyBytes), {
      parse: 'none',
      detail: operationFor(tool),
    })
  }
  const other = ({ request, params }: { request: Request; params: { name: string } }) => {
    if (request.method === 'GET' || request.method === 'HEAD')
      return jsonResponse({ error: 'Method Not Allowed: call tools with POST' }, 405, { allow: 'POST' })
    const known = tools.find((t) => t.name === params.name)
    if (known && request.method === 'POST') return runHttp(known, request, ctx, gate, maxBodyBytes)
    return errorResponse(new NotFoundError(`Unknown API: ${params.name}`))
  }
  app.all('/api/:name', other, { parse: 'none', detail: { hide: true } })
  return app
}
