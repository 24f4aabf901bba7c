import type { Database } from 'bun:sqlite'
import { formatFloat } from '../../json/serialize'
import { JsonFloat, type Json, type JsonObject } from '../../json/values'
import { encodeJson } from '../db/encode'

/**
 * Trace payloads in logged metrics (compat §3), as Trackio's `_split_trace_metrics` does it: a
 * top-level value that is a `{"_type":"trackio.trace",…}` object, or a list holding such objects,
 * becomes one `traces` row per trace; the metrics JSON keeps the key only for a list's non-trace
 * items. Everything here but `insertTraceRows` is pure, and runs before the project lock is taken.
 */

type Obj = JsonObject | { [key: string]: Json | undefined }

/** A trace row as far as it is known before the metrics row is written (step comes later). */
export interface PreparedTrace {
  /** `{run_id or run}:{log_id or uuid4 hex}:{key}` plus `:{index}` for a list item. */
  id: string
  key: string
  /** Position in the logged list, or null when the value itself was the trace. */
  traceIndex: number | null
  /** Encoded `messages` (default `[]`), NaN-encoded like every stored JSON column (compat §3). */
  messages: Uint8Array
  /** Encoded `metadata` (default `{}`). */
  metadata: Uint8Array
  searchText: string
}

/** A complete `traces` row: a prepared trace plus the fields of its metrics row. */
export interface TraceRow extends PreparedTrace {
  runId: string
  runName: string
  step: number | bigint
  timestamp: string
  logId: string | null
  spaceId?: string | null
}

export interface SplitResult {
  /** The metrics to store: the input object itself when it held no trace. */
  metrics: Obj
  traces: PreparedTrace[]
}

function isObj(v: Json | undefined): v is Obj {
  return v instanceof Map || (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonFloat))
}

function get(o: Obj, key: string): Json | undefined {
  return o instanceof Map ? o.get(key) : Object.hasOwn(o, key) ? o[key] : undefined
}

function entriesOf(o: Obj): [string, Json][] {
  const all = o instanceof Map ? [...o.entries()] : Object.entries(o)
  return all.filter((e): e is [string, Json] => e[1] !== undefined)
}

/** Trackio's `_is_trace_payload`: an object whose `_type` is exactly "trackio.trace". */
export function isTracePayload(v: Json | undefined): v is Obj {
  return isObj(v) && get(v, '_type') === 'trackio.trace'
}

/** Whether a metrics object holds a trace payload (so `splitTraces` has work to do). */
export function holdsTrace(metrics: Obj): boolean {
  const values = metrics instanceof Map ? metrics.values() : Object.values(metrics)
  for (const v of values) if (isTracePayload(v) || (Array.isArray(v) && v.some(isTracePayload))) return true
  return false
}

/** A fresh `uuid.uuid4().hex`: 32 lowercase hex digits. */
export function uuid4Hex(): string {
  return crypto.randomUUID().replaceAll('-', '')
}

function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  return formatFloat(x, 'python')
}

/**
 * Python's `str()` of a JSON scalar in our value model: `True`/`False`, ints plain, floats in
 * repr form (`1.0`, `1e-05`, `1e+16`, `nan`, `inf`), strings as they are.
 */
export function pythonStr(v: string | number | bigint | boolean | JsonFloat): string {
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof JsonFloat) return pyFloat(Number(v.text))
  if (Number.isInteger(v) && !Object.is(v, -0)) return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString()
  return pyFloat(v)
}

/** Every non-null scalar under `value`, depth-first in order (object values, list items). */
export function traceLeaves(value: Json | undefined, out: string[] = []): string[] {
  if (value === null || value === undefined) return out
  if (Array.isArray(value)) {
    for (const item of value) traceLeaves(item, out)
  } else if (isObj(value)) {
    for (const [, item] of entriesOf(value)) traceLeaves(item, out)
  } else {
    out.push(pythonStr(value))
  }
  return out
}

/** `search_text`: lower-cased `"{id} {key} {leaves of messages, then of metadata}"`. */
export function traceSearchText(id: string, key: string, messages: Json | undefined, metadata: Json | undefined): string {
  const leaves = traceLeaves(metadata, traceLeaves(messages))
  return `${id} ${key} ${leaves.join(' ').toLowerCase()}`.toLowerCase()
}

/** The trace row id: `{run_id or run}:{log_id or fresh uuid4 hex}:{key}[:{index}]`. */
export function traceId(run: string, logId: string | null, key: string, index: number | null, fresh: () => string = uuid4Hex): string {
  const parts = [run, logId || fresh(), key]
  if (index !== null) parts.push(String(index))
  return parts.join(':')
}

function prepareTrace(trace: Obj, run: string, logId: string | null, key: string, index: number | null, fresh: () => string): PreparedTrace {
  const id = traceId(run, logId, key, index, fresh)
  const m = get(trace, 'messages')
  const d = get(trace, 'metadata')
  const messages = m === undefined ? [] : m
  const metadata = d === undefined ? new Map<string, Json>() : d
  return {
    id,
    key,
    traceIndex: index,
    messages: encodeJson(messages),
    metadata: encodeJson(metadata),
    searchText: traceSearchText(id, key, messages, metadata),
  }
}

/**
 * Split one metrics object: trace values leave it (a list keeps only its non-trace items, and
 * loses the key when none are left) and become prepared trace rows in key order. `run` is the
 * stored run id (run_id, or the run name when there is none); `fresh` makes the id part used
 * when there is no log_id (one call per trace, like Trackio).
 */
export function splitTraces(metrics: Obj, run: string, logId: string | null, fresh: () => string = uuid4Hex): SplitResult {
  if (!holdsTrace(metrics)) return { metrics, traces: [] }
  const entries = entriesOf(metrics)
  const clean = new Map<string, Json>()
  const traces: PreparedTrace[] = []
  for (const [key, value] of entries) {
    if (Array.isArray(value)) {
      if (!value.some(isTracePayload)) {
        clean.set(key, value)
        continue
      }
      const rest = value.filter((item) => !isTracePayload(item))
      if (rest.length) clean.set(key, rest)
      value.forEach((item, i) => {
        if (isTracePayload(item)) traces.push(prepareTrace(item, run, logId, key, i, fresh))
      })
    } else if (isTracePayload(value)) {
      traces.push(prepareTrace(value, run, logId, key, null, fresh))
    } else {
      clean.set(key, value)
    }
  }
  return { metrics: clean, traces }
}

/** INSERT OR IGNORE the rows (Trackio's `_insert_trace_rows`); returns how many were inserted. */
export function insertTraceRows(db: Database, rows: TraceRow[]): number {
  if (!rows.length) return 0
  const insert = db.prepare(
    'INSERT OR IGNORE INTO traces (id, run_id, timestamp, run_name, step, key, trace_index, messages, metadata, search_text, log_id, space_id) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  let inserted = 0
  try {
    for (const r of rows) {
      inserted += insert.run(
        r.id,
        r.runId,
        r.timestamp,
        r.runName,
        r.step,
        r.key,
        r.traceIndex,
        r.messages,
        r.metadata,
        r.searchText,
        r.logId,
        r.spaceId ?? null,
      ).changes
    }
  } finally {
    insert.finalize()
  }
  return inserted
}
