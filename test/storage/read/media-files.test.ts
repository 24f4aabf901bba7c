import { describe, expect, test } from 'bun:test'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { findMediaFile } from '../../../src/storage/read/media-files'
import { tempDir } from '../../helpers'

function setup() {
  const dir = tempDir()
  const media = join(dir, 'media')
  mkdirSync(join(media, 'p', 'r', '0'), { recursive: true })
  writeFileSync(join(media, 'p', 'r', '0', 'a.png'), 'png')
  writeFileSync(join(dir, 'p.db'), 'db')
  return { dir, media }
}

describe('findMediaFile (spec 6.1)', () => {
  test('an absolute path under media/ and a file_path relative to it both resolve', () => {
    const { media } = setup()
    expect(findMediaFile(media, join(media, 'p/r/0/a.png'))?.size).toBe(3)
    expect(findMediaFile(media, 'p/r/0/a.png')?.path).toBe(join(media, 'p/r/0/a.png'))
  })
  test('outside, folders, missing files, database files and NUL are refused', () => {
    const { dir, media } = setup()
    for (const p of ['../p.db', join(dir, 'p.db'), '/etc/passwd', 'p/r/0', 'p/r/0/missing.png', '', 'p/r/0/a.png\0', '../../../../etc/hostname'])
      expect(findMediaFile(media, p)).toBeNull()
    writeFileSync(join(media, 'p', 'x.DB-wal'), 'wal')
    writeFileSync(join(media, 'p', 'y.sqlite3'), 's')
    expect(findMediaFile(media, 'p/x.DB-wal')).toBeNull()
    expect(findMediaFile(media, 'p/y.sqlite3')).toBeNull()
  })
  test('links are resolved: a link leading out is refused, one staying inside is served', () => {
    const { dir, media } = setup()
    writeFileSync(join(dir, 'secret.txt'), 's')
    symlinkSync(join(dir, 'secret.txt'), join(media, 'p', 'out.png'))
    symlinkSync(join(dir, 'p.db'), join(media, 'p', 'db.png'))
    symlinkSync(dir, join(media, 'p', 'up'))
    symlinkSync(join(media, 'p', 'r', '0', 'a.png'), join(media, 'p', 'in.png'))
    expect(findMediaFile(media, 'p/out.png')).toBeNull()
    expect(findMediaFile(media, 'p/db.png')).toBeNull()
    expect(findMediaFile(media, 'p/up/secret.txt')).toBeNull()
    expect(findMediaFile(media, 'p/in.png')?.path).toBe(join(media, 'p/r/0/a.png'))
  })
  test('no media directory: nothing', () => {
    expect(findMediaFile(join(tempDir(), 'media'), 'a.png')).toBeNull()
  })
})
