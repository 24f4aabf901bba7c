import { BadRequestError } from '../../errors'
import type { Json } from '../../json/values'
import type { ToolDef } from '../../tools/core/define'

/**
 * Trackio's request body → named arguments (docs/compatibility.md, "Request bodies"):
 * `{"args":[…],"kwargs":{…}}`, `{"data":[…]}`, a flat object, a JSON list, a lone scalar or null.
 * Positions fill the tool's parameters in order, skipping those given by keyword. Values stay lossless;
 * names and types are checked by the call pipeline.
 */
export function bindBody(tool: ToolDef, body: Json): Map<string, Json> {
  let positional: Json[] = []
  let keyword = new Map<string, Json>()
  if (body instanceof Map) {
    if (body.has('args') || body.has('kwargs')) {
      const a = body.get('args')
      positional = Array.isArray(a) ? a : a === null || a === undefined ? [] : [a]
      const k = body.get('kwargs')
      if (k instanceof Map) keyword = k
      else if (k !== null && k !== undefined) throw new BadRequestError('kwargs must be a JSON object of argument names to values')
    } else if (Array.isArray(body.get('data'))) {
      positional = body.get('data') as Json[]
    } else {
      keyword = body
    }
  } else if (Array.isArray(body)) {
    positional = body
  } else if (body !== null) {
    positional = [body]
  }
  if (!positional.length) return keyword
  const named = new Map<string, Json>()
  let next = 0
  // Positions fill the parameters not given by keyword, in order.
  for (const name of Object.keys(tool.input.shape)) {
    if (next >= positional.length) break
    if (!keyword.has(name)) named.set(name, positional[next++]!)
  }
  for (const [k, v] of keyword) named.set(k, v)
  return named
}
