import { z } from 'zod'
import { BadRequestError, TrackioError } from '../errors'
import { JsonFloat, type Json, type JsonObject } from '../json/values'
import { encodeJsonText } from '../storage/db/encode'
import { projectPaths, stemTooLong } from '../storage/db/paths'
import { formatIsoTimestamp, parseInstant } from '../storage/db/timestamps'
import { writeBatch, type AlertEntry, type BatchOp, type MetricEntry, type Step, type SystemEntry } from '../storage/write/append'

/**
 * Validation and grouping shared by the logging tools (spec 8.1). Every entry is checked before
 * anything is written, so a bad entry anywhere rejects the whole request with a 400 naming it.
 */

/** Most entries one request may carry (Trackio's clients send one flush, 0.5 s, per request). */
export const MAX_ENTRIES = 10_000

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

type Obj = JsonObject | { [key: string]: Json | undefined }

/** Where a run's rows go: entries with equal (project, run, run_id) form one group. */
export interface RunKey {
  project: string
  run: string
  runId: string | null
}

function isObj(v: Json | undefined): v is Obj {
  return v instanceof Map || (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonFloat))
}

function get(o: Obj, key: string): Json | undefined {
  return o instanceof Map ? o.get(key) : Object.hasOwn(o, key) ? o[key] : undefined
}

function typeName(v: Json | undefined): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (v instanceof Map || typeof v === 'object') return v instanceof JsonFloat ? 'a number' : 'an object'
  if (typeof v === 'bigint') return 'a number'
  return `a ${typeof v}`
}

function fail(where: string, message: string): never {
  throw new BadRequestError(where ? `${where}: ${message}` : message)
}

function required(o: Obj, key: string, where: string): Json {
  const v = get(o, key)
  if (v === undefined) fail(where, `missing required key '${key}'`)
  return v
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function str(v: Json | undefined, key: string, where: string): string {
  if (typeof v !== 'string') fail(where, `'${key}' must be a string, got ${typeName(v)}`)
  if (LONE_SURROGATE.test(v)) fail(where, `'${key}' is not valid UTF-8 (lone surrogate)`)
  return v
}

function optStr(o: Obj, key: string, where: string): string | null {
  const v = get(o, key)
  return v === undefined || v === null ? null : str(v, key, where)
}

/** An optional integer step within SQLite's INTEGER range. */
export function stepValue(v: Json | undefined, key: string, where: string): Step | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) return v
  if (typeof v === 'bigint') fail(where, `'${key}' is outside the 64-bit integer range: ${v}`)
  return fail(where, `'${key}' must be an integer or null, got ${v instanceof JsonFloat ? v.text : typeName(v)}`)
}

/**
 * A JSON object to store: values from the plain-JS path (MCP) get the lossless model's meaning
 * (an integral number beyond 2^53 is a float there), and anything orjson would refuse (integers
 * beyond [-2^63, 2^64-1], lone surrogates) is a 400 naming the key.
 */
function storable(v: Json | undefined, key: string, where: string): Obj {
  if (!isObj(v)) fail(where, `'${key}' must be a JSON object, got ${typeName(v)}`)
  const value = v instanceof Map ? v : (fromPlain(v) as Obj)
  try {
    encodeJsonText(value, key)
  } catch (err) {
    if (err instanceof BadRequestError) fail(where, err.message)
    throw err
  }
  return value
}

function fromPlain(v: Json | undefined): Json | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) ? new JsonFloat(String(v)) : v
  if (Array.isArray(v)) return v.map((x) => fromPlain(x) as Json)
  if (isObj(v) && !(v instanceof Map)) {
    const out = new Map<string, Json>()
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out.set(k, fromPlain(x) as Json)
    return out
  }
  return v
}

function runKey(o: Obj, where: string): RunKey {
  const project = str(required(o, 'project', where), 'project', where)
  if (stemTooLong(projectPaths('.', project).stem)) fail(where, `project name is too long: ${project.slice(0, 40)}…`)
  return { project, run: str(required(o, 'run', where), 'run', where), runId: optStr(o, 'run_id', where) }
}

/** An entry schema as JSON Schema, to document the items of a list parameter validated here. */
export function entryDoc(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

/** The list argument of a bulk tool: a list of at most MAX_ENTRIES objects. */
export function entryList(v: Json | undefined, param: string): Obj[] {
  if (!Array.isArray(v)) fail('', `'${param}' must be a list of objects, got ${typeName(v)}`)
  if (v.length > MAX_ENTRIES) fail('', `'${param}' has ${v.length} entries; at most ${MAX_ENTRIES} are accepted per request (split the batch)`)
  return v.map((e, i) => (isObj(e) ? e : fail(`${param}[${i}]`, `expected an object, got ${typeName(e)}`)))
}

/** An entry's timestamp: absent/null → the server's `now` (Trackio would drop the row). */
function timestampOf(o: Obj, where: string, now: string): string {
  return optStr(o, 'timestamp', where) ?? now
}

export interface MetricItem {
  key: RunKey
  entry: MetricEntry
  config: Obj | null
}

/** A bulk_log LogEntry `{project, run, run_id?, metrics, step?, config?, log_id?}`. */
export function metricItem(o: Obj, where: string): MetricItem {
  const key = runKey(o, where)
  const metrics = storable(required(o, 'metrics', where), 'metrics', where)
  const step = stepValue(get(o, 'step'), 'step', where)
  const c = get(o, 'config')
  const config = c === undefined || c === null ? null : storable(c, 'config', where)
  return { key, entry: { metrics, step, logId: optStr(o, 'log_id', where) }, config }
}

export interface SystemItem {
  key: RunKey
  entry: SystemEntry
}

/** A bulk_log_system SystemLogEntry `{project, run, run_id?, metrics, timestamp?, log_id?}`. */
export function systemItem(o: Obj, where: string, now: string): SystemItem {
  const key = runKey(o, where)
  const metrics = storable(required(o, 'metrics', where), 'metrics', where)
  return { key, entry: { metrics, timestamp: timestampOf(o, where, now), logId: optStr(o, 'log_id', where) } }
}

export interface AlertItem {
  key: RunKey
  entry: AlertEntry
}

/** A bulk_alert AlertEntry `{project, run, run_id?, title, text?, level, step?, timestamp?, alert_id?}`. */
export function alertItem(o: Obj, where: string, now: string): AlertItem {
  const key = runKey(o, where)
  const title = str(required(o, 'title', where), 'title', where)
  const level = str(required(o, 'level', where), 'level', where)
  const text = optStr(o, 'text', where)
  const entry: AlertEntry = {
    title,
    text,
    level,
    step: stepValue(get(o, 'step'), 'step', where),
    timestamp: timestampOf(o, where, now),
    alertId: optStr(o, 'alert_id', where),
  }
  return { key, entry }
}

/** A client-sent time in any ISO-8601 spelling → Trackio's spelling; invalid → 400. */
export function normalizeTimestamp(text: string, where: string): string {
  const us = parseInstant(text)
  if (us === null) fail(where, `not an ISO-8601 time: ${JSON.stringify(text.slice(0, 64))}`)
  return formatIsoTimestamp(us)
}

/** Items grouped by (project, run, run_id) in first-seen order. */
export function groupByRun<T extends { key: RunKey }>(items: T[]): { key: RunKey; items: T[] }[] {
  const groups = new Map<string, { key: RunKey; items: T[] }>()
  for (const item of items) {
    const k = JSON.stringify([item.key.project, item.key.run, item.key.runId])
    let g = groups.get(k)
    if (!g) groups.set(k, (g = { key: item.key, items: [] }))
    g.items.push(item)
  }
  return [...groups.values()]
}

/**
 * Write groups, all groups of one project database in one transaction (all or nothing). Projects
 * are written one after another in first-seen order; when one fails, the error says which
 * projects were already stored (a retry is idempotent when entries carry log_id / alert_id).
 */
export async function writeGroups(dataDir: string, groups: { key: RunKey; op: BatchOp }[]): Promise<void> {
  const byDb = new Map<string, { project: string; ops: BatchOp[] }>()
  for (const g of groups) {
    const db = projectPaths(dataDir, g.key.project).db
    let b = byDb.get(db)
    if (!b) byDb.set(db, (b = { project: g.key.project, ops: [] }))
    b.ops.push(g.op)
  }
  const done: string[] = []
  for (const { project, ops } of byDb.values()) {
    try {
      await writeBatch(dataDir, project, ops)
    } catch (err) {
      if (!done.length || !(err instanceof Error)) throw err
      const msg = `${err.message} (nothing was stored for project '${project}' or later ones; already stored: ${done.map((p) => `'${p}'`).join(', ')})`
      const Cls = (err instanceof TrackioError ? err.constructor : Error) as new (m: string) => Error
      throw new Cls(msg)
    }
    done.push(project)
  }
}
