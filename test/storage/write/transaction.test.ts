import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequestError, NotFoundError } from '../../../src/errors'
import { writeTransaction } from '../../../src/storage/write/transaction'
import { tempDir } from '../../helpers'

const count = (db: string): number => {
  const d = new Database(db, { readonly: true })
  try {
    return (d.query('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n
  } finally {
    d.close()
  }
}

test("'create' makes the data directory, the file and Trackio's schema, in WAL mode", async () => {
  const dir = join(tempDir(), 'not', 'yet')
  await writeTransaction({ dataDir: dir, project: 'p', mode: 'create' }, (p) => {
    expect(p.hasRunIds('metrics')).toBe(true)
    p.db.run("INSERT INTO alerts (run_id, run_name, timestamp, title, level) VALUES ('r', 'r', 't', 'x', 'info')")
  })
  expect(count(join(dir, 'p.db'))).toBe(1)
  const d = new Database(join(dir, 'p.db'), { readonly: true })
  expect((d.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal')
  d.close()
})

test("'existing' refuses a project without a database; a too-long name is refused in both modes", async () => {
  const dir = tempDir()
  expect(await writeTransaction({ dataDir: dir, project: 'nope', mode: 'existing' }, () => 1).catch((e) => e)).toBeInstanceOf(NotFoundError)
  expect(existsSync(join(dir, 'nope.db'))).toBe(false)
  const long = 'x'.repeat(300)
  expect(await writeTransaction({ dataDir: dir, project: long, mode: 'create' }, () => 1).catch((e) => e)).toBeInstanceOf(BadRequestError)
  expect(await writeTransaction({ dataDir: dir, project: long, mode: 'existing' }, () => 1).catch((e) => e)).toBeInstanceOf(NotFoundError)
})

test('a failure rolls the transaction back and runs the undo steps, newest first', async () => {
  const dir = tempDir()
  await writeTransaction({ dataDir: dir, project: 'p', mode: 'create' }, () => {})
  const marker = join(dir, 'moved')
  const undone: string[] = []
  const err = await writeTransaction({ dataDir: dir, project: 'p', mode: 'existing' }, (p, undo) => {
    p.db.run("INSERT INTO alerts (run_id, run_name, timestamp, title, level) VALUES ('r', 'r', 't', 'x', 'info')")
    mkdirSync(marker)
    writeFileSync(join(marker, 'f'), '')
    undo.push(() => undone.push('first'))
    undo.push(() => undone.push('second'))
    throw new Error('boom')
  }).catch((e) => e)
  expect((err as Error).message).toBe('boom')
  expect(undone).toEqual(['second', 'first'])
  expect(count(join(dir, 'p.db'))).toBe(0)
})
