import { describe, expect, test } from 'bun:test'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError } from '../../../src/errors'
import { importInbox } from '../../../src/ingest/inbox'
import { withProjectLock } from '../../../src/storage/db/lock'
import { appendMetrics } from '../../../src/storage/write/append'
import { copyFixtures, inProcessApp, tempDir } from '../../helpers'

/** Real symbolic links in temporary directories: a process writing into TRACKIO_DIR must not act through the server. */

const H = { 'x-trackio-write-token': 'test-token' }
const SECRET = 'precious bytes outside the data directory\n'

function outside(): { dir: string; file: string } {
  const dir = tempDir()
  const file = join(dir, 'precious.txt')
  writeFileSync(file, SECRET)
  return { dir, file }
}

describe('<project>.lock', () => {
  test('a planted link is neither followed nor truncated: the write is a 503, the target keeps its bytes', async () => {
    const data = tempDir()
    const o = outside()
    symlinkSync(o.file, join(data, 'evil.lock'))
    const err = await appendMetrics(data, 'evil', 'r', null, [{ metrics: new Map([['x', 1]]), step: 0 }]).catch((e) => e)
    expect(err).toBeInstanceOf(StorageError)
    expect(err.message).toContain('symbolic link')
    expect(readFileSync(o.file, 'utf8')).toBe(SECRET)
  })

  test('the inbox import alone does not truncate through it either (the fragment is kept)', async () => {
    const data = tempDir()
    const o = outside()
    symlinkSync(o.file, join(data, 'evil.lock'))
    mkdirSync(join(data, 'inbox', 'w'), { recursive: true })
    const frag = join(data, 'inbox', 'w', '00000001.jsonl')
    writeFileSync(frag, JSON.stringify({ kind: 'metric', project: 'evil', run: 'r', metrics: { x: 1 }, step: 0 }) + '\n')
    const errors: unknown[] = []
    const orig = console.error
    console.error = (...a: unknown[]) => void errors.push(a)
    try {
      expect((await importInbox(data)).files).toBe(0)
    } finally {
      console.error = orig
    }
    expect(readFileSync(o.file, 'utf8')).toBe(SECRET)
    expect(existsSync(frag)).toBe(true)
    expect(errors).toHaveLength(1)
  })

  test('an existing lock file with content is not truncated (opened without O_TRUNC)', async () => {
    const data = tempDir()
    const lock = join(data, 'p.lock')
    writeFileSync(lock, 'keep me')
    await withProjectLock(lock, () => 1)
    expect(readFileSync(lock, 'utf8')).toBe('keep me')
  })
})

describe('<project>.db and its SQLite sidecars', () => {
  test('a dangling .db link: no database is created outside the data directory (503), nothing written', async () => {
    const data = tempDir()
    const o = outside()
    const target = join(o.dir, 'created-outside.db')
    symlinkSync(target, join(data, 'ghost.db'))
    const { call } = await inProcessApp(data)
    const r = await call('log_metrics', { project: 'ghost', run: 'r', metrics: { x: 1 }, new_run: true }, H)
    expect(r.status).toBe(503)
    expect(r.json.error).toContain('symbolic link')
    expect(existsSync(target)).toBe(false)
    expect(readdirSync(o.dir)).toEqual(['precious.txt'])
  })

  test('a .db link to a database outside: reads and writes refuse (503), the outside file is unchanged', async () => {
    const src = copyFixtures('basic')
    const o = outside()
    const foreign = join(o.dir, 'foreign.db')
    copyFileSync(join(src, 'image-classification.db'), foreign)
    const before = readFileSync(foreign)
    const data = tempDir()
    symlinkSync(foreign, join(data, 'stolen.db'))
    const { call } = await inProcessApp(data)
    const read = await call('get_runs_for_project', { project: 'stolen' })
    expect(read.status).toBe(503)
    expect(read.json.error).toContain('out of the data directory')
    expect((await call('log_metrics', { project: 'stolen', run: 'r', metrics: { x: 1 }, new_run: true }, H)).status).toBe(503)
    expect((await call('delete_run', { project: 'stolen', run: 'baseline' }, H)).status).toBe(503)
    expect(readFileSync(foreign).equals(before)).toBe(true)
    expect(readdirSync(o.dir).sort()).toEqual(['foreign.db', 'precious.txt'])
  })

  test('a .db link to another database inside the data directory still works', async () => {
    const data = copyFixtures('basic')
    symlinkSync(join(data, 'image-classification.db'), join(data, 'alias.db'))
    const { call } = await inProcessApp(data)
    const r = await call('get_runs_for_project', { project: 'alias' })
    expect(r.status).toBe(200)
    expect(r.json.data.length).toBeGreaterThan(0)
  })

  test.each(['-wal', '-shm', '-journal'])('a %s link is refused for reads and writes; its target is untouched', async (suffix) => {
    const data = copyFixtures('basic')
    const o = outside()
    symlinkSync(o.file, join(data, `image-classification.db${suffix}`))
    const { call } = await inProcessApp(data)
    expect((await call('get_runs_for_project', { project: 'image-classification' })).status).toBe(503)
    const w = await call('log_metrics', { project: 'image-classification', run: 'r', metrics: { x: 1 }, new_run: true }, H)
    expect(w.status).toBe(503)
    expect(w.json.error).toContain(`image-classification.db${suffix} is a symbolic link`)
    expect(readFileSync(o.file, 'utf8')).toBe(SECRET)
  })
})
