import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequestError, NotFoundError } from '../../../src/errors'
import { Storage } from '../../../src/storage/db/connection'
import { renameRun } from '../../../src/storage/write/rename-run'
import { copyFixtures, queryProject } from '../../helpers'

const storages: Storage[] = []
afterAll(() => storages.forEach((s) => s.close()))
function setup() {
  const dir = copyFixtures('basic', 'edge')
  const storage = new Storage(dir)
  storages.push(storage)
  return { dir, storage }
}

describe('renameRun', () => {
  test('relabels the run’s rows in place: same ids, same count, other runs untouched', async () => {
    const { dir, storage } = setup()
    const q = "SELECT id, run_id, step FROM metrics WHERE run_name = '%s' ORDER BY id"
    const before = queryProject(dir, 'llm-finetune', q.replace('%s', 'gpt2-small'))
    const others = queryProject(dir, 'llm-finetune', "SELECT COUNT(*) AS n FROM metrics WHERE run_name <> 'gpt2-small'")
    await renameRun(storage, 'llm-finetune', 'gpt2-small', '  gpt2-small-v2  ', null)
    expect(queryProject(dir, 'llm-finetune', q.replace('%s', 'gpt2-small-v2'))).toEqual(before)
    expect(queryProject(dir, 'llm-finetune', q.replace('%s', 'gpt2-small'))).toEqual([])
    expect(queryProject(dir, 'llm-finetune', "SELECT COUNT(*) AS n FROM metrics WHERE run_name <> 'gpt2-small-v2'")).toEqual(others)
    expect(queryProject(dir, 'llm-finetune', "SELECT COUNT(*) AS n FROM system_metrics WHERE run_name = 'gpt2-small-v2'")).toEqual([{ n: 13n }])
    expect(queryProject(dir, 'llm-finetune', "SELECT COUNT(*) AS n FROM configs WHERE run_name = 'gpt2-small-v2'")).toEqual([{ n: 1n }])
  })

  test('the media folder moves and the stored file paths follow it', async () => {
    const { dir, storage } = setup()
    const files = readdirSync(join(dir, 'media', 'media-project', 'media-run', '0')).sort()
    await renameRun(storage, 'media-project', 'media-run', 'renamed-run', null)
    expect(existsSync(join(dir, 'media', 'media-project', 'media-run'))).toBe(false)
    expect(readdirSync(join(dir, 'media', 'media-project', 'renamed-run', '0')).sort()).toEqual(files)
    const text = queryProject(dir, 'media-project', "SELECT CAST(metrics AS TEXT) AS m FROM metrics WHERE run_name = 'renamed-run'").map((r) => r.m as string).join('\n')
    expect(text).toContain('"file_path":"media-project/renamed-run/0/')
    expect(text).not.toContain('media-project/media-run/')
  })

  test('an empty new name is a 400, an unknown run a 404; nothing changes', async () => {
    const { dir, storage } = setup()
    const before = queryProject(dir, 'image-classification', 'SELECT run_name, COUNT(*) AS n FROM metrics GROUP BY run_name ORDER BY run_name')
    await expect(renameRun(storage, 'image-classification', 'baseline', '   ', null)).rejects.toThrow(BadRequestError)
    await expect(renameRun(storage, 'image-classification', 'no-such-run', 'x', null)).rejects.toThrow(NotFoundError)
    expect(queryProject(dir, 'image-classification', 'SELECT run_name, COUNT(*) AS n FROM metrics GROUP BY run_name ORDER BY run_name')).toEqual(before)
  })
})
