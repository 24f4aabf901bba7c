import { TrackioError } from '../errors'
import { projectPaths } from '../storage/db/paths'
import { isoNow } from '../storage/db/timestamps'
import { writeBatch, type BatchOp, type MetricsResult, type AppendResult } from '../storage/write/append'
import type { EntryKind, LogEntry } from './entry'

/**
 * How entries' own timestamps are used:
 * - 'each': an entry with a timestamp keeps it, the others get the server's time (the bulk tools);
 * - 'all-or-none': a run's group keeps its entries' timestamps only when every entry has one,
 *   otherwise every row of it gets the server's time (the JSONL inbox, as Trackio imports it).
 */
export type TimestampPolicy = 'each' | 'all-or-none'

/** The writes of one project database: one op per (kind, run, run_id) group. */
export interface ProjectWrite {
  project: string
  db: string
  ops: BatchOp[]
  /** The entries of each op, in op order. */
  entries: LogEntry[][]
}

const KIND_ORDER: EntryKind[] = ['metric', 'system', 'alert']

export interface WriteOptions {
  timestamps?: TimestampPolicy
  /** Merge a run's config into the stored one instead of replacing it (the agent tools). */
  mergeConfig?: boolean
  /** The server's time for rows without their own (default: now). */
  now?: string
}

/**
 * Group entries per project database and per (kind, project, run, run_id): metric groups first, then
 * system metrics, then alerts (Trackio's order); first-seen order inside each. A metric group stores
 * the first non-empty config among its entries.
 */
export function planWrites(dataDir: string, entries: LogEntry[], o: WriteOptions = {}): ProjectWrite[] {
  const policy = o.timestamps ?? 'each'
  const now = o.now ?? isoNow()
  const groups = new Map<string, LogEntry[]>()
  for (const kind of KIND_ORDER) {
    // Entries of a batch mostly share one run key object (entry-list.ts): same object, same group.
    let lastKey: LogEntry['key'] | null = null
    let g: LogEntry[] | undefined
    for (const e of entries) {
      if (e.kind !== kind) continue
      if (e.key !== lastKey) {
        const key = JSON.stringify([kind, e.key.project, e.key.run, e.key.runId])
        g = groups.get(key)
        if (!g) groups.set(key, (g = []))
        lastKey = e.key
      }
      g!.push(e)
    }
  }
  const byDb = new Map<string, ProjectWrite>()
  for (const g of groups.values()) {
    const first = g[0]!
    const own = policy === 'each' || g.every((e) => e.timestamp !== null)
    const stamp = (e: LogEntry): string | null => (own ? e.timestamp : null)
    const { run, runId } = first.key
    let op: BatchOp
    if (first.kind === 'metric') {
      const config = g.find((e) => e.config !== null && (e.config instanceof Map ? e.config.size : Object.keys(e.config).length))?.config ?? null
      const rows = g.map((e) => ({ metrics: e.metrics, step: e.step, logId: e.id, timestamp: stamp(e) }))
      op = { kind: 'metrics', runName: run, runId, entries: rows, config, configMerge: o.mergeConfig === true, timestamp: now }
    } else if (first.kind === 'system') {
      op = { kind: 'system', runName: run, runId, entries: g.map((e) => ({ metrics: e.metrics, timestamp: stamp(e) ?? now, logId: e.id })) }
    } else {
      op = { kind: 'alerts', runName: run, runId, alerts: g.map((e) => ({ ...e.alert!, step: e.step, timestamp: stamp(e) ?? now, alertId: e.id })) }
    }
    const db = projectPaths(dataDir, first.key.project).db
    let w = byDb.get(db)
    if (!w) byDb.set(db, (w = { project: first.key.project, db, ops: [], entries: [] }))
    w.ops.push(op)
    w.entries.push(g)
  }
  return [...byDb.values()]
}

/** Write one project's groups in one transaction (all or nothing). */
export function writeProject(dataDir: string, w: ProjectWrite): Promise<(MetricsResult | AppendResult)[]> {
  return writeBatch(dataDir, w.project, w.ops)
}

/**
 * Write entries of a request: every project database in one transaction of its own, one after another
 * in first-seen order. When one fails, the error says which projects were already stored (a retry is
 * idempotent when entries carry log_id / alert_id). Results are per project, in op order.
 */
export async function writeEntries(dataDir: string, entries: LogEntry[], o: WriteOptions = {}): Promise<(MetricsResult | AppendResult)[][]> {
  const done: string[] = []
  const results: (MetricsResult | AppendResult)[][] = []
  for (const w of planWrites(dataDir, entries, o)) {
    try {
      results.push(await writeProject(dataDir, w))
    } catch (err) {
      if (!done.length || !(err instanceof Error)) throw err
      const msg = `${err.message} (nothing was stored for project '${w.project}' or later ones; already stored: ${done.map((p) => `'${p}'`).join(', ')})`
      const Cls = (err instanceof TrackioError ? err.constructor : Error) as new (m: string) => Error
      throw new Cls(msg)
    }
    done.push(w.project)
  }
  return results
}
