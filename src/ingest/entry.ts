import { BadRequestError } from '../errors'
import { listValues } from '../json/parse'
import { JsonFloat, JsonListText, type Json, type JsonObject } from '../json/values'
import { checkEncodable, type StoredJson } from '../storage/db/encode'
import { projectPaths, stemTooLong } from '../storage/db/paths'
import { formatIsoTimestamp, parseInstant } from '../storage/db/timestamps'
import type { Step } from '../storage/write/append'

/**
 * The one model of a log entry: a metrics row, a system-metrics row or an alert, whichever way it
 * arrives (the bulk_* and log* tools, the JSONL inbox, uploads). `ENTRY_FIELDS` is the single
 * definition: `readEntry` validates against it and `entrySchema` documents it in OpenAPI, so the two
 * cannot drift.
 *
 * Two sources read it differently:
 * - 'request': a client's request. Every entry is checked before anything is written; a bad one
 *   is a 400 naming it ("logs[3]: missing required key 'run'").
 * - 'inbox': a line of a JSONL fragment written by Trackio's client. A bad line is skipped (the
 *   caller counts it); fields have the client's defaults (no metrics → {}, no title → '', no level
 *   → WARN), names must be non-empty, and an integral float step is accepted.
 */

export type EntryKind = 'metric' | 'system' | 'alert'
export type EntrySource = 'request' | 'inbox'
export type Obj = JsonObject | { [key: string]: Json | undefined }

/** Where a run's rows go: entries with equal (project, run, run_id) form one group. */
export interface RunKey {
  project: string
  run: string
  runId: string | null
}

export interface LogEntry {
  kind: EntryKind
  key: RunKey
  /** The values to store ({} for alerts), or their stored text (a batch read from request text: then no trace). */
  metrics: Obj | StoredJson
  step: Step | null
  /** A run config sent with a metrics row (null when absent or empty). */
  config: Obj | null
  /** log_id / alert_id: the idempotency key. */
  id: string | null
  /** As sent (null when absent); the writer supplies the server's time where Trackio does. */
  timestamp: string | null
  alert: { title: string; text: string | null; level: string } | null
}

type FieldType = 'name' | 'text' | 'object' | 'step'

interface Field {
  name: string
  type: FieldType
  required: boolean
  doc?: string
  /** The inbox's value for a missing field (Trackio's client writes records this way). */
  inboxDefault?: Json
  /** Read only from inbox records (a request's entries have no such key in Trackio's API). */
  inboxOnly?: boolean
}

export const INT64_MIN = -(2n ** 63n)
export const INT64_MAX = 2n ** 63n - 1n

const RUN_FIELDS: Field[] = [
  { name: 'project', type: 'name', required: true, doc: 'Project name as logged.' },
  { name: 'run', type: 'name', required: true, doc: 'Run name.' },
  { name: 'run_id', type: 'text', required: false, doc: 'Defaults to the run name.' },
]

export const ENTRY_FIELDS: Record<EntryKind, Field[]> = {
  metric: [
    ...RUN_FIELDS,
    { name: 'metrics', type: 'object', required: true, inboxDefault: new Map(), doc: 'Metric values, stored exactly (ints stay ints, floats floats, NaN/Infinity as Trackio encodes them).' },
    { name: 'step', type: 'step', required: false, doc: "null/absent: the run's next step (MAX(step)+1, 0 for a new run)." },
    { name: 'config', type: 'object', required: false, doc: 'Run config; the first non-empty one of a run in the request is stored.' },
    { name: 'log_id', type: 'text', required: false, doc: 'Idempotency key: a row whose log_id is already stored is skipped.' },
    { name: 'timestamp', type: 'text', required: false, inboxOnly: true },
  ],
  system: [
    ...RUN_FIELDS,
    { name: 'metrics', type: 'object', required: true, inboxDefault: new Map(), doc: 'System metric values (e.g. gpu/0/utilization), stored exactly.' },
    { name: 'timestamp', type: 'text', required: false, doc: "Stored verbatim; absent/null: the server's time (Trackio drops such rows)." },
    { name: 'log_id', type: 'text', required: false, doc: 'Idempotency key: a row whose log_id is already stored is skipped.' },
  ],
  alert: [
    ...RUN_FIELDS,
    { name: 'title', type: 'text', required: true, inboxDefault: '', doc: 'Short summary.' },
    { name: 'text', type: 'text', required: false, doc: 'Details.' },
    { name: 'level', type: 'text', required: true, inboxDefault: 'WARN', doc: 'Stored verbatim; Trackio writes info, warn or error.' },
    { name: 'step', type: 'step', required: false, doc: 'The step the alert refers to.' },
    { name: 'timestamp', type: 'text', required: false, doc: "Stored verbatim; absent/null: the server's time (Trackio drops such alerts)." },
    { name: 'alert_id', type: 'text', required: false, doc: 'Idempotency key: an alert whose alert_id is already stored is skipped.' },
  ],
}

/** One entry kind as JSON Schema, for the OpenAPI document (derived from ENTRY_FIELDS). */
export function entrySchema(kind: EntryKind): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  const required: string[] = []
  for (const f of ENTRY_FIELDS[kind]) {
    if (f.inboxOnly) continue
    const base: Record<string, unknown> =
      f.type === 'object'
        ? { type: 'object', additionalProperties: {} }
        : f.type === 'step'
          ? { type: 'integer', minimum: Number(INT64_MIN), maximum: Number(INT64_MAX), format: 'int64' }
          : { type: 'string' }
    const schema = f.required && f.type !== 'step' ? base : { anyOf: [base, { type: 'null' }] }
    properties[f.name] = f.doc ? { ...schema, description: f.doc } : schema
    if (f.required) required.push(f.name)
  }
  return { type: 'object', properties, required }
}

export class InvalidEntry extends BadRequestError {}

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
  throw new InvalidEntry(where ? `${where}: ${message}` : message)
}

function str(v: Json | undefined, key: string, where: string): string {
  if (typeof v !== 'string') fail(where, `'${key}' must be a string, got ${typeName(v)}`)
  if (!v.isWellFormed()) fail(where, `'${key}' is not valid UTF-8 (lone surrogate)`)
  return v
}

/** An optional integer step within SQLite's INTEGER range. */
export function stepValue(v: Json | undefined, key: string, where: string, source: EntrySource = 'request'): Step | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) return v
  if (source === 'inbox' && v instanceof JsonFloat && Number.isSafeInteger(Number(v.text))) return Number(v.text)
  if (typeof v === 'bigint') fail(where, `'${key}' is outside the 64-bit integer range: ${v}`)
  return fail(where, `'${key}' must be an integer or null, got ${v instanceof JsonFloat ? v.text : typeName(v)}`)
}

/**
 * A JSON object to store: values from the plain-JS path (MCP) get the lossless model's meaning
 * (an integral number beyond 2^53 is a float there), and anything orjson would refuse (integers
 * beyond [-2^63, 2^64-1], lone surrogates) is refused naming the key.
 */
export function storable(v: Json | undefined, key: string, where: string): Obj {
  if (!isObj(v)) fail(where, `'${key}' must be a JSON object, got ${typeName(v)}`)
  const value = v instanceof Map ? v : (fromPlain(v) as Obj)
  try {
    checkEncodable(value, key)
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

function readField(o: Obj, f: Field, where: string, source: EntrySource): Json | undefined {
  let v = get(o, f.name)
  if (source === 'inbox') {
    if ((v === undefined || v === null) && f.inboxDefault !== undefined) v = f.inboxDefault
    // The client's records may carry a non-object config; Trackio ignores it there.
    if (f.type === 'object' && !f.required && v !== undefined && v !== null && !isObj(v)) return null
  }
  if (v === undefined && f.required) fail(where, `missing required key '${f.name}'`)
  if ((v === undefined || v === null) && (!f.required || f.type === 'step')) return null
  switch (f.type) {
    case 'name': {
      const s = str(v, f.name, where)
      if (source === 'inbox' && !s) fail(where, `'${f.name}' is empty`)
      return s
    }
    case 'text': {
      const s = str(v, f.name, where)
      // The inbox's client writes '' for "no level"; a request's level is stored verbatim.
      return source === 'inbox' && !s && f.inboxDefault !== undefined ? f.inboxDefault : s
    }
    case 'step':
      return stepValue(v, f.name, where, source)
    case 'object':
      return storable(v, f.name, where)
  }
}

/** The last few project names checked (a batch repeats one name thousands of times). */
const tooLong = new Map<string, boolean>()

export function projectNameTooLong(project: string): boolean {
  let v = tooLong.get(project)
  if (v === undefined) {
    v = stemTooLong(projectPaths('.', project).stem)
    if (tooLong.size >= 64) tooLong.clear()
    tooLong.set(project, v)
  }
  return v
}

/** Read one entry of `kind` from a client object; throws InvalidEntry naming `where` and the field. */
export function readEntry(kind: EntryKind, o: Json | undefined, where: string, source: EntrySource = 'request'): LogEntry {
  if (!isObj(o)) fail(where, `expected an object, got ${typeName(o)}`)
  const values: Record<string, Json | undefined> = {}
  for (const f of ENTRY_FIELDS[kind]) if (source === 'inbox' || !f.inboxOnly) values[f.name] = readField(o, f, where, source)
  const project = values['project'] as string
  if (projectNameTooLong(project)) fail(where, `project name is too long: ${project.slice(0, 40)}…`)
  const config = (values['config'] ?? null) as Obj | null
  const configSize = config === null ? 0 : config instanceof Map ? config.size : Object.keys(config).length
  return {
    kind,
    key: { project, run: values['run'] as string, runId: (values['run_id'] ?? null) as string | null },
    metrics: (values['metrics'] ?? new Map()) as Obj,
    step: (values['step'] ?? null) as Step | null,
    config: source === 'inbox' && !configSize ? null : config,
    id: (values[kind === 'alert' ? 'alert_id' : 'log_id'] ?? null) as string | null,
    timestamp: source === 'inbox' ? ((values['timestamp'] as string | null) || null) : ((values['timestamp'] ?? null) as string | null),
    alert: kind === 'alert' ? { title: values['title'] as string, text: (values['text'] ?? null) as string | null, level: values['level'] as string } : null,
  }
}

/**
 * A list argument of a bulk tool: a list of objects. There is no entry count limit: Trackio's
 * client never splits a batch (it resends its whole backlog in one request after an outage), so
 * whatever fits under the request body limit is accepted.
 */
export function readObjectList(v: Json | undefined, param: string): Obj[] {
  if (v instanceof JsonListText) v = listValues(v)
  if (!Array.isArray(v)) fail('', `'${param}' must be a list of objects, got ${typeName(v)}`)
  return v.map((e, i) => (isObj(e) ? e : fail(`${param}[${i}]`, `expected an object, got ${typeName(e)}`)))
}

/** The entry list of a bulk tool, each item read as an entry of `kind`. */
export function readEntryList(kind: EntryKind, v: Json | undefined, param: string): LogEntry[] {
  return readObjectList(v, param).map((o, i) => readEntry(kind, o, `${param}[${i}]`))
}

/** A client-sent time in any ISO-8601 spelling → Trackio's spelling; invalid → 400. */
export function normalizeTimestamp(text: string, where: string): string {
  const us = parseInstant(text)
  if (us === null) fail(where, `not an ISO-8601 time: ${JSON.stringify(text.slice(0, 64))}`)
  return formatIsoTimestamp(us)
}
