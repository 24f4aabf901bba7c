import type { ProjectDb } from '../db/connection'
import { BadRequestError } from '../../errors'
import { intValue, type Json, type JsonObject } from '../../json/values'
import { decodeObject } from '../db/decode'
import { encodeJson, storedText, StoredJson } from '../db/encode'
import { isoNow } from '../db/timestamps'
import { insertTraceRows, splitTraces, type PreparedTrace, type TraceRow } from './traces'
import { writeTransaction } from './transaction'

/**
 * Appending rows with Trackio's semantics (docs/compatibility.md, "Logging"): values are encoded and
 * checked before the write transaction (`writeTransaction`) starts, so the lock is held only for the SQL.
 */

/** An object value: a Map (insertion order kept) or a plain object. */
export type JsonRecord = JsonObject | { [key: string]: Json | undefined }
export type Step = number | bigint

export interface MetricEntry {
  /** The values, or their stored text when the reader spelled them already (then they hold no trace). */
  metrics: JsonRecord | StoredJson
  /** null → the run's next auto step (MAX(step)+1, 0 for a new run). */
  step: Step | null
  logId?: string | null
  /** This row's own timestamp (default: the group's). */
  timestamp?: string | null
}

export interface SystemEntry {
  metrics: JsonRecord | StoredJson
  /** An entry without timestamp is dropped silently, as in Trackio. */
  timestamp: string | null
  logId?: string | null
}

export interface AlertEntry {
  title: string
  text?: string | null
  /** Stored verbatim (the Python client writes info / warn / error). */
  level: string
  step?: Step | null
  timestamp: string | null
  alertId?: string | null
}

export interface AppendResult {
  /** Rows actually inserted (a repeated log_id / alert_id, or a NULL NOT-NULL column, skips one). */
  inserted: number
  /** Rows skipped by INSERT OR IGNORE. */
  skipped: number
}

export interface MetricsResult extends AppendResult {
  /** The step given to each entry, in entry order (skipped entries included). */
  steps: Step[]
  /** Whether each entry was inserted, in entry order. */
  insertedFlags: boolean[]
}

async function writeProject<T>(dataDir: string, project: string, fn: (pdb: ProjectDb) => T | Promise<T>): Promise<T> {
  return writeTransaction({ dataDir, project, mode: 'create' }, (pdb) => fn(pdb))
}

const STEP_MAX = 2n ** 63n - 1n

/** A step that fits SQLite's INTEGER; a safe number stays a number (no BigInt per row of a batch). */
function checkStep(step: Step | null | undefined, what: string): Step | null {
  if (step === null || step === undefined) return null
  if (typeof step === 'number') {
    if (!Number.isSafeInteger(step)) throw new BadRequestError(`${what} must be an integer, got ${step}`)
    return step
  }
  if (step > STEP_MAX || step < -STEP_MAX - 1n) throw new BadRequestError(`${what} ${step} is outside the 64-bit integer range a step can hold`)
  return step
}

const toStep = (v: Step): Step => (typeof v === 'bigint' ? intValue(v) : v)

interface PreparedMetrics {
  kind: 'metrics'
  runName: string
  id: string
  /** The stored metrics JSON of each row (bound as text, stored as BLOB by the INSERT's CAST). */
  texts: string[]
  given: (Step | null)[]
  logIds: (string | null)[]
  stamps: string[]
  configBlob: Uint8Array | null
  /** Set when the config is merged into the stored one: encoded inside the transaction. */
  mergeConfig: JsonRecord | null
  configTs: string
  /** Trace payloads split out of each entry's metrics (compat §3), in entry order. */
  traces: PreparedTrace[][]
}

interface PreparedSystem {
  kind: 'system'
  runName: string
  id: string
  blobs: Uint8Array[]
  entries: SystemEntry[]
}

interface PreparedAlerts {
  kind: 'alerts'
  runName: string
  id: string
  steps: (Step | null)[]
  alerts: AlertEntry[]
}

type Prepared = PreparedMetrics | PreparedSystem | PreparedAlerts

/** One group of a batch: the rows of one run, as the matching append* function takes them. */
export type BatchOp =
  | {
      kind: 'metrics'
      runName: string
      runId: string | null
      entries: MetricEntry[]
      config?: JsonRecord | null
      /** Merge `config` into the stored one (new keys win) instead of replacing it (Trackio replaces). */
      configMerge?: boolean
      timestamp?: string
    }
  | { kind: 'system'; runName: string; runId: string | null; entries: SystemEntry[] }
  | { kind: 'alerts'; runName: string; runId: string | null; alerts: AlertEntry[] }

/** Rows handled between two yields to the event loop while a large batch is prepared and written. */
export const YIELD_EVERY_ROWS = 2000

/** Let other requests run (a 50,000-row batch is a few hundred ms of work). */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const NO_TRACES: PreparedTrace[] = []

function prepareMetrics(op: Extract<BatchOp, { kind: 'metrics' }>, from: number, to: number, into: PreparedMetrics): void {
  for (let i = from; i < to; i++) {
    const e = op.entries[i]!
    if (e.metrics instanceof StoredJson) {
      into.texts.push(e.metrics.text)
      into.traces.push(NO_TRACES)
    } else {
      const s = splitTraces(e.metrics, into.id, e.logId ?? null)
      into.texts.push(storedText(s.metrics))
      into.traces.push(s.traces.length ? s.traces : NO_TRACES)
    }
    into.given.push(checkStep(e.step, 'step'))
    into.logIds.push(e.logId ?? null)
    into.stamps.push(e.timestamp ?? into.configTs)
  }
}

/** Encode and check values before the lock is taken (errors here leave the file untouched). */
async function prepareAsync(op: BatchOp): Promise<Prepared> {
  if (op.kind !== 'metrics' || op.entries.length <= YIELD_EVERY_ROWS) return prepare(op)
  const p = emptyMetrics(op)
  for (let from = 0; from < op.entries.length; from += YIELD_EVERY_ROWS) {
    if (from) await yieldToLoop()
    prepareMetrics(op, from, Math.min(op.entries.length, from + YIELD_EVERY_ROWS), p)
  }
  return p
}

function emptyMetrics(op: Extract<BatchOp, { kind: 'metrics' }>): PreparedMetrics {
  const id = op.runId ?? op.runName
  const ts = op.timestamp ?? isoNow()
  const c = op.config
  return {
    kind: 'metrics',
    runName: op.runName,
    id,
    texts: [],
    given: [],
    logIds: [],
    stamps: [],
    configBlob: c && !op.configMerge && (c instanceof Map ? c.size : Object.keys(c).length) ? encodeJson(c) : null,
    mergeConfig: c && op.configMerge && (c instanceof Map ? c.size : Object.keys(c).length) ? c : null,
    configTs: ts,
    traces: [],
  }
}

/** Encode and check values before the lock is taken (errors here leave the file untouched). */
function prepare(op: BatchOp): Prepared {
  const id = op.runId ?? op.runName
  if (op.kind === 'metrics') {
    const p = emptyMetrics(op)
    prepareMetrics(op, 0, op.entries.length, p)
    return p
  }
  if (op.kind === 'system') return { kind: 'system', runName: op.runName, id, blobs: op.entries.map((e) => encodeJson(e.metrics)), entries: op.entries }
  return { kind: 'alerts', runName: op.runName, id, steps: op.alerts.map((a) => checkStep(a.step, 'alert step')), alerts: op.alerts }
}

/** Rows per INSERT statement: one statement per row costs a third more for a 50,000-row batch. */
const ROWS_PER_INSERT = 200

/**
 * Insert the metric rows, many per statement, and tell which entries were stored. A statement that
 * changed as many rows as it had stored them all (the usual case); otherwise the rows past the
 * table's largest rowid before it are the new ones (rowids only grow inside our transaction): a row
 * without log_id is always new, and of entries sharing a log_id only the first new one is.
 */
async function insertMetricRows(pdb: ProjectDb, p: PreparedMetrics, steps: Step[], runIds: boolean): Promise<boolean[]> {
  const head = runIds
    ? 'INSERT OR IGNORE INTO metrics (run_id, timestamp, run_name, step, metrics, log_id) VALUES '
    : 'INSERT OR IGNORE INTO metrics (timestamp, run_name, step, metrics, log_id) VALUES '
  // Metrics are bound as text (no Uint8Array per row) and stored as the BLOB Trackio writes.
  const tuple = runIds ? '(?, ?, ?, ?, CAST(? AS BLOB), ?)' : '(?, ?, ?, CAST(? AS BLOB), ?)'
  const statements = new Map<number, ReturnType<typeof pdb.db.prepare>>()
  const statement = (rows: number) => {
    let st = statements.get(rows)
    if (!st) statements.set(rows, (st = pdb.db.prepare(`${head}${Array(rows).fill(tuple).join(', ')}`)))
    return st
  }
  const maxRowid = pdb.db.prepare('SELECT COALESCE(MAX(rowid), 0) AS m FROM metrics')
  const newIds = pdb.db.prepare('SELECT log_id FROM metrics WHERE rowid > ?')
  const n = p.texts.length
  const flags: boolean[] = new Array(n)
  try {
    for (let start = 0; start < n; start += ROWS_PER_INSERT) {
      if (start && start % YIELD_EVERY_ROWS === 0) await yieldToLoop()
      const end = Math.min(n, start + ROWS_PER_INSERT)
      const params: (string | number | bigint | null)[] = []
      for (let i = start; i < end; i++) {
        if (runIds) params.push(p.id)
        params.push(p.stamps[i]!, p.runName, steps[i]!, p.texts[i]!, p.logIds[i]!)
      }
      const before = (maxRowid.get() as { m: bigint | number }).m
      const changes = statement(end - start).run(...params).changes
      if (changes === end - start) {
        flags.fill(true, start, end)
        continue
      }
      const inserted = new Set((newIds.all(before) as { log_id: string | null }[]).map((r) => r.log_id))
      for (let i = start; i < end; i++) {
        const id = p.logIds[i]!
        flags[i] = id === null || inserted.delete(id)
      }
    }
  } finally {
    for (const st of statements.values()) st.finalize()
    maxRowid.finalize()
    newIds.finalize()
  }
  return flags
}

async function insertMetrics(pdb: ProjectDb, p: PreparedMetrics): Promise<MetricsResult> {
  const runIds = pdb.hasRunIds('metrics')
  const key = runIds ? 'run_id' : 'run_name'
  let next = 0n
  if (p.given.includes(null)) {
    const max = pdb.db.query(`SELECT MAX(step) AS m FROM metrics WHERE ${key} = ?`).get(runIds ? p.id : p.runName) as { m: bigint | null }
    next = max.m === null ? 0n : BigInt(max.m) + 1n
  }
  const steps = p.given.map((s): Step => {
    if (s !== null) return s
    if (next > STEP_MAX)
      throw new BadRequestError(
        `Cannot give run '${p.runName}' its next step: its last step is ${STEP_MAX}, the largest a step can hold (64-bit overflow); pass an explicit step`,
      )
    return next++
  })
  const flags = await insertMetricRows(pdb, p, steps, runIds)
  const traceRows: TraceRow[] = []
  for (let i = 0; i < p.traces.length; i++)
    for (const t of p.traces[i]!) traceRows.push({ ...t, runId: p.id, runName: p.runName, step: steps[i]!, timestamp: p.stamps[i]!, logId: p.logIds[i]! })
  insertTraceRows(pdb.db, traceRows)
  let configBlob = p.configBlob
  let configTs = p.configTs
  if (p.mergeConfig) {
    const key = pdb.hasRunIds('configs') ? ['run_id', p.id] : ['run_name', p.runName]
    const stored = pdb.db.query(`SELECT config, created_at FROM configs WHERE ${key[0]} = ? ORDER BY rowid DESC LIMIT 1`).get(key[1]!) as { config: unknown; created_at: string | null } | null
    // Stored values are kept byte for byte (non-finite strings stay strings); the new keys win.
    const merged: JsonObject = stored ? decodeObject(stored.config, false) : new Map()
    const add = p.mergeConfig instanceof Map ? p.mergeConfig : new Map(Object.entries(p.mergeConfig))
    for (const [k, v] of add) if (v !== undefined) merged.set(k, v)
    configBlob = encodeJson(merged)
    if (stored?.created_at) configTs = stored.created_at
  }
  if (configBlob) {
    if (pdb.hasRunIds('configs'))
      pdb.db.run('INSERT OR REPLACE INTO configs (run_id, run_name, config, created_at) VALUES (?, ?, ?, ?)', [p.id, p.runName, configBlob, configTs])
    else pdb.db.run('INSERT OR REPLACE INTO configs (run_name, config, created_at) VALUES (?, ?, ?)', [p.runName, configBlob, configTs])
  }
  const inserted = flags.filter(Boolean).length
  return { inserted, skipped: flags.length - inserted, steps: steps.map(toStep), insertedFlags: flags }
}

/**
 * INSERT OR IGNORE one run's rows into `table`: `run_id` goes first where the table has that column
 * (legacy tables are keyed by name). Returns how many rows went in (a repeated id skips one).
 */
function insertOrIgnore(pdb: ProjectDb, table: string, columns: string[], runId: string, rows: readonly unknown[][]): AppendResult {
  const runIds = pdb.hasRunIds(table)
  const cols = runIds ? ['run_id', ...columns] : columns
  const insert = pdb.db.prepare(`INSERT OR IGNORE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
  let inserted = 0
  for (const row of rows) inserted += insert.run(...((runIds ? [runId, ...row] : row) as never[])).changes
  insert.finalize()
  return { inserted, skipped: rows.length - inserted }
}

function insertSystem(pdb: ProjectDb, p: PreparedSystem): AppendResult {
  const rows = p.entries.map((e, i) => [e.timestamp ?? null, p.runName, p.blobs[i]!, e.logId ?? null])
  return insertOrIgnore(pdb, 'system_metrics', ['timestamp', 'run_name', 'metrics', 'log_id'], p.id, rows)
}

function insertAlerts(pdb: ProjectDb, p: PreparedAlerts): AppendResult {
  const rows = p.alerts.map((a, i) => [a.timestamp ?? null, p.runName, a.title ?? null, a.text ?? null, a.level ?? null, p.steps[i]!, a.alertId ?? null])
  return insertOrIgnore(pdb, 'alerts', ['timestamp', 'run_name', 'title', 'text', 'level', 'step', 'alert_id'], p.id, rows)
}

function insertPrepared(pdb: ProjectDb, p: Prepared): Promise<MetricsResult> | AppendResult {
  return p.kind === 'metrics' ? insertMetrics(pdb, p) : p.kind === 'system' ? insertSystem(pdb, p) : insertAlerts(pdb, p)
}

/**
 * Several groups of one project in ONE lock hold and ONE transaction: either every group is
 * stored or none (used by the bulk_* tools). Results are in `ops` order.
 */
export async function writeBatch(dataDir: string, project: string, ops: BatchOp[]): Promise<(MetricsResult | AppendResult)[]> {
  const prepared: Prepared[] = []
  for (const op of ops) prepared.push(await prepareAsync(op))
  if (prepared.length === 0) return []
  return writeProject(dataDir, project, async (pdb) => {
    const results: (MetricsResult | AppendResult)[] = []
    for (const p of prepared) results.push(await insertPrepared(pdb, p))
    return results
  })
}

/**
 * Insert metric rows of one run (Trackio's bulk_log for one (project, run, run_id) group): all
 * rows share `timestamp` (default: now) unless an entry brings its own; null steps continue from
 * MAX(step)+1, counted inside the lock, and a row skipped for a repeated log_id still uses up its
 * step. A non-empty `config` is stored with INSERT OR REPLACE. `runId` null means the run name
 * (compat §4).
 */
export async function appendMetrics(
  dataDir: string,
  project: string,
  runName: string,
  runId: string | null,
  entries: MetricEntry[],
  config?: JsonRecord | null,
  timestamp?: string,
): Promise<MetricsResult> {
  if (entries.length === 0) return { inserted: 0, skipped: 0, steps: [], insertedFlags: [] }
  const p = prepare({ kind: 'metrics', runName, runId, entries, config, timestamp }) as PreparedMetrics
  return writeProject(dataDir, project, (pdb) => insertMetrics(pdb, p))
}

/** Insert system-metric rows of one run (bulk_log_system): own timestamps, log_id dedup. */
export async function appendSystemMetrics(
  dataDir: string,
  project: string,
  runName: string,
  runId: string | null,
  entries: SystemEntry[],
): Promise<AppendResult> {
  if (entries.length === 0) return { inserted: 0, skipped: 0 }
  const p = prepare({ kind: 'system', runName, runId, entries }) as PreparedSystem
  return writeProject(dataDir, project, (pdb) => insertSystem(pdb, p))
}

/** Insert alerts of one run (bulk_alert): alert_id dedup, text/step optional, level verbatim. */
export async function appendAlerts(
  dataDir: string,
  project: string,
  runName: string,
  runId: string | null,
  alerts: AlertEntry[],
): Promise<AppendResult> {
  if (alerts.length === 0) return { inserted: 0, skipped: 0 }
  const p = prepare({ kind: 'alerts', runName, runId, alerts }) as PreparedAlerts
  return writeProject(dataDir, project, (pdb) => insertAlerts(pdb, p))
}
