import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { MAX_QUEUED_SCANS, scanKeys, scansInFlight, scanSeries, scanValues, setScanWorkers } from '../../../src/storage/read/scans'
import { seriesFromWire } from '../../../src/storage/read/series-cache'
import { copyFixtures } from '../../helpers'

let file: string
let runId: string

beforeAll(() => {
  const dir = copyFixtures('basic')
  file = join(dir, 'image-classification.db')
  const db = new Database(file, { readonly: true })
  runId = (db.query("SELECT run_id FROM metrics WHERE run_name = 'baseline' LIMIT 1").get() as { run_id: string }).run_id
  db.close()
})

afterAll(() => setScanWorkers(true))

describe('scan workers', () => {
  test('statements run in one read transaction on a worker; rows come back as values()', async () => {
    const [count, names] = await scanValues(file, [
      ['SELECT COUNT(*) FROM metrics WHERE run_id = ?', [runId]],
      ["SELECT DISTINCT run_name FROM metrics WHERE run_name LIKE 'b%' ORDER BY 1", []],
    ])
    const db = new Database(file, { readonly: true, safeIntegers: true })
    expect(count).toEqual(db.query('SELECT COUNT(*) FROM metrics WHERE run_id = ?').values(runId) as unknown[][])
    db.close()
    expect(names!.map(([n]) => n)).toContain('baseline')
  })

  test('series and keys of a rowid range, the same over two halves as over the whole', async () => {
    const filter = { column: 'run_id' as const, value: runId }
    const whole = await scanSeries(file, filter, 'loss', 1, 1e9, true, false)
    expect(whole).not.toBeNull()
    const s = seriesFromWire(whole!)
    expect(s.length).toBeGreaterThan(10)
    const keys = await scanKeys(file, filter, 1, 1e9, false)
    expect(keys!.keys).toContain('loss')
    expect(keys!.rows).toBe(s.runRows)
  })

  test('identical jobs asked at once share one; a failing job rejects with SQLite’s message and the worker goes on', async () => {
    const a = scanValues(file, [['SELECT COUNT(*) FROM metrics', []]])
    const b = scanValues(file, [['SELECT COUNT(*) FROM metrics', []]])
    expect(scansInFlight()).toBe(1)
    expect(await a).toEqual(await b)
    // (bun's expect().rejects waits forever on a promise settled by a worker's message: caught by hand)
    const failure = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e.message)
    expect(await failure(scanValues(file, [['SELECT nope FROM metrics', []]]))).toBe('no such column: nope')
    expect(await failure(scanValues(join(file, '..', 'missing.db'), [['SELECT 1', []]]))).toBe('unable to open database file')
    expect(await scanValues(file, [['SELECT 41 + 1', []]])).toEqual([[[42n]]])
    expect(scansInFlight()).toBe(0)
  })

  test('background jobs (warm-up) leave a worker to clients, whose jobs go first; a client waiting for a queued one moves it up', async () => {
    const order: string[] = []
    const slow = (tag: string) =>
      scanValues(file, [[`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT COUNT(*), '${tag}' FROM c`, []]], 'background').then(() => {
        order.push(tag)
      })
    const background = ['bg0', 'bg1', 'bg2', 'bg3'].map(slow)
    const client = scanValues(file, [['SELECT 1', []]]).then(() => order.push('client'))
    // The same job as the last background one, asked by a client: it runs next.
    const promoted = scanValues(file, [[`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT COUNT(*), 'bg3' FROM c`, []]])
    await Promise.all([...background, client, promoted])
    expect(order.indexOf('client')).toBeLessThanOrEqual(1)
    expect(order.indexOf('bg3')).toBeLessThan(order.indexOf('bg2'))
  })

  test(`at most ${MAX_QUEUED_SCANS} jobs wait; more are refused at once; turned off, every job is refused`, async () => {
    const jobs = Array.from({ length: MAX_QUEUED_SCANS + 10 }, (_, i) => scanValues(file, [[`SELECT ${i}`, []]]).then(() => 'ok', (e: Error) => e.message))
    const results = await Promise.all(jobs)
    expect(results.filter((r) => r === 'too many scans waiting').length).toBeGreaterThan(0)
    expect(results.filter((r) => r === 'ok').length).toBeGreaterThanOrEqual(MAX_QUEUED_SCANS)
    setScanWorkers(false)
    expect(await scanValues(file, [['SELECT 1', []]]).then(() => null, (e: Error) => e.message)).toBe('scan workers are off')
    setScanWorkers(true)
  })
})
