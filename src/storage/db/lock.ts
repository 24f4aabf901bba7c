import { dlopen, FFIType } from 'bun:ffi'
import { closeSync, constants, openSync } from 'node:fs'
import { StorageError } from '../../errors'

/**
 * Trackio's cross-process write lock (compat §2): an exclusive, non-blocking `flock` on
 * `{TRACKIO_DIR}/{canonical}.lock`, retried every 100 ms, 100 tries. Bun has no flock, so it
 * comes from libc through bun:ffi; where libc cannot be loaded we run unlocked, as Trackio does
 * on platforms without flock. flock locks belong to an open file description, so two holders
 * inside this process would also exclude each other; an in-process queue per path keeps our own
 * callers from spinning against each other.
 */

const LOCK_EX = 2
const LOCK_NB = 4
const LOCK_UN = 8
const RETRY_MS = 100
const TRIES = 100

type Flock = (fd: number, op: number) => number

function loadFlock(): Flock | null {
  for (const name of ['libc.so.6', 'libc.dylib', '/usr/lib/libSystem.B.dylib', 'libc.so']) {
    try {
      const lib = dlopen(name, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } })
      return (fd, op) => lib.symbols.flock(fd, op)
    } catch {
      /* try the next name */
    }
  }
  return null
}

let flockFn: Flock | null | undefined

function flock(): Flock | null {
  if (flockFn === undefined) flockFn = loadFlock()
  return flockFn
}

/** Whether this platform gives us a real cross-process lock. */
export function lockingAvailable(): boolean {
  return flock() !== null
}

const queues = new Map<string, Promise<unknown>>()

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export interface LockOptions {
  /** Attempts before giving up (Trackio: 100). */
  tries?: number
  /** Pause between attempts in ms (Trackio: 100). */
  retryMs?: number
}

/**
 * Created if missing, never truncated (Trackio's `open(…, "w")` truncates a file that is always
 * empty; we must not, in case the name is not ours), and never through a symbolic link: a link
 * planted at the lock's name would otherwise make us create or open any file the server can reach.
 */
const LOCK_FLAGS = constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0)

async function acquire(lockPath: string, tries: number, retryMs: number): Promise<number> {
  let fd: number
  try {
    fd = openSync(lockPath, LOCK_FLAGS, 0o644)
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'it is a symbolic link' : (err as Error).message
    throw new StorageError(`Could not open lock file ${lockPath}: ${why}`)
  }
  const f = flock()
  if (!f) return fd
  for (let i = 0; i < tries; i++) {
    if (f(fd, LOCK_EX | LOCK_NB) === 0) return fd
    if (i + 1 < tries) await sleep(retryMs)
  }
  closeSync(fd)
  throw new StorageError('Could not acquire database lock after 10 seconds')
}

function release(fd: number): void {
  flock()?.(fd, LOCK_UN)
  closeSync(fd)
}

/**
 * Run `fn` while holding the project lock. Keep `fn` short and synchronous where possible: other
 * processes (the Python library) wait for it.
 */
export async function withProjectLock<T>(lockPath: string, fn: () => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve()
  let done!: () => void
  const mine = new Promise<void>((resolve) => (done = resolve))
  const tail = previous.then(() => mine)
  queues.set(lockPath, tail)
  try {
    await previous
    const fd = await acquire(lockPath, options.tries ?? TRIES, options.retryMs ?? RETRY_MS)
    try {
      return await fn()
    } finally {
      release(fd)
    }
  } finally {
    done()
    if (queues.get(lockPath) === tail) queues.delete(lockPath)
  }
}
