import type { z } from 'zod'
import { BadRequestError } from '../../errors'
import { listValues } from '../../json/parse'
import { JsonFloat, JsonListText, type Json } from '../../json/values'
import { COMMON_ARGS, isIntArg, isRawArg, RAW_ARGS, type ToolDef } from './define'

/** Named arguments as a transport hands them over: lossless values (HTTP) or plain JS (MCP). */
export type NamedArgs = ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>

/** More argument names than any tool has, by far: refused before anything else looks at them. */
export const MAX_ARGUMENTS = 64
/** Unknown names quoted in an error (the rest are counted). */
const QUOTED_UNKNOWN = 5

function entriesOf(args: NamedArgs): [string, unknown][] {
  return args instanceof Map ? [...args.entries()] : Object.entries(args)
}

/**
 * Check argument names against the tool's parameters: every name known (or one of COMMON_ARGS),
 * every required parameter present. Values are untouched; types are checked by `validateArguments`.
 * Runs before the write gate, as the HTTP API always has (a request for a missing tool argument
 * says so even without a token).
 */
export function checkArgumentNames(tool: ToolDef, args: NamedArgs): Map<string, unknown> {
  const shape = tool.input.shape as Record<string, z.ZodType>
  const accepted = () => [...Object.keys(shape), ...COMMON_ARGS.filter((c) => !(c in shape))].join(', ')
  const count = args instanceof Map ? args.size : Object.keys(args).length
  if (count > MAX_ARGUMENTS) throw new BadRequestError(`Too many arguments (${count}) for ${tool.name}; accepted: ${accepted()}`)
  const { known, params, optional } = namesOf(tool)
  const entries = entriesOf(args)
  const named = new Map(entries.filter(([, v]) => v !== undefined))
  const unknown: string[] = []
  for (const k of named.keys()) if (!known.has(k)) unknown.push(k)
  if (unknown.length) {
    const quoted = unknown.slice(0, QUOTED_UNKNOWN).map((u) => `'${u.length > 64 ? `${u.slice(0, 64)}…` : u}'`)
    const more = unknown.length > QUOTED_UNKNOWN ? ` and ${unknown.length - QUOTED_UNKNOWN} more` : ''
    throw new BadRequestError(`Unknown argument${unknown.length > 1 ? 's' : ''} ${quoted.join(', ')}${more} for ${tool.name}; accepted: ${accepted()}`)
  }
  for (const name of params)
    if (!named.has(name) && !isOptional(optional, name, shape[name]!)) throw new BadRequestError(`Missing required parameter: ${name}`)
  return named
}

/**
 * zod's isOptional() runs a parse of `undefined` (which may throw, e.g. in a transform): asked only
 * for a missing parameter, as before, and its answer remembered per tool.
 */
function isOptional(known: Map<string, boolean>, name: string, schema: z.ZodType): boolean {
  let o = known.get(name)
  if (o === undefined) known.set(name, (o = schema.isOptional()))
  return o
}

/** Per tool, once: the names it accepts, its parameters in order, and which are optional (as asked). */
const toolNames = new WeakMap<ToolDef, { known: Set<string>; params: string[]; optional: Map<string, boolean> }>()

function namesOf(tool: ToolDef): { known: Set<string>; params: string[]; optional: Map<string, boolean> } {
  let n = toolNames.get(tool)
  if (!n) {
    const shape = tool.input.shape as Record<string, z.ZodType>
    n = { known: new Set([...Object.keys(shape), ...COMMON_ARGS]), params: Object.keys(shape), optional: new Map() }
    toolNames.set(tool, n)
  }
  return n
}

/**
 * Validate named arguments with the tool's zod schema; failures name the field and the expected type.
 * zod sees plain JS; parameters marked raw keep their lossless value for the handler (`rawValue`).
 */
export function validateArguments<I extends z.ZodObject>(tool: ToolDef<I>, named: ReadonlyMap<string, unknown>): z.output<I> {
  const shape = tool.input.shape as Record<string, z.ZodType>
  const plain: Record<string, unknown> = {}
  const raw = new Map<string, Json>()
  for (const [name, value] of named) {
    // A tool that declares hf_token / write_token itself (Trackio's required-but-nullable hf_token) validates it.
    if (!Object.hasOwn(shape, name)) continue
    const schema = shape[name]!
    if (isRawArg(schema)) {
      // Raw schemas look one level deep (a list of unknown items, a record of unknown values) and
      // handlers read the lossless value: no deep copy of a 50,000-entry batch just for zod.
      plain[name] = shallowPlain(value as Json)
      raw.set(name, value as Json)
    } else plain[name] = typeof value === 'bigint' && isIntArg(schema) ? value.toString() : toPlain(value as Json)
  }
  const r = tool.input.safeParse(plain)
  if (!r.success) throw new BadRequestError(describeIssues(r.error.issues))
  if (raw.size) Object.defineProperty(r.data, RAW_ARGS, { value: raw })
  return r.data
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
  // A list kept as request text: its items are the handler's to read (as for any raw list).
  if (v instanceof JsonListText) return new Array(v.length).fill(null)
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
  if (v instanceof JsonListText) return listValues(v).map(toPlain)
  if (Array.isArray(v)) return v.map(toPlain)
  if (v instanceof Map) {
    const o: Record<string, unknown> = {}
    // defineProperty: a key named __proto__ is data, never the prototype
    for (const [k, item] of v) Object.defineProperty(o, k, { value: toPlain(item), enumerable: true, writable: true, configurable: true })
    return o
  }
  return v
}
