import { constants, rmdirSync, unlinkSync } from 'node:fs'
import { lstat, open, readdir } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { messageOf } from '../errors'
import { parseJson } from '../json/parse'
import type { Json } from '../json/values'
import { compareCodePoints } from '../storage/db/connection'
import { reservedProjectReason } from '../storage/db/paths'
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
    const entry = readEntry(KINDS[kind]!, v, '', 'inbox')
    // Trackio's init() refuses these names; a record for one is skipped like any invalid record.
    return reservedProjectReason(entry.key.project) ? null : entry
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

/** Folder levels below the inbox that are searched (Trackio writes `inbox/<writer id>/<seq>.jsonl`). */
const MAX_DEPTH = 4
/** Fragments and folders handled per pass; the rest waits for the next pass. */
const MAX_FRAGMENTS = 10_000
const MAX_DIRS = 10_000
/** A larger file is not a fragment the Python client wrote; it is left alone (and reported). */
export const MAX_FRAGMENT_BYTES = 64 * 1024 * 1024

/**
 * `*.jsonl` files below the inbox, relative paths in sorted order (`.tmp` files are still being
 * written). The walk is asynchronous (one readdir at a time, the event loop free in between),
 * bounded in depth and size, and never follows a symbolic link: a link in the inbox, or an inbox
 * that is a link, is a way out of the data directory, and `ln -s . x` would make it endless.
 * Each folder's names are sorted before the per-pass cap applies, so a writer's lowest
 * sequence numbers come first.
 */
async function listFragments(inbox: string): Promise<string[]> {
  try {
    const st = await lstat(inbox)
    if (st.isSymbolicLink()) throw new Error(`${inbox} is a symbolic link; it is not followed`)
    if (!st.isDirectory()) return []
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw err
  }
  const out: string[] = []
  const queue: [string, number][] = [[inbox, 0]]
  for (let dirs = 0; queue.length && dirs < MAX_DIRS && out.length < MAX_FRAGMENTS; dirs++) {
    const [dir, depth] = queue.shift()!
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch {
      continue // removed meanwhile, or unreadable
    }
    entries.sort((a, b) => compareCodePoints(a.name, b.name))
    for (const e of entries) {
      if (e.isSymbolicLink()) continue
      const path = join(dir, e.name)
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH) queue.push([path, depth + 1])
      } else if (e.isFile() && e.name.endsWith('.jsonl') && out.length < MAX_FRAGMENTS) {
        out.push(relative(inbox, path))
      }
    }
  }
  return out.sort(comparePaths)
}

/** A fragment's text, never read through a link; null when it is gone. */
async function readFragment(file: string): Promise<string | null> {
  let fh
  try {
    fh = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    if (code === 'ELOOP') throw new NotAFragment('it is a symbolic link')
    throw err
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new NotAFragment('it is not a regular file')
    if (st.size > MAX_FRAGMENT_BYTES) throw new NotAFragment(`it is larger than ${MAX_FRAGMENT_BYTES} bytes`)
    return await fh.readFile('utf8')
  } finally {
    await fh.close()
  }
}

/** A file in the inbox that is not a Trackio fragment: left where it is, reported once. */
class NotAFragment extends Error {}

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
  if (err instanceof NotAFragment) console.error(`trackio: left ${file} in the inbox untouched: ${msg}`)
  else console.error(`trackio: could not import inbox fragment ${file} (kept, retried on the next pass): ${msg}`)
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

async function importFragment(file: string, dataDir: string): Promise<{ records: number; skipped: number } | null> {
  const data = await readFragment(file)
  if (data === null) return null
  const { records, skipped } = parseFragment(data)
  // Only a file holding at least one record is a fragment we may delete; anything else is not ours.
  if (records.length === 0) throw new NotAFragment('no line of it is a Trackio inbox record')
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
    fragments = await listFragments(inbox)
  } catch (err) {
    report(inbox, err)
    return result
  }
  reported.delete(inbox)
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
  // Forget reports and partial progress of files no longer listed, so a stream of new names cannot grow them.
  // (Partial progress is kept when the listing was cut short: the file may just not be listed yet.)
  const listed = new Set(fragments.map((rel) => join(inbox, rel)))
  const maps: Map<string, unknown>[] = fragments.length < MAX_FRAGMENTS ? [reported, written] : [reported]
  for (const map of maps) for (const k of map.keys()) if (k.startsWith(inbox + sep) && !listed.has(k)) map.delete(k)
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
