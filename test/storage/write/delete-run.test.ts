import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequestError } from '../../../src/errors'
import { Storage } from '../../../src/storage/db/connection'
import { deleteRun } from '../../../src/storage/write/delete-run'
import { copyFixtures, queryProject } from '../../helpers'

const storages: Storage[] = []
afterAll(() => storages.forEach((s) => s.close()))
function setup() {
  const dir = copyFixtures('basic')
  const storage = new Storage(dir)
  storages.push(storage)
  return { dir, storage }
}

const perRun = (dir: string, table: string) =>
  Object.fromEntries(queryProject(dir, 'llm-finetune', `SELECT run_name, COUNT(*) AS n FROM ${table} GROUP BY run_name ORDER BY run_name`).map((r) => [r.run_name, Number(r.n)]))

describe('deleteRun', () => {
  test('removes the run from every run table in one go and reports the rows per table', async () => {
    const { dir, storage } = setup()
    const r = await deleteRun(storage, 'llm-finetune', 'gpt2-small', null)
    expect(r!.rows).toMatchObject({ metrics: 80, configs: 1, system_metrics: 13, alerts: 3 })
    expect(perRun(dir, 'metrics')).toEqual({ 'gpt2-medium': 100, 'gpt2-small-lora': 60 })
    expect(perRun(dir, 'configs')).toEqual({ 'gpt2-medium': 1, 'gpt2-small-lora': 1 })
    expect(perRun(dir, 'system_metrics')).toEqual({})
    expect(perRun(dir, 'alerts')).toEqual({ 'gpt2-medium': 1, 'gpt2-small-lora': 1 })
  })

  test('by run id: only that run goes', async () => {
    const { dir, storage } = setup()
    const [{ run_id }] = queryProject(dir, 'llm-finetune', "SELECT run_id FROM metrics WHERE run_name = 'gpt2-medium' LIMIT 1") as [{ run_id: string }]
    const r = await deleteRun(storage, 'llm-finetune', null, run_id)
    expect(r!.rows.metrics).toBe(100)
    expect(perRun(dir, 'metrics')).toEqual({ 'gpt2-small': 80, 'gpt2-small-lora': 60 })
  })

  test('an unknown run or project is null and leaves the file byte for byte as it was', async () => {
    const { dir, storage } = setup()
    const before = readFileSync(join(dir, 'llm-finetune.db'))
    expect(await deleteRun(storage, 'llm-finetune', 'no-such-run', null)).toBeNull()
    expect(await deleteRun(storage, 'no-such-project', 'gpt2-small', null)).toBeNull()
    expect(readFileSync(join(dir, 'llm-finetune.db')).equals(before)).toBe(true)
    expect(perRun(dir, 'metrics')).toEqual({ 'gpt2-medium': 100, 'gpt2-small': 80, 'gpt2-small-lora': 60 })
  })

  test('neither run nor run id is a 400', async () => {
    const { storage } = setup()
    await expect(deleteRun(storage, 'llm-finetune', null, null)).rejects.toThrow(new BadRequestError('delete_run needs run or run_id'))
  })
})
