import type { RunFilter } from './runs'
import type { KeysOfRange } from './metrics'
import type { ScanReply, ScanRequest, ScanResult } from './scan-worker'
import type { SeriesWire } from './series-cache'

/**
 * Scan workers: threads that do the reads taking seconds on a long run (a series, a run's keys, the
 * project's run list over 2,000,000 rows) on connections of their own, so the server's thread keeps
 * answering meanwhile. At most SCAN_WORKERS threads (two halves of a long run read at once), started on
 * first use, never keeping the process alive. Identical jobs asked while one runs share its answer.
 * A caller whose job fails (no worker could start, the worker died, the queue is full) reads on its
 * own thread as before.
 */

/** Worker threads: two, or one on a single-core machine. */
export const SCAN_WORKERS = Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1))

/** Jobs waiting for a worker beyond this are refused (the caller reads on its own thread). */
export const MAX_QUEUED_SCANS = 64

type Job = ScanRequest extends infer R ? (R extends ScanRequest ? Omit<R, 'id'> : never) : never

interface Waiting {
  job: Job
  key: string
  resolve: (r: ScanResult) => void
  reject: (e: Error) => void
}

/** 'client': a request waits for it. 'background': warming up (warm-up.ts), run only while a worker is left for clients. */
export type ScanPriority = 'client' | 'background'

interface Slot {
  worker: Worker | null
  current: Waiting | null
}

let enabled = true
const slots: Slot[] = []
const queue: Waiting[] = []
const later: Waiting[] = []
const shared = new Map<string, Promise<ScanResult>>()
let nextId = 0

/** Turn the workers off (tests of the fallback) or on again; returns the previous setting. */
export function setScanWorkers(on: boolean): boolean {
  const old = enabled
  enabled = on
  return old
}

/** Jobs running or waiting (tests, benchmarks). */
export function scansInFlight(): number {
  return shared.size
}

function spawn(slot: Slot): Worker | null {
  try {
    const w = new Worker(new URL('./scan-worker.ts', import.meta.url).href)
    w.onmessage = (event: MessageEvent<ScanReply>) => {
      const done = slot.current
      slot.current = null
      if (done) {
        const r = event.data
        if (r.ok) done.resolve(r.result)
        else done.reject(new Error(r.error))
      }
      pump()
    }
    w.onerror = (event) => {
      event.preventDefault?.()
      const done = slot.current
      slot.current = null
      slot.worker = null
      w.terminate()
      done?.reject(new Error('scan worker failed'))
      pump()
    }
    w.unref()
    return w
  } catch {
    return null
  }
}

function pump(): void {
  for (;;) {
    let slot = slots.find((s) => s.current === null)
    if (!slot && slots.length < SCAN_WORKERS) {
      slot = { worker: null, current: null }
      slots.push(slot)
    }
    if (!slot) return
    const busy = slots.filter((s) => s.current !== null).length
    // Background jobs leave one worker to clients (on a one-worker machine, they run only when it is idle).
    const next = queue.shift() ?? (busy < Math.max(1, SCAN_WORKERS - 1) ? later.shift() : undefined)
    if (!next) return
    slot.worker ??= spawn(slot)
    if (!slot.worker) {
      next.reject(new Error('no scan worker'))
      continue
    }
    slot.current = next
    slot.worker.postMessage({ ...next.job, id: nextId++ })
  }
}

function submit(job: Job, priority: ScanPriority = 'client'): Promise<ScanResult> {
  if (!enabled) return Promise.reject(new Error('scan workers are off'))
  const key = JSON.stringify(job, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))
  const running = shared.get(key)
  if (running) {
    // A client now waits for a job queued in the background: it moves up.
    const i = priority === 'client' ? later.findIndex((w) => w.key === key) : -1
    if (i >= 0) {
      queue.push(later.splice(i, 1)[0]!)
      pump()
    }
    return running
  }
  const waiting = queue.length + later.length
  if (waiting >= MAX_QUEUED_SCANS) return Promise.reject(new Error('too many scans waiting'))
  const p = new Promise<ScanResult>((resolve, reject) => {
    ;(priority === 'client' ? queue : later).push({ job, key, resolve, reject })
    pump()
  })
  shared.set(key, p)
  const forget = () => shared.delete(key)
  p.then(forget, forget)
  return p
}

/** Run read-only statements in one read transaction of `file`; the rows of each (as `values()`). */
export function scanValues(file: string, statements: [string, (string | number | bigint | null)[]][], priority?: ScanPriority): Promise<unknown[][][]> {
  return submit({ kind: 'values', file, statements }, priority) as Promise<unknown[][][]>
}

/** The series of `metric` over a run's rows with lo <= rowid <= hi (see seriesOfRowidRange). */
export function scanSeries(file: string, filter: RunFilter, metric: string, lo: number, hi: number, indexed: boolean, compact: boolean, priority?: ScanPriority): Promise<SeriesWire | null> {
  return submit({ kind: 'series', file, filter, metric, lo, hi, indexed, compact }, priority) as Promise<SeriesWire | null>
}

/** The keys of a run's rows with lo <= rowid <= hi (see keysOfRowidRange). */
export function scanKeys(file: string, filter: RunFilter, lo: number, hi: number, indexed: boolean, priority?: ScanPriority): Promise<KeysOfRange | null> {
  return submit({ kind: 'keys', file, filter, lo, hi, indexed }, priority) as Promise<KeysOfRange | null>
}
