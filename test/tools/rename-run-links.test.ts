import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, inProcessApp, tempDir } from '../helpers'

/** rename_run never moves media through a symbolic link planted below the project's media folder (real links). */

const H = { 'x-trackio-write-token': 'test-token' }
const MP = 'media-project'

const files = (dir: string): string[] => (existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : [])

function names(dir: string): string[] {
  const db = new Database(join(dir, `${MP}.db`), { readonly: true })
  try {
    return db.query('SELECT DISTINCT run_name FROM metrics ORDER BY 1').values().map((r) => String(r[0]))
  } finally {
    db.close()
  }
}

async function attempt(plant: (media: string, outside: string) => void, newName: string) {
  const dir = copyFixtures('edge')
  const outside = tempDir()
  writeFileSync(join(outside, 'mine.txt'), 'x')
  const media = join(dir, 'media', MP)
  plant(media, outside)
  const before = { media: files(media), outside: files(outside), names: names(dir) }
  const { call } = await inProcessApp(dir)
  const r = await call('rename_run', { project: MP, old_name: 'media-run', new_name: newName }, H)
  expect(r.status).toBe(400)
  expect(r.json.error).toContain('is a symbolic link')
  expect(files(outside)).toEqual(before.outside)
  expect(files(media)).toEqual(before.media)
  expect(names(dir)).toEqual(before.names)
}

describe('rename_run and symbolic links in the media folder', () => {
  test('a link at the first level of the new name (media/<project>/x → outside) is refused', async () => {
    await attempt((media, outside) => symlinkSync(outside, join(media, 'x')), 'x/y/z')
  })

  test('a link at a deeper level (x/y → outside) is refused', async () => {
    await attempt((media, outside) => {
      mkdirSync(join(media, 'x'))
      symlinkSync(outside, join(media, 'x', 'y'))
    }, 'x/y/z')
  })

  test('a link where the new folder itself goes (merge target) is refused', async () => {
    await attempt((media, outside) => symlinkSync(outside, join(media, 'x')), 'x')
  })

  test('a link inside an existing merge target is not merged through', async () => {
    const dir = copyFixtures('edge')
    const outside = tempDir()
    const media = join(dir, 'media', MP)
    mkdirSync(join(media, 'target'))
    symlinkSync(outside, join(media, 'target', '0'))
    const { call } = await inProcessApp(dir)
    const r = await call('rename_run', { project: MP, old_name: 'media-run', new_name: 'target' }, H)
    expect(r.status).toBe(400)
    expect(files(outside)).toEqual([])
    expect(files(join(media, 'media-run')).length).toBeGreaterThan(0)
  })

  test('without links, the same deep rename works', async () => {
    const dir = copyFixtures('edge')
    const media = join(dir, 'media', MP)
    const run = files(join(media, 'media-run'))
    mkdirSync(join(media, 'x'))
    const { call } = await inProcessApp(dir)
    expect((await call('rename_run', { project: MP, old_name: 'media-run', new_name: 'x/y/z' }, H)).status).toBe(200)
    expect(files(join(media, 'x', 'y', 'z'))).toEqual(run)
  })
})
