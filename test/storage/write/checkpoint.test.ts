import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CHECKPOINT_PAGES, checkpointAsync, checkpointsSettled, walIsLarge } from '../../../src/storage/write/checkpoint'
import { appendMetrics } from '../../../src/storage/write/append'
import { writePragmas } from '../../../src/storage/db/pragmas'
import { tempDir } from '../../helpers'

const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ metrics: { loss: 1 / (from + i + 1), i: from + i }, step: from + i, logId: crypto.randomUUID().replaceAll('-', '') }))

describe('WAL checkpoints off the event loop', () => {
  test('walIsLarge: SQLite\'s autocheckpoint threshold (1,000 frames of page + 24-byte header, after the 32-byte WAL header)', () => {
    const dir = tempDir()
    const file = join(dir, 'x.db')
    expect(walIsLarge(file, 4096)).toBe(false)
    writeFileSync(`${file}-wal`, new Uint8Array(32 + CHECKPOINT_PAGES * (4096 + 24) - 1))
    expect(walIsLarge(file, 4096)).toBe(false)
    writeFileSync(`${file}-wal`, new Uint8Array(32 + CHECKPOINT_PAGES * (4096 + 24)))
    expect(walIsLarge(file, 4096)).toBe(true)
  })

  test('after a large batch, the worker copies every frame of the WAL into the database file', async () => {
    const dir = tempDir()
    const file = join(dir, 'p.db')
    // A reader keeps the file open, as the server's cached read connection does: closing the writer then does not checkpoint.
    await appendMetrics(dir, 'p', 'r', null, rows(10))
    const reader = new Database(file, { readonly: true })
    reader.query('SELECT 1').get()
    const before = statSync(file).size
    await appendMetrics(dir, 'p', 'r', null, rows(30_000, 10))
    await checkpointsSettled()
    expect(statSync(file).size).toBeGreaterThan(before + CHECKPOINT_PAGES * 4096)
    // nothing left to copy: every frame of the WAL is in the database file
    const check = new Database(file)
    const r = check.query('PRAGMA wal_checkpoint(PASSIVE)').get() as { busy: number; log: number; checkpointed: number }
    expect(r.checkpointed).toBe(r.log)
    expect(check.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
    expect(check.query('SELECT COUNT(*) AS n FROM metrics').get()).toEqual({ n: 30_010 })
    check.close()
    reader.close()
  })

  test('a small write leaves the WAL as SQLite would (below the threshold, no checkpoint)', async () => {
    const dir = tempDir()
    const file = join(dir, 'p.db')
    await appendMetrics(dir, 'p', 'r', null, rows(10))
    const reader = new Database(file, { readonly: true })
    reader.query('SELECT 1').get()
    await appendMetrics(dir, 'p', 'r', null, rows(10, 10))
    await checkpointsSettled()
    const check = new Database(file)
    const r = check.query('PRAGMA wal_checkpoint(PASSIVE)').get() as { log: number; checkpointed: number }
    expect(r.log).toBeGreaterThan(0)
    check.close()
    reader.close()
  })

  test('a checkpoint that cannot run answers with the reason, never throws', async () => {
    const dir = tempDir()
    const error = await checkpointAsync(join(dir, 'missing.db'), writePragmas())
    expect(error).toContain('unable to open')
  })
})
