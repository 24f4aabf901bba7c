import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, inProcessApp, readParquet } from '../helpers'

const H = { 'x-trackio-write-token': 'test-token' }

const parquets = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort()

describe('trigger_sync / force_sync', () => {
  test('writes flattened metrics, system and configs files that read back with the database rows', async () => {
    const dir = copyFixtures('basic', 'edge')
    const { call } = await inProcessApp(dir)
    const r = await call('trigger_sync', {}, H)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ data: true })
    expect(parquets(dir)).toEqual(
      [
        'EdgeCasesünïcødéwithdotsspaces.parquet',
        'EdgeCasesünïcødéwithdotsspaces_configs.parquet',
        'EdgeCasesünïcødéwithdotsspaces_system.parquet',
        'collision.parquet',
        'collision_configs.parquet',
        'default.parquet',
        'default_configs.parquet',
        'image-classification.parquet',
        'image-classification_configs.parquet',
        'llm-finetune.parquet',
        'llm-finetune_configs.parquet',
        'llm-finetune_system.parquet',
        'media-project.parquet',
        'media-project_configs.parquet',
        'media-project_traces.parquet',
        '日本語プロジェクト.parquet',
        '日本語プロジェクト_configs.parquet',
      ].sort(),
    )

    const m = await readParquet(join(dir, 'image-classification.parquet'))
    expect(m.columns.map((c) => c.name)).toEqual(['id', 'run_id', 'timestamp', 'run_name', 'step', 'log_id', 'space_id', 'loss', 'acc', 'lr', 'epoch', 'val'])
    const type = (name: string) => m.columns.find((c) => c.name === name)!
    expect(type('loss').type).toBe('DOUBLE')
    expect(type('epoch').type).toBe('INT64')
    expect(type('run_name').converted).toBe('UTF8')
    expect(m.rows).toHaveLength(450)
    const db = new Database(join(dir, 'image-classification.db'), { readonly: true })
    const dbRows = db.query('SELECT id, run_id, run_name, step, CAST(metrics AS TEXT) AS m FROM metrics ORDER BY id').all() as any[]
    db.close()
    for (const i of [0, 10, 200, 449]) {
      const row = m.rows[i]!
      const json = JSON.parse(dbRows[i].m)
      expect(Number(row.id)).toBe(dbRows[i].id)
      expect(row.run_id).toBe(dbRows[i].run_id)
      expect(row.run_name).toBe(dbRows[i].run_name)
      expect(Number(row.step)).toBe(dbRows[i].step)
      expect(row.loss).toBe(json.loss)
      expect(Number(row.epoch)).toBe(json.epoch)
      expect(row.val === null ? undefined : JSON.parse(row.val as string)).toEqual(json.val)
    }
    expect(m.rows.filter((r) => r.val !== null)).toHaveLength(45)

    const c = await readParquet(join(dir, 'image-classification_configs.parquet'))
    expect(c.columns.slice(0, 4).map((x) => x.name)).toEqual(['id', 'run_id', 'run_name', 'created_at'])
    expect(c.columns.map((x) => x.name)).toContain('_Group')
    expect(c.rows.map((x) => x.run_name)).toEqual(['baseline', 'high-lr', 'small-batch'])

    const s = await readParquet(join(dir, 'llm-finetune_system.parquet'))
    expect(s.rows).toHaveLength(13)
    expect(s.columns.map((x) => x.name)).not.toContain('metrics')
    expect(s.columns.map((x) => x.name)).toContain('gpu/0/utilization')

    const edge = await readParquet(join(dir, 'EdgeCasesünïcødéwithdotsspaces.parquet'))
    expect(edge.rows).toHaveLength(93)
  })

  test('skips files newer than their database (or -wal); rewrites after a change; force_sync is the same tool', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    expect((await call('force_sync', {}, H)).json).toEqual({ data: true })
    const file = join(dir, 'image-classification.parquet')
    const first = statSync(file).mtimeMs
    await Bun.sleep(30)
    expect((await call('trigger_sync', {}, H)).status).toBe(200)
    expect(statSync(file).mtimeMs).toBe(first)

    // The delete lands in the -wal file (the .db file keeps its mtime until a checkpoint).
    expect((await call('delete_run', { project: 'image-classification', run: 'baseline' }, H)).status).toBe(200)
    expect(statSync(join(dir, 'image-classification.db-wal')).mtimeMs).toBeGreaterThan(first)
    expect((await call('trigger_sync', {}, H)).status).toBe(200)
    expect(statSync(file).mtimeMs).toBeGreaterThan(first)
    expect((await readParquet(file)).rows).toHaveLength(300)
    expect((await readParquet(join(dir, 'image-classification_configs.parquet'))).rows).toHaveLength(2)
  })

  test('gated, and force_sync is HTTP-only', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    expect((await call('force_sync')).status).toBe(401)
    expect((await call('trigger_sync', {}, { 'x-trackio-write-token': 'bad' })).status).toBe(403)
    expect(parquets(dir)).toEqual([])
    const { TOOLS } = await import('../../src/tools/registry')
    const byName = Object.fromEntries(TOOLS.map((t) => [t.name, t]))
    expect(byName.force_sync!.httpOnly).toBe(true)
    expect(byName.trigger_sync!.httpOnly).toBe(false)
    expect(byName.trigger_sync!.access).toBe('write')
    const at = ['get_settings', 'delete_run', 'rename_run', 'trigger_sync', 'force_sync'].map((n) => TOOLS.findIndex((t) => t.name === n))
    expect(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!))).toBe(true)
  })
})
