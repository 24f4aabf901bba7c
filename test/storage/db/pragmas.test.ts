import { describe, expect, test } from 'bun:test'
import { writePragmas } from '../../../src/storage/db/pragmas'

describe('writePragmas', () => {
  test('defaults: WAL, NORMAL, MEMORY temp store, 20 MB cache, no mmap', () => {
    expect(writePragmas({})).toEqual([
      'PRAGMA journal_mode = WAL',
      'PRAGMA synchronous = NORMAL',
      'PRAGMA temp_store = MEMORY',
      'PRAGMA cache_size = -20000',
      'PRAGMA mmap_size = 0',
    ])
  })

  test('on Spaces the journal defaults to DELETE, and no EXCLUSIVE locking is added', () => {
    const p = writePragmas({ SYSTEM: 'spaces' })
    expect(p[0]).toBe('PRAGMA journal_mode = DELETE')
    expect(p.some((x) => x.includes('locking_mode'))).toBe(false)
  })

  test('environment overrides are honoured, case-insensitively', () => {
    expect(
      writePragmas({
        TRACKIO_SQLITE_JOURNAL_MODE: 'truncate',
        TRACKIO_SQLITE_SYNCHRONOUS: 'Full',
        TRACKIO_SQLITE_TEMP_STORE: 'file',
        TRACKIO_SQLITE_MMAP_SIZE: '268435456',
        TRACKIO_SQLITE_LOCKING_MODE: 'exclusive',
      }),
    ).toEqual([
      'PRAGMA journal_mode = TRUNCATE',
      'PRAGMA synchronous = FULL',
      'PRAGMA temp_store = FILE',
      'PRAGMA cache_size = -20000',
      'PRAGMA mmap_size = 268435456',
      'PRAGMA locking_mode = EXCLUSIVE',
    ])
  })

  test('values outside the allowed sets fall back to the defaults, so nothing foreign reaches SQL', () => {
    expect(
      writePragmas({
        TRACKIO_SQLITE_JOURNAL_MODE: 'wal; DROP TABLE metrics',
        TRACKIO_SQLITE_SYNCHRONOUS: 'sometimes',
        TRACKIO_SQLITE_TEMP_STORE: '',
        TRACKIO_SQLITE_MMAP_SIZE: 'lots',
        TRACKIO_SQLITE_LOCKING_MODE: 'shared',
      }),
    ).toEqual(writePragmas({}))
  })
})
