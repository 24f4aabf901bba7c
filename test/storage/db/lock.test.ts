import { describe, expect, test } from 'bun:test'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError } from '../../../src/errors'
import { lockingAvailable, withProjectLock } from '../../../src/storage/db/lock'
import { python3, tempDir } from '../../helpers'

const tmp = tempDir

/** A python3 process that takes Trackio's flock, says so, holds it for `holdS` seconds. */
function pythonHolder(lockPath: string, holdS: number): Bun.Subprocess<'ignore', 'pipe', 'pipe'> {
  const code = `import fcntl,sys,time
f=open(sys.argv[1],'w'); fcntl.flock(f, fcntl.LOCK_EX)
print('locked', flush=True); time.sleep(float(sys.argv[2])); print('released', time.time(), flush=True)`
  return Bun.spawn([python3(), '-c', code, lockPath, String(holdS)], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
}

/** Whether python3 can take the flock right now (non-blocking). */
function pythonCanLock(lockPath: string): boolean {
  const code = `import fcntl,sys
f=open(sys.argv[1],'w')
try:
    fcntl.flock(f, fcntl.LOCK_EX|fcntl.LOCK_NB); print('got')
except BlockingIOError: print('busy')`
  return Bun.spawnSync([python3(), '-c', code, lockPath]).stdout.toString().trim() === 'got'
}

/** Reads a child's stdout line by line. */
function lines(stream: ReadableStream<Uint8Array>): () => Promise<string> {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let buf = ''
  return async () => {
    while (!buf.includes('\n')) {
      const { value, done } = await reader.read()
      if (done) break
      buf += decoder.decode(value)
    }
    const at = buf.indexOf('\n')
    const line = at < 0 ? buf : buf.slice(0, at)
    buf = at < 0 ? '' : buf.slice(at + 1)
    return line
  }
}

describe.if(process.platform === 'linux')('withProjectLock on Linux', () => {
  test('libc flock is available', () => {
    expect(lockingAvailable()).toBe(true)
  })

  test('waits while a Python process holds the flock', async () => {
    const lockPath = join(tmp(), 'p.lock')
    const py = pythonHolder(lockPath, 0.6)
    const next = lines(py.stdout)
    expect(await next()).toBe('locked')
    const start = Date.now()
    const ranAt = await withProjectLock(lockPath, () => Date.now())
    const releasedAt = Number((await next()).split(' ')[1]) * 1000
    await py.exited
    expect(ranAt - start).toBeGreaterThan(300)
    expect(ranAt).toBeGreaterThanOrEqual(Math.floor(releasedAt) - 5)
  })

  test('excludes a Python flock while held, releases afterwards', async () => {
    const lockPath = join(tmp(), 'p.lock')
    const seen = await withProjectLock(lockPath, () => pythonCanLock(lockPath))
    expect(seen).toBe(false)
    expect(pythonCanLock(lockPath)).toBe(true)
    expect(existsSync(lockPath)).toBe(true)
    expect(statSync(lockPath).size).toBe(0)
  })

  test('gives up with StorageError when the lock never frees', async () => {
    const lockPath = join(tmp(), 'p.lock')
    const py = pythonHolder(lockPath, 3)
    expect(await lines(py.stdout)()).toBe('locked')
    let ran = false
    const err = await withProjectLock(lockPath, () => (ran = true), { tries: 3, retryMs: 50 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StorageError)
    expect((err as Error).message).toBe('Could not acquire database lock after 10 seconds')
    expect(ran).toBe(false)
    py.kill()
    await py.exited
  })
})

describe('withProjectLock in one process', () => {
  test('callers on the same path run one at a time, in order', async () => {
    const lockPath = join(tmp(), 'q.lock')
    const log: string[] = []
    const job = (name: string) => async (): Promise<void> => {
      log.push(`${name}+`)
      await Bun.sleep(20)
      log.push(`${name}-`)
    }
    await Promise.all([withProjectLock(lockPath, job('a')), withProjectLock(lockPath, job('b')), withProjectLock(lockPath, job('c'))])
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-'])
  })

  test('a throwing holder releases the lock and propagates its error', async () => {
    const lockPath = join(tmp(), 'e.lock')
    await expect(withProjectLock(lockPath, () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await withProjectLock(lockPath, () => 42, { tries: 1 })).toBe(42)
  })

  test('keeps an existing lock file\'s bytes (no O_TRUNC, unlike Python\'s open(..., "w"): the name may not be ours)', async () => {
    const lockPath = join(tmp(), 't.lock')
    writeFileSync(lockPath, 'junk')
    await withProjectLock(lockPath, () => undefined)
    expect(statSync(lockPath).size).toBe(4)
  })

  test('an unwritable lock path is a StorageError', async () => {
    await expect(withProjectLock(join(tmp(), 'missing-dir', 'x.lock'), () => 1)).rejects.toBeInstanceOf(StorageError)
  })
})
