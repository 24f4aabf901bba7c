import { describe, expect, spyOn, test } from 'bun:test'
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { exportParquet } from '../../../src/storage/sync/parquet'
import { copyFixtures, queryProject, readParquet } from '../../helpers'

const parquets = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort()

async function exported(dir: string, shared?: Storage) {
  const storage = shared ?? new Storage(dir)
  const log = spyOn(console, 'error').mockImplementation(() => {})
  try {
    return { report: await exportParquet(storage), logged: log.mock.calls.map((c) => c.join(' ')) }
  } finally {
    log.mockRestore()
    if (!shared) storage.close()
  }
}

describe('exportParquet', () => {
  test('metrics, system and configs of each project, flattened, with the database’s rows', async () => {
    const dir = copyFixtures('basic')
    const { report } = await exported(dir)
    expect(report.failed).toEqual([])
    expect(parquets(dir)).toEqual([
      'image-classification.parquet',
      'image-classification_configs.parquet',
      'llm-finetune.parquet',
      'llm-finetune_configs.parquet',
      'llm-finetune_system.parquet',
    ])
    expect(report.written.map((f) => f.split('/').pop()).sort()).toEqual(parquets(dir))
    const m = await readParquet(join(dir, 'llm-finetune.parquet'))
    expect(m.rows).toHaveLength(Number(queryProject(dir, 'llm-finetune', 'SELECT COUNT(*) AS n FROM metrics')[0]!.n))
    const names = m.columns.map((c) => c.name)
    expect(names).not.toContain('metrics')
    expect(names).toEqual(expect.arrayContaining(['run_id', 'run_name', 'step', 'timestamp']))
    const s = await readParquet(join(dir, 'llm-finetune_system.parquet'))
    expect(s.rows).toHaveLength(13)
    expect(s.columns.map((c) => c.name)).toContain('gpu/0/utilization')
  })

  test('a second pass (same server, nothing logged since) skips files newer than their database', async () => {
    const dir = copyFixtures('basic')
    const storage = new Storage(dir)
    try {
      const first = await exported(dir, storage)
      const { report } = await exported(dir, storage)
      expect(report.written).toEqual([])
      expect(report.skipped.sort()).toEqual(first.report.written.sort())
    } finally {
      storage.close()
    }
  })

  test('a corrupt database and a name whose files would collide are reported; the others are exported', async () => {
    const dir = copyFixtures('basic')
    writeFileSync(join(dir, 'broken.db'), 'this is not a database'.repeat(100))
    copyFileSync(join(dir, 'image-classification.db'), join(dir, 'llm-finetune_system.db'))
    const { report, logged } = await exported(dir)
    expect(report.failed.map((f) => f.project).sort()).toEqual(['broken', 'llm-finetune_system'])
    expect(report.failed.find((f) => f.project === 'llm-finetune_system')!.reason).toContain("would overwrite those of project 'llm-finetune'")
    expect(logged.some((l) => l.includes('broken'))).toBe(true)
    expect(parquets(dir)).toContain('image-classification.parquet')
    expect(parquets(dir)).toContain('llm-finetune_system.parquet')
    expect((await readParquet(join(dir, 'llm-finetune_system.parquet'))).rows).toHaveLength(13)
  })
})
