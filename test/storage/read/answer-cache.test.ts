import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { answerCacheStats } from '../../../src/storage/read/answer-cache'
import { copyFixtures, inProcessApp } from '../../helpers'

/** get_logs answers are kept per database version: the same bytes while nothing changes, fresh ones after any write. */

let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']
let writer: Database

beforeAll(async () => {
  dir = copyFixtures('basic')
  ;({ call } = await inProcessApp(dir))
  writer = new Database(join(dir, 'llm-finetune.db'))
})
afterAll(() => writer.close())

const logs = (body: object = {}) => call('get_logs', { project: 'llm-finetune', run: 'gpt2-small', ...body })

describe('get_logs answer cache', () => {
  test('a repeated call answers the same bytes from the cache; scalar_only is kept apart', async () => {
    const a = await logs()
    const kept = answerCacheStats().answers
    const b = await logs()
    expect(b.text).toBe(a.text)
    expect(answerCacheStats().answers).toBe(kept)
    const s = await logs({ scalar_only: true })
    expect(answerCacheStats().answers).toBe(kept + 1)
    expect((await logs({ scalar_only: true })).text).toBe(s.text)
  })

  test('a row logged by another process shows up at once; a deleted run answers []', async () => {
    const before = (await logs()).json.data as { step: number }[]
    const runId = writer.query("SELECT run_id FROM metrics WHERE run_name = 'gpt2-small' ORDER BY timestamp DESC LIMIT 1").values()[0]![0]
    writer.run("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, '2999-01-01T00:00:00+00:00', 'gpt2-small', 424242, '{\"train/loss\": 0.5}')", [runId as string])
    const after = (await logs()).json.data as { step: number }[]
    expect(after.length).toBe(before.length + 1)
    expect(after.at(-1)!.step).toBe(424242)
    writer.run('DELETE FROM metrics WHERE run_id = ?', [runId as string])
    expect((await logs()).text).toBe('{"data":[]}')
  })

  test('names of runs that do not exist are not kept', async () => {
    const kept = answerCacheStats()
    for (let i = 0; i < 50; i++) expect((await logs({ run: `no-such-run-${i}-${'x'.repeat(1000)}` })).text).toBe('{"data":[]}')
    expect(answerCacheStats()).toEqual(kept)
  })
})
