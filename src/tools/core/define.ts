import { z } from 'zod'
import type { Json, JsonResult } from '../../json/values'
import type { Storage } from '../../storage/db/connection'
import type { UploadStaging } from '../../storage/write/upload-staging'
import type { Settings } from './settings'

/** What a tool handler may use besides its arguments. */
export interface ToolContext {
  storage: Storage
  settings: Settings
  /** Files staged by `POST /api/upload`; absent where nothing can be uploaded (then no staged path is ours). */
  uploads?: UploadStaging
}

/**
 * How a result is shaped for MCP structured content: Trackio wraps lists and booleans as
 * `{"result": …}` and returns objects as themselves (compat §9). 'image': an object holding `mime_type`
 * and `image_base64`, sent over MCP as image content.
 */
export type ResultKind = 'list' | 'object' | 'boolean' | 'null' | 'image'

export interface ToolDef<I extends z.ZodObject = z.ZodObject> {
  /** Trackio's name: the `/api/{name}` path and the MCP tool name. */
  name: string
  description: string
  /** More detail for the OpenAPI document (the MCP description stays Trackio's). */
  notes?: string
  /** Parameters in Trackio's positional order (the shape's key order is that order). */
  input: I
  /** The result's shape (OpenAPI response schema, MCP outputSchema). */
  output: z.ZodType
  result: ResultKind
  /** 'write' tools need the write token (checked by the transports before the handler runs). */
  access: 'read' | 'write'
  /**
   * What a write tool does, for the Spaces write rules (compat §7): 'log' adds data (needs a Hugging
   * Face token there), 'mutation' changes runs or the server (a Hub token or the write token). Default 'log'.
   */
  writeKind?: 'log' | 'mutation'
  /** MCP hints beyond readOnly/destructive derived from `access`. */
  destructive?: boolean
  /** A request that works on the demo data, shown in the OpenAPI document. */
  example: Record<string, unknown>
  /** Not offered over MCP (HTTP-only endpoints such as Trackio's `force_sync` alias). */
  httpOnly?: boolean
  /** Parameters the MCP variant leaves out (Trackio's MCP delete_run/rename_run take no run_id). */
  mcpOmit?: string[]
  /** Parameters the MCP variant requires as strings although HTTP does not (Trackio's MCP delete_run needs `run`). */
  mcpRequire?: string[]
  /**
   * What a read tool's answer depends on besides its arguments, for transports that keep whole answers
   * (transports/http/request-cache.ts): 'project' (the database of its `project` argument) or 'projects'
   * (the list of projects). Leave it out when anything else matters (files, the clock, the caller).
   */
  answerScope?: 'project' | 'projects'
  /** With answerScope: whether this request's answer may be kept (default: always). */
  keepAnswer?(args: ReadonlyMap<string, unknown>): boolean
  /**
   * Whether this call reads the project's run list (it lists runs, or finds a run by name): on a long
   * project the list is then read by the scan workers before the handler runs, not on the server's
   * thread (storage/read/read-ahead.ts).
   */
  readsRunList?: boolean | ((args: z.output<I>) => boolean)
  /** An extra MCP text item after the result's own (e.g. why a boolean is false); null adds nothing. */
  mcpNote?(result: JsonResult): string | null
  handler(args: z.output<I>, ctx: ToolContext): JsonResult | Promise<JsonResult>
}

export function defineTool<I extends z.ZodObject>(def: ToolDef<I>): ToolDef<I> {
  return def
}

/** Arguments every tool accepts and ignores unless it is gated (compat §6, §7). */
export const COMMON_ARGS = ['hf_token', 'write_token'] as const

const intSchemas = new WeakSet<z.ZodType>()
const rawSchemas = new WeakSet<z.ZodType>()

/** Whether `schema`, or the schema inside its optional/nullable/default wrappers, is in `marks`. */
function marked(marks: WeakSet<z.ZodType>, schema: z.ZodType): boolean {
  let s: z.ZodType = schema
  for (let i = 0; i < 4; i++) {
    if (marks.has(s)) return true
    const inner = (s as unknown as { unwrap?: () => z.ZodType }).unwrap
    if (typeof inner !== 'function') return false
    s = inner.call(s)
  }
  return false
}

/** True for schemas made by `intArg` or `windowArg`: the binder hands them integers beyond 2^53 as digit strings. */
export function isIntArg(schema: z.ZodType): boolean {
  return marked(intSchemas, schema)
}

/**
 * Where the HTTP binder puts the request's lossless values (Maps, JsonFloat, bigint) of raw
 * parameters: zod only sees plain JS, which turns `1.0` into `1` and reorders integer-like keys.
 */
export const RAW_ARGS: unique symbol = Symbol('trackio.rawArgs')

/** Mark a parameter as raw: `schema` checks its outer level only (inner types must be unknown); the handler reads it losslessly. */
export function rawArg<T extends z.ZodType>(schema: T): T {
  rawSchemas.add(schema)
  return schema
}

export function isRawArg(schema: z.ZodType): boolean {
  return marked(rawSchemas, schema)
}

const entryListSchemas = new WeakSet<z.ZodType>()

/**
 * A raw list of log entries (bulk_log's `logs`): the HTTP API hands it over as checked request text
 * (`JsonListText`), and ingest/entry-list.ts reads it one entry at a time.
 */
export function entryListArg<T extends z.ZodType>(schema: T): T {
  entryListSchemas.add(schema)
  return rawArg(schema)
}

/** The parameters of `tool` made by `entryListArg`. */
export function entryListParams(tool: ToolDef): string[] {
  return Object.entries(tool.input.shape as Record<string, z.ZodType>)
    .filter(([, schema]) => marked(entryListSchemas, schema))
    .map(([name]) => name)
}

/** A JSON object parameter (a metrics dict, a config) whose values must be stored exactly. */
export function jsonValueArg(description: string) {
  return rawArg(z.record(z.string(), z.unknown()).describe(description))
}

/**
 * A raw parameter's value as the request sent it. Over MCP (or in-process calls) there is no
 * lossless copy, and the validated plain value is returned (integral numbers then count as ints).
 */
export function rawValue(args: object, name: string): Json | undefined {
  const raw = (args as { [RAW_ARGS]?: Map<string, Json> })[RAW_ARGS]
  if (raw?.has(name)) return raw.get(name)
  return (args as Record<string, Json | undefined>)[name]
}

/**
 * An integer argument (step, around_step): a JSON integer, or a string of digits (Trackio lets
 * SQLite's affinity match "5" against an INTEGER column). Exact beyond 2^53.
 */
export function intArg(description: string) {
  const s = z
    .union([z.int(), z.string().regex(/^\s*[-+]?\d+\s*$/, 'expected an integer')])
    .transform((v): number | bigint => {
      if (typeof v === 'number') return v
      const b = BigInt(v.trim())
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b
    })
    .describe(description)
  intSchemas.add(s)
  return s
}

/**
 * `window`: seconds or steps either side; Trackio applies int(), so 1.9 means 1. Any size is
 * accepted: beyond 2^53 it is approximate and beyond a double's range it is Infinity (the row
 * filter clamps ranges to what a step or timestamp can be).
 */
export function windowArg(description: string) {
  const s = z
    .union([z.number(), z.string().regex(/^\s*[-+]?\d+(\.\d*)?\s*$/, 'expected a number')])
    .transform((v) => Math.trunc(typeof v === 'number' ? v : Number(v)))
    .describe(description)
  intSchemas.add(s)
  return s
}

export const projectArg = z.string().describe('Project name as logged (it is canonicalised to find the database file).')
export const runArg = z.string().nullable().optional().default(null).describe('Run name; the latest-created run of that name is used.')
export const runIdArg = z.string().nullable().optional().default(null).describe('Run id; wins over `run` when both are given.')

/** Trackio's `hf_token` on its client endpoints: required, unused here. */
export const hfTokenArg = z.string().nullable().describe('Required by Trackio; null is fine.')

/** What every Trackio client write endpoint declares: it answers null, needs the write token, and is not an MCP tool. */
export const clientWrite = { output: z.null(), result: 'null', access: 'write', httpOnly: true } as const

/** Output pieces shared by several tools. */
export const runRecord = z.object({
  id: z.string().nullable(),
  name: z.string(),
  created_at: z.string().nullable(),
})
export const looseObject = z.object({}).catchall(z.unknown())
/** The columns that name an artifact, first in every artifact listing. */
export const artifactNaming = { name: z.string(), type: z.string(), description: z.string().nullable() }
