import { Database } from 'bun:sqlite'
import { describe, expect, spyOn, test } from 'bun:test'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importInbox } from '../../src/ingest/inbox'
import { copyFixtures, inProcessApp, tempDir } from '../helpers'

const H = { 'x-trackio-write-token': 'test-token' }
const parquets = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort()

describe('trigger_sync with a project that cannot be exported', () => {
  test('an unreadable database is skipped and reported; every other project is exported', async () => {
    const dir = copyFixtures('basic')
    writeFileSync(join(dir, 'aaa-broken.db'), 'this is not an SQLite database, just text long enough to have a header.'.repeat(20))
    mkdirSync(join(dir, 'folder.db'))
    const errors: string[] = []
    const spy = spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')))
    try {
      const { call } = await inProcessApp(dir)
      const r = await call('trigger_sync', {}, H)
      expect(r.status).toBe(200)
      expect(r.json).toEqual({ data: true })
    } finally {
      spy.mockRestore()
    }
    const files = parquets(dir)
    expect(files).toContain('image-classification.parquet')
    expect(files).toContain('llm-finetune.parquet')
    expect(files.some((f) => f.startsWith('aaa-broken'))).toBe(false)
    expect(errors.filter((e) => e.includes("sync skipped project 'aaa-broken'"))).toHaveLength(1)
  })

  test("a pre-existing x_system.db does not overwrite project x's system export", async () => {
    const dir = copyFixtures('basic')
    const db = new Database(join(dir, 'llm-finetune_system.db'))
    db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY, timestamp TEXT, run_name TEXT, step INTEGER, metrics TEXT)')
    db.run(`INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES ('t', 'intruder', 0, '{"intruder": 1}')`)
    db.close()
    // Written after x's export would be: its own files are not "newer than the database".
    const later = new Date(Date.now() + 3600_000)
    utimesSync(join(dir, 'llm-finetune_system.db'), later, later)
    const spy = spyOn(console, 'error').mockImplementation(() => {})
    try {
      const { call } = await inProcessApp(dir)
      expect((await call('trigger_sync', {}, H)).status).toBe(200)
    } finally {
      spy.mockRestore()
    }
    const { parquetReadObjects } = await import('hyparquet')
    const buf = await Bun.file(join(dir, 'llm-finetune_system.parquet')).arrayBuffer()
    const rows = (await parquetReadObjects({ file: buf })) as Record<string, unknown>[]
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.some((r) => r.run_name === 'intruder')).toBe(false)
  })
})

describe('reserved project names are refused for writes, as Trackio refuses them at init', () => {
  const RESERVED = ['x_system', 'x_configs', 'x_traces', 'x_artifacts', 'x_artifact_versions', 'x_artifact_aliases', 'x_run_artifact_links', 'registry-models', 'x._traces', 'x!_configs']
  test.each(RESERVED)('%s: 400 naming the reason, no file created', async (project) => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    for (const [tool, body] of [
      ['log_metrics', { project, run: 'r', metrics: { a: 1 }, new_run: true }],
      ['bulk_log', { logs: [{ project, run: 'r', metrics: { a: 1 } }], hf_token: null }],
      ['bulk_alert', { alerts: [{ project, run: 'r', title: 't', level: 'WARN' }], hf_token: null }],
    ] as const) {
      const r = await call(tool, body, H)
      expect(r.status).toBe(400)
      expect(r.json.error).toContain('reserved')
      expect(r.json.error).toContain(project.startsWith('registry-') ? "'registry-'" : "project 'x'")
    }
    expect(readdirSync(dir)).toEqual([])
  })

  test('names that merely contain a suffix, or are exactly one, are allowed (as in Trackio)', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    for (const project of ['_system', 'x_system2', 'my-registry-x', 'system'])
      expect((await call('log_metrics', { project, run: 'r', metrics: { a: 1 }, new_run: true }, H)).status).toBe(200)
  })

  test('inbox records for a reserved project are skipped (counted), the rest imported, the fragment deleted', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'inbox', 'w1'), { recursive: true })
    const frag = join(dir, 'inbox', 'w1', '00000001.jsonl')
    writeFileSync(
      frag,
      [
        { kind: 'metric', project: 'x_system', run: 'r', metrics: { a: 1 }, step: 0 },
        { kind: 'metric', project: 'x', run: 'r', metrics: { a: 1 }, step: 0 },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    )
    const rep = await importInbox(dir)
    expect(rep).toEqual({ files: 1, records: 1, skipped: 1 })
    expect(existsSync(frag)).toBe(false)
    expect(existsSync(join(dir, 'x.db'))).toBe(true)
    expect(existsSync(join(dir, 'x_system.db'))).toBe(false)
  })
})

describe('trigger_sync and links in the data directory', () => {
  test('a link planted at a parquet file or its temporary name is replaced, never written through', async () => {
    const dir = copyFixtures('basic')
    const outside = tempDir()
    const precious = join(outside, 'precious.txt')
    writeFileSync(precious, 'keep')
    symlinkSync(precious, join(dir, 'llm-finetune.parquet'))
    // The link's target is newer than the database: still not a fresh export to keep.
    const later = new Date(Date.now() + 3600_000)
    utimesSync(precious, later, later)
    symlinkSync(precious, join(dir, `image-classification.parquet.tmp-${process.pid}`))
    const { call } = await inProcessApp(dir)
    expect((await call('trigger_sync', {}, H)).status).toBe(200)
    expect(readFileSync(precious, 'utf8')).toBe('keep')
    expect(lstatSync(join(dir, 'llm-finetune.parquet')).isFile()).toBe(true)
    expect(lstatSync(join(dir, 'image-classification.parquet')).isFile()).toBe(true)
    expect(existsSync(join(dir, `image-classification.parquet.tmp-${process.pid}`))).toBe(false)
  })
})
