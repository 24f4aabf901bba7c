import { readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { messageOf } from '../errors'
import { parseJson } from '../json/parse'
import type { Json } from '../json/values'
import { compareCodePoints } from '../storage/db/connection'
import { InvalidEntry, readEntry, type EntryKind, type LogEntry } from './entry'
import { planWrites, writeProject } from './write'

/**
 * The JSONL inbox (docs/compatibility.md, "JSONL inbox"): clients in "jsonl" storage mode write immutable fragments
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

/** The record kinds of Trackio's client and the entry kind each one is. */
const KINDS: Record<string, EntryKind> = { metric: 'metric', system_metric: 'system', alert: 'alert' }

/** `TRACKIO_INBOX_POLL_INTERVAL` in seconds: default 15, at least 5, anything unparseable → 15. */
export function inboxPollSeconds(env: Record<string, string | undefined>): number {
  const raw = env.TRACKIO_INBOX_POLL_INTERVAL?.trim()
  const n = raw ? Number(raw) : Number.NaN
  if (!Number.isFinite(n)) return DEFAULT_POLL_SECONDS
  return Math.max(MIN_POLL_SECONDS, n)
}

/** A parsed line → an entry, or null when it is not one (not an object, unknown kind, bad fields). */
function toEntry(v: Json): LogEntry | null {
  if (!(v instanceof Map)) return null
  const kind = v.get('kind')
  if (typeof kind !== 'string' || !Object.hasOwn(KINDS, kind)) return null
  try {
    return readEntry(KINDS[kind]!, v, '', 'inbox')
  } catch (err) {
    if (err instanceof InvalidEntry) return null
    throw err
  }
}

/** The records of one fragment; blank lines are ignored, anything else unusable is counted. */
function parseFragment(data: string): { records: LogEntry[]; skipped: number } {
  const records: LogEntry[] = []
  let skipped = 0
  for (const raw of data.split('\n')) {
    const line = raw.trim()
    if (!line) continue
    let rec: LogEntry | null = null
    try {
      rec = toEntry(parseJson(line, { allowNonFinite: false }))
    } catch {
      rec = null
    }
    if (rec) records.push(rec)
    else skipped++
  }
  return { records, skipped }
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
  const { records, skipped } = parseFragment(data)
  let done = written.get(file)
  for (const w of planWrites(dataDir, records, { timestamps: 'all-or-none' })) {
    if (done?.has(w.db)) continue
    await writeProject(dataDir, w)
    if (!done) written.set(file, (done = new Set()))
    done.add(w.db)
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
