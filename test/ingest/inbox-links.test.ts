import { describe, expect, spyOn, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importInbox } from '../../src/ingest/inbox'
import { tempDir } from '../helpers'

/** The inbox is written by other processes: links are never followed, only real fragments are deleted (real links). */

const line = (o: Record<string, unknown>) => JSON.stringify({ v: 1, kind: 'metric', run: 'r', run_id: null, metrics: { x: 1 }, step: 0, timestamp: null, config: null, log_id: 'L', ...o }) + '\n'

function fragment(dataDir: string, rel: string, text: string): string {
  const file = join(dataDir, 'inbox', rel)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, text)
  return file
}

/** A home-like folder outside the data directory: a valid-looking fragment and an empty folder. */
function outsideHome(): { dir: string; jsonl: string; empty: string } {
  const dir = tempDir()
  const jsonl = join(dir, 'notes.jsonl')
  writeFileSync(jsonl, line({ project: 'stolen' }))
  const empty = join(dir, 'empty-folder')
  mkdirSync(empty)
  return { dir, jsonl, empty }
}

async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; errors: string[] }> {
  const errors: string[] = []
  const spy = spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')))
  try {
    return { value: await fn(), errors }
  } finally {
    spy.mockRestore()
  }
}

describe('inbox and symbolic links', () => {
  test('a link in inbox/ to a folder outside: nothing there is read, deleted or served', async () => {
    const data = tempDir()
    const home = outsideHome()
    mkdirSync(join(data, 'inbox'))
    symlinkSync(home.dir, join(data, 'inbox', 'home'))
    const ok = fragment(data, 'w1/00000000.jsonl', line({ project: 'real' }))
    const { value } = await quietly(() => importInbox(data))
    expect(value).toEqual({ files: 1, records: 1, skipped: 0 })
    expect(existsSync(ok)).toBe(false)
    expect(existsSync(home.jsonl)).toBe(true)
    expect(existsSync(home.empty)).toBe(true)
    expect(existsSync(join(data, 'stolen.db'))).toBe(false)
    expect(existsSync(join(data, 'real.db'))).toBe(true)
  })

  test('a fragment that is a link to a file outside is neither read nor deleted', async () => {
    const data = tempDir()
    const home = outsideHome()
    mkdirSync(join(data, 'inbox', 'w1'), { recursive: true })
    symlinkSync(home.jsonl, join(data, 'inbox', 'w1', '00000000.jsonl'))
    const { value } = await quietly(() => importInbox(data))
    expect(value).toEqual({ files: 0, records: 0, skipped: 0 })
    expect(existsSync(home.jsonl)).toBe(true)
    expect(existsSync(join(data, 'stolen.db'))).toBe(false)
  })

  test('an inbox that is itself a link is not followed (reported once)', async () => {
    const data = tempDir()
    const home = outsideHome()
    symlinkSync(home.dir, join(data, 'inbox'))
    const { value, errors } = await quietly(async () => [await importInbox(data), await importInbox(data)])
    expect(value).toEqual([{ files: 0, records: 0, skipped: 0 }, { files: 0, records: 0, skipped: 0 }])
    expect(existsSync(home.jsonl)).toBe(true)
    expect(existsSync(join(data, 'stolen.db'))).toBe(false)
    expect(errors.filter((e) => e.includes('symbolic link'))).toHaveLength(1)
  })

  test('two `ln -s . x` links do not hang the import; the real fragment is imported', async () => {
    const data = tempDir()
    mkdirSync(join(data, 'inbox'))
    symlinkSync('.', join(data, 'inbox', 'x'))
    symlinkSync('.', join(data, 'inbox', 'y'))
    const ok = fragment(data, 'w1/00000000.jsonl', line({ project: 'real' }))
    const { value } = await quietly(() => importInbox(data))
    expect(value).toEqual({ files: 1, records: 1, skipped: 0 })
    expect(existsSync(ok)).toBe(false)
    expect(readdirSync(join(data, 'inbox')).sort()).toEqual(['x', 'y'])
  })

  test('the walk does not block the event loop: other callbacks run while a wide inbox is listed', async () => {
    const data = tempDir()
    for (let i = 0; i < 300; i++) mkdirSync(join(data, 'inbox', `w${i}`, 'a'), { recursive: true })
    // No fragments: the pass is nothing but the walk. A synchronous walk lets no callback in.
    let ticks = 0
    let running = true
    const spin = () => {
      ticks++
      if (running) setImmediate(spin)
    }
    setImmediate(spin)
    const r = await importInbox(data)
    running = false
    expect(r).toEqual({ files: 0, records: 0, skipped: 0 })
    expect(ticks).toBeGreaterThan(10)
  })

  test('only files that parsed as fragments are deleted; a .jsonl with no record is left and reported once', async () => {
    const data = tempDir()
    const notOurs = fragment(data, 'w1/00000000.jsonl', '{"some": "other tool\'s log"}\nplain text\n')
    const empty = fragment(data, 'w1/00000001.jsonl', '')
    const mixed = fragment(data, 'w1/00000002.jsonl', line({ project: 'real' }) + 'garbage\n')
    const { value, errors } = await quietly(async () => [await importInbox(data), await importInbox(data)])
    expect(value[0]).toEqual({ files: 1, records: 1, skipped: 1 })
    expect(value[1]).toEqual({ files: 0, records: 0, skipped: 0 })
    expect(existsSync(notOurs)).toBe(true)
    expect(existsSync(empty)).toBe(true)
    expect(existsSync(mixed)).toBe(false)
    expect(errors.filter((e) => e.includes('00000000.jsonl'))).toHaveLength(1)
  })
})
