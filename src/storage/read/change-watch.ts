import { statSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import type { ProjectDb, Storage } from '../db/connection'
import { text } from '../db/decode'

/** A run as the change feed names it (run_id; the name in legacy name-keyed tables). */
export interface RunRef {
  id: string
  name: string
}

/** What changed in one project between two checks. */
export interface ProjectChange {
  /** The project's stem (its database file name without `.db`). */
  project: string
  /** The database file appeared (true) or disappeared (false); undefined when it was there both times. */
  appeared?: boolean
  /** Runs with new rows in `metrics`. */
  newSteps: RunRef[]
  /** Runs with new rows in `alerts`. */
  newAlerts: RunRef[]
  created: RunRef[]
  deleted: RunRef[]
  renamed: { id: string; from: string; to: string }[]
}

export type ChangeListener = (changes: ProjectChange[]) => void

export interface ChangeWatchOptions {
  /** Fallback interval at which file signatures are compared when no fs event arrives (default 1000 ms). */
  pollMs?: number
  /** Shortest gap between two checks; events inside it are coalesced into the next check (default 100 ms). */
  minGapMs?: number
  /** At most this many listeners (default 64); adding one more throws. */
  maxListeners?: number
}

interface Marks {
  /** mtime and size of the database file and its WAL: a different value means "look inside". */
  sig: string
  metrics: bigint
  alerts: bigint
  /** Highest rowid of every other table that grows (system metrics, configs): appends there are not run-set changes. */
  others: bigint
  runs: Map<string, string>
}

/**
 * How long after an unexplained file change the project is read again, and how many times: after
 * 40, 80, 160, 320, 640 and 1280 ms (2.5 s in all), since a writer's commit can stay invisible for
 * as long as its fsync takes on a busy disk.
 */
const SETTLE_MS = 40
const SETTLE_LOOKS = 6

function fileSig(path: string): string {
  try {
    const s = statSync(path)
    return `${s.mtimeMs}:${s.size}:${s.ino}`
  } catch {
    return '-'
  }
}

function maxRowid(p: ProjectDb, table: string): bigint {
  if (!p.hasTable(table)) return 0n
  const v = p.db.query(`SELECT MAX(rowid) FROM "${table}"`).values()[0]?.[0]
  return typeof v === 'bigint' ? v : BigInt((v as number | null) ?? 0)
}

function runsAfter(p: ProjectDb, table: string, after: bigint): RunRef[] {
  if (!p.hasTable(table)) return []
  const idCol = p.hasRunIds(table) ? 'run_id' : 'run_name'
  return p.db
    .query(`SELECT DISTINCT ${idCol}, run_name FROM "${table}" WHERE rowid > ?`)
    .values(after)
    .map(([id, name]) => ({ id: text(id) ?? '', name: text(name) ?? '' }))
}

/**
 * Run id → current name, from the metrics table alone: DISTINCT over the (run, step) index, then
 * one index seek per run for the name of its last row. Much cheaper than the full run listing
 * (which groups every row by name and time); runs known only from artifact links have no steps
 * and are left out.
 */
function runSet(p: ProjectDb): Map<string, string> {
  if (!p.hasTable('metrics')) return new Map()
  if (!p.hasRunIds('metrics')) return new Map(p.db.query('SELECT DISTINCT run_name FROM metrics').values().map(([n]) => [text(n) ?? '', text(n) ?? '']))
  const nameOf = p.db.query('SELECT run_name FROM metrics WHERE run_id = ? ORDER BY step DESC LIMIT 1')
  const out = new Map<string, string>()
  for (const [id] of p.db.query('SELECT DISTINCT run_id FROM metrics').values()) {
    const key = text(id) ?? ''
    out.set(key, text(nameOf.values(key)[0]?.[0]) ?? '')
  }
  return out
}

/**
 * Notices changes to the projects below a data directory however they were written (our API,
 * the JSONL inbox, or Trackio's Python library on the same files), without polling SQLite:
 * fs.watch on the directory (plus a slow stat poll where events are not delivered) tells which
 * database or WAL file moved; only those projects are opened, and only to compare high-water
 * marks (MAX(rowid) of metrics and alerts: an index lookup each). New rows name the runs that
 * got steps or alerts; a change that appended nothing there (a rename, a delete) or new rows of
 * an unknown run re-reads the run set and reports created, deleted and renamed runs.
 * Listeners are called synchronously with one batch per check and must not block.
 */
export class ChangeWatcher {
  private readonly marks = new Map<string, Marks>()
  private readonly listeners = new Set<ChangeListener>()
  private fsWatcher: FSWatcher | null = null
  private poller: ReturnType<typeof setInterval> | null = null
  private pending: ReturnType<typeof setTimeout> | null = null
  /** Projects whose files moved without a visible change, with the looks left (see check). */
  private readonly settle = new Map<string, number>()
  private settleTimer: ReturnType<typeof setTimeout> | null = null
  private lastCheck = 0
  private started = false
  private baselineTaken = false
  private readonly pollMs: number
  private readonly minGapMs: number
  private readonly maxListeners: number

  constructor(
    private readonly storage: Storage,
    o: ChangeWatchOptions = {},
  ) {
    this.pollMs = o.pollMs ?? 1000
    this.minGapMs = o.minGapMs ?? 100
    this.maxListeners = o.maxListeners ?? 64
  }

  get listenerCount(): number {
    return this.listeners.size
  }

  /** Add a listener (starting the watcher with the first); returns its remover. */
  on(listener: ChangeListener): () => void {
    if (this.listeners.size >= this.maxListeners) throw new Error(`at most ${this.maxListeners} change listeners`)
    this.listeners.add(listener)
    this.start()
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Take the baseline (current marks of every project) and begin watching. Idempotent. */
  start(): void {
    if (this.started) return
    this.started = true
    this.check()
    try {
      this.fsWatcher = watch(this.storage.dataDir, { persistent: false }, (_event, name) => {
        if (name === null || /\.db(-wal)?$/.test(String(name))) this.schedule()
      })
      this.fsWatcher.on('error', () => {
        this.fsWatcher?.close()
        this.fsWatcher = null
      })
    } catch {
      // No directory yet, or no inotify: the poll below still finds changes.
      this.fsWatcher = null
    }
    this.poller = setInterval(() => this.schedule(), this.pollMs)
    ;(this.poller as { unref?: () => void }).unref?.()
  }

  close(): void {
    this.fsWatcher?.close()
    this.fsWatcher = null
    if (this.poller) clearInterval(this.poller)
    if (this.pending) clearTimeout(this.pending)
    if (this.settleTimer) clearTimeout(this.settleTimer)
    this.poller = this.pending = this.settleTimer = null
    this.settle.clear()
    this.listeners.clear()
    this.started = false
  }

  private schedule(): void {
    if (this.pending) return
    const wait = Math.max(0, this.lastCheck + this.minGapMs - Date.now())
    this.pending = setTimeout(() => {
      this.pending = null
      this.check()
    }, wait)
    ;(this.pending as { unref?: () => void }).unref?.()
  }

  /** Compare every project with its marks now; returns (and sends to listeners) what changed. */
  check(): ProjectChange[] {
    this.lastCheck = Date.now()
    const dir = this.storage.dataDir
    const stems = new Set(this.storage.listProjects())
    const changes: ProjectChange[] = []
    const blank = (project: string): ProjectChange => ({ project, newSteps: [], newAlerts: [], created: [], deleted: [], renamed: [] })
    for (const [stem, m] of this.marks) {
      if (stems.has(stem)) continue
      this.marks.delete(stem)
      changes.push({ ...blank(stem), appeared: false, deleted: [...m.runs].map(([id, name]) => ({ id, name })) })
    }
    for (const stem of stems) {
      const db = join(dir, `${stem}.db`)
      const sig = `${fileSig(db)}|${fileSig(`${db}-wal`)}`
      const old = this.marks.get(stem)
      const looksLeft = this.settle.get(stem)
      this.settle.delete(stem)
      if (old && old.sig === sig && looksLeft === undefined) continue
      let seen: { marks: Marks; steps: RunRef[]; alerts: RunRef[] }
      try {
        seen = this.read(stem, sig, old)
      } catch {
        // Locked by a writer, half-written or not a database (yet): look again at the next event or poll.
        if (old) old.sig = '?'
        continue
      }
      const next = seen.marks
      this.marks.set(stem, next)
      if (!old) {
        // The baseline of the first check reports nothing; a file that shows up later is news.
        if (this.baselineTaken) changes.push({ ...blank(stem), appeared: true, created: [...next.runs].map(([id, name]) => ({ id, name })) })
        continue
      }
      const c = diff(stem, old, next, seen.steps, seen.alerts)
      if (c) changes.push(c)
      // Another process's WAL frames are on disk a moment before its commit is visible to
      // readers (the wal-index in -shm is updated last, and its mtime says nothing): a file
      // change with no visible effect is looked at again shortly after, a few times.
      else if (looksLeft === undefined) this.settle.set(stem, SETTLE_LOOKS - 1)
      else if (looksLeft > 0) this.settle.set(stem, looksLeft - 1)
    }
    this.baselineTaken = true
    if (this.settle.size && !this.settleTimer && this.started) {
      // Not held back by minGapMs: a few extra stats and MAX(rowid) reads per moved file. The gap
      // doubles with each look of the project that has had the fewest.
      const looksDone = SETTLE_LOOKS - 1 - Math.max(...this.settle.values())
      this.settleTimer = setTimeout(() => {
        this.settleTimer = null
        if (!this.pending) this.check()
      }, SETTLE_MS * 2 ** looksDone)
      ;(this.settleTimer as { unref?: () => void }).unref?.()
    }
    if (changes.length)
      for (const l of [...this.listeners]) {
        try {
          l(changes)
        } catch (err) {
          console.error('trackio: change listener failed:', err)
        }
      }
    return changes
  }

  private read(stem: string, sig: string, old: Marks | undefined): { marks: Marks; steps: RunRef[]; alerts: RunRef[] } {
    const p = this.storage.project(stem)
    if (!p) throw new Error('gone')
    return p.read(() => {
      const metrics = maxRowid(p, 'metrics')
      const alerts = maxRowid(p, 'alerts')
      const others = ['system_metrics', 'configs', 'traces', 'project_metadata'].reduce((s, t) => s + maxRowid(p, t), 0n)
      if (!old) return { marks: { sig, metrics, alerts, others, runs: runSet(p) }, steps: [], alerts: [] }
      const steps = metrics > old.metrics ? runsAfter(p, 'metrics', old.metrics) : []
      const newAlerts = alerts > old.alerts ? runsAfter(p, 'alerts', old.alerts) : []
      const appended = metrics > old.metrics || alerts > old.alerts || others > old.others
      const unknownRun = [...steps, ...newAlerts].some((r) => old.runs.get(r.id) !== r.name)
      // Shrunk marks or nothing appended: rows were updated or deleted (rename, delete_run).
      const rewritten = !appended || metrics < old.metrics || alerts < old.alerts
      const runs = unknownRun || rewritten ? runSet(p) : old.runs
      return { marks: { sig, metrics, alerts, others, runs }, steps, alerts: newAlerts }
    })
  }
}

function diff(stem: string, old: Marks, next: Marks, steps: RunRef[], alerts: RunRef[]): ProjectChange | null {
  const c: ProjectChange = { project: stem, newSteps: steps, newAlerts: alerts, created: [], deleted: [], renamed: [] }
  if (next.runs !== old.runs) {
    for (const [id, name] of next.runs) {
      const before = old.runs.get(id)
      if (before === undefined) c.created.push({ id, name })
      else if (before !== name) c.renamed.push({ id, from: before, to: name })
    }
    for (const [id, name] of old.runs) if (!next.runs.has(id)) c.deleted.push({ id, name })
  }
  const empty = !c.newSteps.length && !c.newAlerts.length && !c.created.length && !c.deleted.length && !c.renamed.length
  return empty ? null : c
}
