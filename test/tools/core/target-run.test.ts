import { afterAll, describe, expect, test } from 'bun:test'
import { NotFoundError } from '../../../src/errors'
import { Storage } from '../../../src/storage/db/connection'
import type { ToolContext } from '../../../src/tools/core/define'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { targetRunId } from '../../../src/tools/core/target-run'
import { copyFixtures, queryProject } from '../../helpers'

const dir = copyFixtures('basic', 'edge')
const storage = new Storage(dir)
const ctx: ToolContext = { storage, settings: settingsFromEnv({}, dir) }
afterAll(() => storage.close())

const BASELINE = '16a8a185bce44474b874ab14bfdff944'

describe('targetRunId', () => {
  test('a run name resolves to that run’s id', async () => {
    expect(await targetRunId(ctx, 'image-classification', 'baseline', null, false)).toBe(BASELINE)
  })

  test('of two runs with one name, the latest is taken (as reads resolve it)', async () => {
    const dups = queryProject(dir, 'EdgeCasesünïcødéwithdotsspaces', "SELECT run_id FROM metrics WHERE run_name = 'dup' GROUP BY run_id ORDER BY MIN(timestamp)")
    expect(dups).toHaveLength(2)
    expect(await targetRunId(ctx, 'Edge Cases: ünïcødé/with.dots & spaces', 'dup', null, false)).toBe(dups[1]!.run_id as string)
  })

  test('a known run id is used as given, whatever the name', async () => {
    expect(await targetRunId(ctx, 'image-classification', 'anything', BASELINE, false)).toBe(BASELINE)
  })

  test('new_run: the given id, else a fresh 32-hex id, never the name', async () => {
    expect(await targetRunId(ctx, 'image-classification', 'baseline', 'my-id', true)).toBe('my-id')
    const a = await targetRunId(ctx, 'image-classification', 'baseline', null, true)
    const b = await targetRunId(ctx, 'no-such-project', 'x', null, true)
    expect(a).toMatch(/^[0-9a-f]{32}$/)
    expect(b).toMatch(/^[0-9a-f]{32}$/)
    expect(a).not.toBe(BASELINE)
    expect(a).not.toBe(b)
  })

  test('an unknown run is a 404 naming the closest runs and how to create one', async () => {
    const err = await targetRunId(ctx, 'image-classification', 'baselin', null, false).catch((e) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err.message).toBe(
      "Run 'baselin' does not exist in project 'image-classification'. Pass new_run: true to create a new run. Closest runs: 'baseline', 'high-lr', 'small-batch'.",
    )
  })

  test('an unknown run id, and any run of a missing project, are 404s', async () => {
    await expect(targetRunId(ctx, 'image-classification', 'baseline', 'ffff', false)).rejects.toThrow("Run id 'ffff' does not exist in project 'image-classification'.")
    await expect(targetRunId(ctx, 'no-such-project', 'r', null, false)).rejects.toThrow(
      "Run 'r' does not exist in project 'no-such-project'. Pass new_run: true to create a new run.",
    )
  })
})
