/**
 * The scan worker's thread (started by scans.ts): reads that take seconds on a long run, done on a
 * connection of its own so the server's thread keeps answering. Each job opens the database, reads in
 * one read transaction and closes it; nothing is ever written.
 */
import { Database } from 'bun:sqlite'
import type { RunFilter } from './runs'
import { keysOfRowidRange, type KeysOfRange } from './metrics'
import { seriesOfRowidRange, seriesTransfer, type SeriesWire } from './series-cache'

export type ScanRequest =
  | { id: number; kind: 'values'; file: string; statements: [string, (string | number | bigint | null)[]][] }
  | { id: number; kind: 'series'; file: string; filter: RunFilter; metric: string; lo: number; hi: number; indexed: boolean; compact: boolean }
  | { id: number; kind: 'keys'; file: string; filter: RunFilter; lo: number; hi: number; indexed: boolean }

export type ScanResult = unknown[][][] | SeriesWire | KeysOfRange | null

export type ScanReply = { id: number; ok: true; result: ScanResult } | { id: number; ok: false; error: string }

/** How long a job waits for a writer's lock before giving up (the server then reads on its own thread). */
const BUSY_MS = 5000

/**
 * Read-only first: closing a read-write connection that happens to be the file's last one would
 * checkpoint the WAL. The server's own connection keeps the -wal and -shm files there meanwhile.
 */
function open(file: string): Database {
  let db: Database | null = null
  try {
    db = new Database(file, { readonly: true, safeIntegers: true })
    db.run(`PRAGMA busy_timeout = ${BUSY_MS}`)
    db.query('PRAGMA schema_version').values()
    return db
  } catch {
    db?.close(false)
  }
  db = new Database(file, { readwrite: true, create: false, safeIntegers: true })
  db.run(`PRAGMA busy_timeout = ${BUSY_MS}`)
  return db
}

function run(job: ScanRequest): { result: ScanResult; transfer: ArrayBuffer[] } {
  const db = open(job.file)
  try {
    db.run('BEGIN')
    try {
      switch (job.kind) {
        case 'values':
          return { result: job.statements.map(([sql, params]) => db.query(sql).values(...params) as unknown[][]), transfer: [] }
        case 'series': {
          const s = seriesOfRowidRange(db, job.filter, job.metric, job.lo, job.hi, job.indexed, job.compact)
          return { result: s, transfer: s ? seriesTransfer(s) : [] }
        }
        case 'keys':
          return { result: keysOfRowidRange(db, job.filter, job.lo, job.hi, job.indexed), transfer: [] }
      }
    } finally {
      db.run('COMMIT')
    }
  } finally {
    db.close(false)
  }
}

declare const self: Worker

self.onmessage = (event: MessageEvent<ScanRequest>) => {
  const job = event.data
  let reply: ScanReply
  let transfer: ArrayBuffer[] = []
  try {
    const done = run(job)
    reply = { id: job.id, ok: true, result: done.result }
    transfer = done.transfer
  } catch (err) {
    reply = { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) }
  }
  self.postMessage(reply, transfer)
}
