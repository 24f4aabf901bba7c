import type { Database } from 'bun:sqlite'
import { statSync } from 'node:fs'

/**
 * WAL checkpoints off the event loop. SQLite checkpoints at COMMIT once the WAL holds 1,000 pages
 * (its `wal_autocheckpoint`, which Trackio keeps): after a 50,000-row batch that copies some 15 MB
 * into the database file and fsyncs both files, about 100 ms during which the server answered
 * nothing. Our write connections turn that off (`PRAGMA wal_autocheckpoint = 0`, a per-connection
 * setting: the files are the same) and `closeWriter` hands the same PASSIVE checkpoint, past the
 * same threshold, to a worker thread with a connection of its own, closing the write connection
 * once it is done (were ours the last connection, closing it would checkpoint on this thread).
 */

/** SQLite's default `wal_autocheckpoint`: the WAL size, in pages, from which a checkpoint runs. */
export const CHECKPOINT_PAGES = 1000

/** A checkpoint not answered in this time is given up (the connection is closed anyway). */
const CHECKPOINT_TIMEOUT_MS = 30_000

/** The worker's code: one message per checkpoint, `{id, file, pragmas}` → `{id, error?}`. */
const WORKER_SOURCE = `
import { Database } from 'bun:sqlite'
self.onmessage = (event) => {
  const { id, file, pragmas } = event.data
  let db
  try {
    db = new Database(file, { readwrite: true, create: false })
    for (const sql of pragmas) db.run(sql)
    db.query('PRAGMA wal_checkpoint(PASSIVE)').get()
    postMessage({ id })
  } catch (err) {
    postMessage({ id, error: String(err) })
  } finally {
    try { db?.close(false) } catch {}
  }
}
`

const NO_WORKER = 'no checkpoint worker'

let worker: Worker | null | undefined
let nextId = 0
const waiting = new Map<number, (error: string | null) => void>()
const pending = new Set<Promise<void>>()

function checkpointWorker(): Worker | null {
  if (worker !== undefined) return worker
  try {
    const w = new Worker(URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'application/javascript' })))
    w.onmessage = (event: MessageEvent<{ id: number; error?: string }>) => {
      waiting.get(event.data.id)?.(event.data.error ?? null)
      waiting.delete(event.data.id)
    }
    w.onerror = () => {
      for (const done of waiting.values()) done('checkpoint worker failed')
      waiting.clear()
      worker = null
    }
    w.unref()
    worker = w
  } catch {
    worker = null
  }
  return worker
}

/** Whether the WAL of `file` holds at least CHECKPOINT_PAGES pages of `pageSize` bytes. */
export function walIsLarge(file: string, pageSize: number): boolean {
  try {
    return statSync(`${file}-wal`).size >= 32 + CHECKPOINT_PAGES * (pageSize + 24)
  } catch {
    return false
  }
}

/** A PASSIVE checkpoint of `file` on the worker's own connection (with `pragmas`); resolves with an error text or null. */
export function checkpointAsync(file: string, pragmas: readonly string[]): Promise<string | null> {
  const w = checkpointWorker()
  if (!w) return Promise.resolve(NO_WORKER)
  const id = nextId++
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id)
      resolve('checkpoint timed out')
    }, CHECKPOINT_TIMEOUT_MS)
    timer.unref()
    waiting.set(id, (error) => {
      clearTimeout(timer)
      resolve(error)
    })
    w.postMessage({ id, file, pragmas })
  })
}

/**
 * Close a write connection of `file` after its last COMMIT. A large WAL is checkpointed first, by
 * the worker (or, without one, here, as SQLite would have at COMMIT); the connection stays open,
 * idle, until then. A checkpoint that fails (another process checkpointing) is left to the next write.
 */
export function closeWriter(db: Database, file: string, pragmas: readonly string[]): void {
  let large = false
  try {
    large = walIsLarge(file, Number((db.query('PRAGMA page_size').get() as { page_size: number | bigint }).page_size))
  } catch {
    /* closed below */
  }
  if (!large) return db.close(false)
  const done = checkpointAsync(file, pragmas).then((error) => {
    try {
      if (error === NO_WORKER) db.query('PRAGMA wal_checkpoint(PASSIVE)').get()
    } catch {
      /* the next write's checkpoint will do */
    }
    db.close(false)
  })
  pending.add(done)
  void done.finally(() => pending.delete(done))
}

/** Resolves once every checkpoint handed over so far is done (tests; orderly shutdown). */
export async function checkpointsSettled(): Promise<void> {
  while (pending.size) await Promise.all([...pending])
}
