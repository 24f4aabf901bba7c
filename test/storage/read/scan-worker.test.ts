import { afterAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import type { ScanReply, ScanRequest } from '../../../src/storage/read/scan-worker'
import { copyFixtures } from '../../helpers'

/** The worker's own thread, spoken to directly: one reply per job, in order, errors as replies. */
const worker = new Worker(new URL('../../../src/storage/read/scan-worker.ts', import.meta.url).href)
afterAll(() => worker.terminate())

function ask(job: ScanRequest): Promise<ScanReply> {
  return new Promise((resolve) => {
    worker.onmessage = (e: MessageEvent<ScanReply>) => resolve(e.data)
    worker.postMessage(job)
  })
}

describe('scan worker thread', () => {
  const dir = copyFixtures('basic')
  const file = join(dir, 'image-classification.db')

  test('values, series and keys jobs answer; a bad statement is an error reply, not a dead worker', async () => {
    const v = await ask({ id: 1, kind: 'values', file, statements: [['SELECT COUNT(*) FROM metrics', []]] })
    expect(v).toMatchObject({ id: 1, ok: true })
    const runId = ((v.ok && (await ask({ id: 2, kind: 'values', file, statements: [['SELECT run_id FROM metrics LIMIT 1', []]] }))) as { result: string[][][] }).result[0]![0]![0]!
    const filter = { column: 'run_id' as const, value: runId }
    const s = await ask({ id: 3, kind: 'series', file, filter, metric: 'loss', lo: 0, hi: 1e9, indexed: false, compact: true })
    expect(s.ok && s.result && (s.result as { steps: Float64Array }).steps instanceof Float64Array).toBe(true)
    const k = await ask({ id: 4, kind: 'keys', file, filter, lo: 0, hi: 1e9, indexed: true })
    expect(k.ok && (k.result as { keys: string[] }).keys).toContain('loss')
    const bad = await ask({ id: 5, kind: 'values', file, statements: [['SELEC 1', []]] })
    expect(bad).toMatchObject({ id: 5, ok: false })
    expect((bad as { error: string }).error).toContain('syntax error')
    expect(await ask({ id: 6, kind: 'values', file, statements: [['SELECT 7', []]] })).toEqual({ id: 6, ok: true, result: [[[7n]]] })
  })

  test('it only reads: the database file is unchanged after its jobs', async () => {
    const before = new Database(file, { readonly: true }).query('PRAGMA data_version').values()
    const bytes = await Bun.file(file).arrayBuffer()
    await ask({ id: 7, kind: 'values', file, statements: [['SELECT COUNT(*) FROM metrics', []]] })
    expect(Buffer.from(await Bun.file(file).arrayBuffer()).equals(Buffer.from(bytes))).toBe(true)
    expect(before).toHaveLength(1)
  })
})
