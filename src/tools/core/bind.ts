import type { z } from 'zod'
import { BadRequestError } from '../../errors'
import { JsonFloat, type Json } from '../../json/values'
import { COMMON_ARGS, isIntArg, isRawArg, RAW_ARGS, type ToolDef } from './define'

/**
 * Trackio's request body → named arguments (spec 6.2): `{"args":[…],"kwargs":{…}}`,
 * `{"data":[…]}`, a flat object, a JSON list, a lone scalar or null. Keyword beats position.
 */
export function bindArguments(tool: ToolDef, body: Json): Record<string, unknown> {
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

  const shape = tool.input.shape as Record<string, z.ZodType>
  const names = Object.keys(shape)
  const unknown = [...keyword.keys()].filter((k) => !(k in shape) && !(COMMON_ARGS as readonly string[]).includes(k))
  if (unknown.length) {
    const accepted = [...names, ...COMMON_ARGS].join(', ')
    throw new BadRequestError(`Unknown argument${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} for ${tool.name}; accepted: ${accepted}`)
  }

  const bound: Record<string, unknown> = {}
  const raw = new Map<string, Json>()
  let next = 0
  for (const name of names) {
    const schema = shape[name]!
    let value: Json | undefined
    if (keyword.has(name)) value = keyword.get(name)
    else if (next < positional.length) value = positional[next++]
    if (value === undefined) {
      if (!schema.isOptional()) throw new BadRequestError(`Missing required parameter: ${name}`)
      continue
    }
    if (isRawArg(schema)) {
      // Raw schemas look one level deep (a list of unknown items, a record of unknown values), and
      // handlers read the lossless value: no deep copy of a 50,000-entry batch just for zod.
      bound[name] = shallowPlain(value)
      raw.set(name, value)
    } else bound[name] = typeof value === 'bigint' && isIntArg(schema) ? value.toString() : toPlain(value)
  }
  for (const name of COMMON_ARGS) if (keyword.has(name)) bound[name] = toPlain(keyword.get(name)!)
  if (raw.size) Object.defineProperty(bound, RAW_ARGS, { value: raw })
  return bound
}

/** Validate bound arguments with the tool's zod schema; failures name the field and the expected type. */
export function validateArguments<I extends z.ZodObject>(tool: ToolDef<I>, bound: Record<string, unknown>): z.output<I> {
  const shape = tool.input.shape as Record<string, unknown>
  // A tool that declares hf_token / write_token itself (Trackio's required-but-nullable hf_token) validates it.
  const rest = Object.fromEntries(Object.entries(bound).filter(([k]) => k in shape || !(COMMON_ARGS as readonly string[]).includes(k)))
  const r = tool.input.safeParse(rest)
  if (r.success) {
    const raw = (bound as { [RAW_ARGS]?: unknown })[RAW_ARGS]
    if (raw) Object.defineProperty(r.data, RAW_ARGS, { value: raw })
    return r.data
  }
  throw new BadRequestError(describeIssues(r.error.issues))
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const field = i.path.length ? i.path.map(String).join('.') : '(arguments)'
      return `Invalid value for '${field}': ${issueText(i)}`
    })
    .join('; ')
}

function issueText(i: z.core.$ZodIssue): string {
  if (i.code === 'invalid_union' && i.message === 'Invalid input') {
    const expected = new Set<string>()
    for (const branch of i.errors) for (const sub of branch) if (sub.code === 'invalid_type') expected.add(sub.expected)
    if (expected.size) return `expected ${[...expected].join(' or ')}`
  }
  return i.message
}

/** The outer level of a value as plain JS (a Map becomes an object of the same, unconverted values). */
function shallowPlain(v: Json): unknown {
  if (v instanceof JsonFloat) return v.value
  if (!(v instanceof Map)) return v
  const o: Record<string, unknown> = {}
  for (const [k, item] of v) Object.defineProperty(o, k, { value: item, enumerable: true, writable: true, configurable: true })
  return o
}

/**
 * Our lossless values → plain JS for zod: Maps become objects (nested payloads), floats numbers,
 * big integers stay bigint (zod then rejects them where a string or safe number is required).
 */
export function toPlain(v: Json): unknown {
  if (v instanceof JsonFloat) return v.value
  if (Array.isArray(v)) return v.map(toPlain)
  if (v instanceof Map) {
    const o: Record<string, unknown> = {}
    // defineProperty: a key named __proto__ is data, never the prototype
    for (const [k, item] of v) Object.defineProperty(o, k, { value: toPlain(item), enumerable: true, writable: true, configurable: true })
    return o
  }
  return v
}
