import { readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { BadRequestError, messageOf } from '../errors'
import { parseJson } from '../json/parse'
import { JsonFloat, type Json, type JsonObject } from '../json/values'
import { compareCodePoints } from '../storage/db/connection'
import { encodeJsonText } from '../storage/db/encode'
import { projectPaths, reservedProjectReason, stemTooLong } from '../storage/db/paths'
import { isoNow } from '../storage/db/timestamps'
import { writeBatch, type AlertEntry, type BatchOp, type JsonRecord, type MetricEntry, type Step, type SystemEntry } from '../storage/write/append'

/**
 * The JSONL inbox (spec 8.6): clients in "jsonl" storage mode write immutable fragments
 * `TRACKIO_DIR/inbox/<writer id>/<seq>.jsonl` (via a `.tmp` file and a rename); the server imports
 * them with the ordinary INSERT OR IGNORE writes and deletes them. Records carry log_id / alert_id,
 * so importing a fragment twice (a crash between the write and the delete) adds nothing.
 */

export interface InboxReport {
  /** Fragments imported and deleted. */
  files: number
  /** Records of those fragments handed to the writer (duplicates are then ignored by SQLite). */
  records: number
  /** Lines of those fragments that were not JSON, not a known kind, or not a valid record. */
  skipped: number
}

export const INBOX_DIR = 'inbox'
export const DEFAULT_POLL_SECONDS = 15
export const MIN_POLL_SECONDS = 5

const KINDS = ['metric', 'system_metric', 'alert'] as const
type Kind = (typeof KINDS)[number]

/** One valid record, already in the writer's terms. */
interface InboxRecord {
  kind: Kind
  project: string
  run: string
  runId: string | null
  timestamp: string | null
  metrics: JsonObject
  step: Step | null
  config: JsonObject | null
  logId: string | null
  alert: Omit<AlertEntry, 'timestamp'> | null
}

/** `TRACKIO_INBOX_POLL_INTERVAL` in seconds: default 15, at least 5, anything unparseable → 15. */
export function inboxPollSeconds(env: Record<string, string | undefined>): number {
  const raw = env.TRACKIO_INBOX_POLL_INTERVAL?.trim()
  const n = raw ? Number(raw) : Number.NaN
  if (!Number.isFinite(n)) return DEFAULT_POLL_SECONDS
  return Math.max(MIN_POLL_SECONDS, n)
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

class InvalidRecord extends Error {}

function invalid(): never {
  throw new InvalidRecord()
}

function isObject(v: Json | undefined): v is JsonObject {
  return v instanceof Map
}

function text(v: Json | undefined, fallback: string | null = null): string | null {
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'string' || LONE_SURROGATE.test(v)) invalid()
  return v
}

function name(v: Json | undefined): string {
  const s = text(v)
  return s ? s : invalid()
}

/** An object value to store; absent/null → `{}`; one the writer would refuse → invalid record. */
function storable(v: Json | undefined): JsonObject {
  if (v === undefined || v === null) return new Map()
  if (!isObject(v)) invalid()
  try {
    encodeJsonText(v)
  } catch (err) {
    if (err instanceof BadRequestError) invalid()
    throw err
  }
  return v
}

function step(v: Json | undefined): Step | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n) return v
  if (v instanceof JsonFloat && Number.isSafeInteger(Number(v.text))) return Number(v.text)
  return invalid()
}

/** A parsed line → a record, or null when it is not one (not an object, unknown kind, bad fields). */
function toRecord(v: Json, dataDir: string): InboxRecord | null {
  if (!isObject(v)) return null
  const kind = v.get('kind')
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) return null
  try {
    const project = name(v.get('project'))
    if (stemTooLong(projectPaths(dataDir, project).stem) || reservedProjectReason(project)) return null
    const timestamp = text(v.get('timestamp'))
    const rec: InboxRecord = {
      kind: kind as Kind,
      project,
      run: name(v.get('run')),
      runId: text(v.get('run_id')),
      timestamp: timestamp ? timestamp : null,
      metrics: new Map(),
      step: null,
      config: null,
      logId: null,
      alert: null,
    }
    if (kind === 'alert') {
      rec.alert = {
        title: text(v.get('title'), '')!,
        text: text(v.get('text')),
        level: text(v.get('level')) || 'WARN',
        step: step(v.get('step')),
        alertId: text(v.get('alert_id')),
      }
      return rec
    }
    rec.metrics = storable(v.get('metrics'))
    rec.logId = text(v.get('log_id'))
    if (kind === 'metric') {
      rec.step = step(v.get('step'))
      const config = v.get('config')
      if (isObject(config) && config.size) rec.config = storable(config)
    }
    return rec
  } catch (err) {
    if (err instanceof InvalidRecord) return null
    throw err
  }
}

/** The records of one fragment; blank lines are ignored, anything else unusable is counted. */
function parseFragment(data: string, dataDir: string): { records: InboxRecord[]; skipped: number } {
  const records: InboxRecord[] = []
  let skipped = 0
  for (const raw of data.split('\n')) {
    const line = raw.trim()
    if (!line) continue
    let rec: InboxRecord | null = null
    try {
      rec = toRecord(parseJson(line, { allowNonFinite: false }), dataDir)
    } catch {
      rec = null
    }
    if (rec) records.push(rec)
    else skipped++
  }
  return { records, skipped }
}

/**
 * Writer operations per project database: one op per (kind, project, run, run_id) group, metric
 * groups first, then system metrics, then alerts (Trackio's order); first-seen order inside each.
 * A group uses the records' own timestamps only when every record of it has one.
 */
function operations(records: InboxRecord[], dataDir: string): Map<string, { project: string; ops: BatchOp[] }> {
  const groups = new Map<string, InboxRecord[]>()
  for (const kind of KINDS)
    for (const r of records) {
      if (r.kind !== kind) continue
      const key = JSON.stringify([kind, r.project, r.run, r.runId])
      let g = groups.get(key)
      if (!g) groups.set(key, (g = []))
      g.push(r)
    }
  const byDb = new Map<string, { project: string; ops: BatchOp[] }>()
  for (const g of groups.values()) {
    const first = g[0]!
    const own = g.every((r) => r.timestamp !== null)
    const now = isoNow()
    let op: BatchOp
    if (first.kind === 'metric') {
      const entries: MetricEntry[] = g.map((r) => ({ metrics: r.metrics, step: r.step, logId: r.logId, timestamp: own ? r.timestamp : null }))
      const config: JsonRecord | null = g.find((r) => r.config)?.config ?? null
      op = { kind: 'metrics', runName: first.run, runId: first.runId, entries, config, timestamp: now }
    } else if (first.kind === 'system_metric') {
      const entries: SystemEntry[] = g.map((r) => ({ metrics: r.metrics, timestamp: own ? r.timestamp : now, logId: r.logId }))
      op = { kind: 'system', runName: first.run, runId: first.runId, entries }
    } else {
      const alerts: AlertEntry[] = g.map((r) => ({ ...r.alert!, timestamp: own ? r.timestamp : now }))
      op = { kind: 'alerts', runName: first.run, runId: first.runId, alerts }
    }
    const db = projectPaths(dataDir, first.project).db
    let b = byDb.get(db)
    if (!b) byDb.set(db, (b = { project: first.project, ops: [] }))
    b.ops.push(op)
  }
  return byDb
}

/** Path-segment order, as Python sorts Path objects. */
function comparePaths(a: string, b: string): number {
  const x = a.split(sep)
  const y = b.split(sep)
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = compareCodePoints(x[i]!, y[i]!)
    if (d) return d
  }
  return x.length - y.length
}

/** Every `*.jsonl` file below the inbox, relative paths in sorted order (`.tmp` files are still being written). */
function listFragments(inbox: string): string[] {
  let names: string[]
  try {
    names = readdirSync(inbox, { recursive: true }) as string[]
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return []
    throw err
  }
  const out: string[] = []
  for (const n of names) {
    if (!n.endsWith('.jsonl')) continue
    try {
      if (statSync(join(inbox, n)).isFile()) out.push(n)
    } catch {
      /* removed meanwhile */
    }
  }
  return out.sort(comparePaths)
}

/** Per fragment (absolute path): the project databases already written, so a retry after a partial failure skips them. */
const written = new Map<string, Set<string>>()
/** Per fragment: the last error reported, so a fragment that keeps failing is reported once. */
const reported = new Map<string, string>()
/** Per data directory: the pass in progress (passes never overlap, and a caller waits for its own). */
const passes = new Map<string, Promise<InboxReport>>()

function report(file: string, err: unknown): void {
  const msg = messageOf(err)
  if (reported.get(file) === msg) return
  reported.set(file, msg)
  console.error(`trackio: could not import inbox fragment ${file} (kept, retried on the next pass): ${msg}`)
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

async function importFragment(file: string, dataDir: string): Promise<{ records: number; skipped: number } | null> {
  let data: string
  try {
    data = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const { records, skipped } = parseFragment(data, dataDir)
  let done = written.get(file)
  for (const [db, { project, ops }] of operations(records, dataDir)) {
    if (done?.has(db)) continue
    await writeBatch(dataDir, project, ops)
    if (!done) written.set(file, (done = new Set()))
    done.add(db)
  }
  try {
    unlinkSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  written.delete(file)
  reported.delete(file)
  return { records: records.length, skipped }
}

async function runPass(dataDir: string): Promise<InboxReport> {
  const result: InboxReport = { files: 0, records: 0, skipped: 0 }
  const inbox = join(dataDir, INBOX_DIR)
  let fragments: string[]
  try {
    fragments = listFragments(inbox)
  } catch (err) {
    report(inbox, err)
    return result
  }
  const emptied = new Set<string>()
  for (const rel of fragments) {
    const file = join(inbox, rel)
    try {
      const r = await importFragment(file, dataDir)
      if (r) {
        result.files++
        result.records += r.records
        result.skipped += r.skipped
        emptied.add(dirname(file))
      }
    } catch (err) {
      report(file, err)
    }
    await tick()
  }
  // Only directories we just emptied: removing another writer's fresh, still-empty directory would race its first write.
  for (const dir of emptied) {
    if (dir === inbox) continue
    try {
      rmdirSync(dir)
    } catch {
      /* not empty (a .tmp or a newer fragment) or already gone */
    }
  }
  return result
}

/**
 * Import every fragment of `dataDir/inbox` (sorted path order) and delete it. Never throws: a
 * fragment whose write fails is kept for the next pass and its error printed to stderr once.
 * Calls for one directory run one after another.
 */
export function importInbox(dataDir: string): Promise<InboxReport> {
  const key = resolve(dataDir)
  const before = passes.get(key)
  const pass = (before ?? Promise.resolve()).then(() => runPass(key))
  passes.set(key, pass)
  void pass.finally(() => {
    if (passes.get(key) === pass) passes.delete(key)
  })
  return pass
}

export interface InboxPoller {
  /** Stop polling and wait for a pass in progress. */
  stop(): Promise<void>
}

/** Import now (in the background), then every `TRACKIO_INBOX_POLL_INTERVAL` seconds, skipping a tick while a pass runs. */
export function startInboxPoller(dataDir: string, env: Record<string, string | undefined>): InboxPoller {
  let current: Promise<unknown> | null = null
  const poll = () => {
    if (current) return
    current = importInbox(dataDir).finally(() => {
      current = null
    })
  }
  poll()
  const timer = setInterval(poll, inboxPollSeconds(env) * 1000)
  timer.unref()
  return {
    stop: async () => {
      clearInterval(timer)
      await current
    },
  }
}
