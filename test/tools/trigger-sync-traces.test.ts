import { Database } from 'bun:sqlite'
import { describe, expect, spyOn, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet'
import { copyFixtures, inProcessApp, tempDir } from '../helpers'

const H = { 'x-trackio-write-token': 'test-token' }

async function readParquet(file: string) {
  const buf = readFileSync(file)
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
  const schema = parquetSchema(parquetMetadata(ab))
  const columns = schema.children.map((c) => ({ name: c.element.name, type: c.element.type }))
  const rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[]
  return { columns, rows }
}

const TRACE_COLUMNS = ['id', 'run_id', 'timestamp', 'run_name', 'step', 'key', 'trace_index', 'messages', 'metadata', 'search_text', 'log_id', 'space_id']

function fragment(dir: string, writer: string, lines: object[]): string {
  mkdirSync(join(dir, 'inbox', writer), { recursive: true })
  const file = join(dir, 'inbox', writer, '00000000.jsonl')
  writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''))
  return file
}

describe('trigger_sync: traces parquet', () => {
  test('{stem}_traces.parquet holds the traces table (messages / metadata as JSON text), only where traces exist', async () => {
    const dir = copyFixtures('basic', 'edge')
    const { call } = await inProcessApp(dir)
    expect((await call('trigger_sync', {}, H)).json).toEqual({ data: true })
    expect(readdirSync(dir).filter((f) => f.endsWith('_traces.parquet'))).toEqual(['media-project_traces.parquet'])

    const file = join(dir, 'media-project_traces.parquet')
    const t = await readParquet(file)
    expect(t.columns.map((c) => c.name)).toEqual(TRACE_COLUMNS)
    expect(t.columns.find((c) => c.name === 'step')!.type).toBe('INT64')
    const db = new Database(join(dir, 'media-project.db'), { readonly: true })
    const want = db
      .query('SELECT id, run_id, timestamp, run_name, step, key, trace_index, CAST(messages AS TEXT) AS messages, CAST(metadata AS TEXT) AS metadata, search_text, log_id, space_id FROM traces ORDER BY rowid')
      .all() as Record<string, unknown>[]
    db.close()
    expect(want).toHaveLength(1)
    expect(t.rows.map((r): Record<string, unknown> => ({ ...r, step: Number(r.step) }))).toEqual(want)
    expect(JSON.parse(t.rows[0]!.messages as string)).toEqual([
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
    ])
    expect(JSON.parse(t.rows[0]!.metadata as string)).toEqual({ model: 'toy', latency_ms: 12 })

    // Same freshness rule as the other files: not rewritten while newer than the database.
    const first = statSync(file).mtimeMs
    await Bun.sleep(30)
    expect((await call('force_sync', {}, H)).status).toBe(200)
    expect(statSync(file).mtimeMs).toBe(first)
  })

  test('step 1 imports the JSONL inbox; the imported rows (traces included) are in the parquet files written by the same call', async () => {
    const dir = tempDir()
    const trace = { _type: 'trackio.trace', messages: [{ role: 'user', content: 'hi' }], metadata: { model: 'm' } }
    const file = fragment(dir, '0123456789abcdef', [
      { v: 1, kind: 'metric', project: 'from-inbox', run: 'r', run_id: 'rid', metrics: { loss: 0.5, chat: trace }, step: null, timestamp: null, config: { lr: 0.1 }, log_id: 'L1' },
      { v: 1, kind: 'metric', project: 'from-inbox', run: 'r', run_id: 'rid', metrics: { loss: 0.25 }, step: null, timestamp: null, config: null, log_id: 'L2' },
      { v: 1, kind: 'system_metric', project: 'from-inbox', run: 'r', run_id: 'rid', metrics: { cpu: 3 }, timestamp: '2026-12-01T10:00:00+00:00', log_id: 'S1' },
    ])
    const { call } = await inProcessApp(dir)
    expect((await call('trigger_sync', {}, H)).json).toEqual({ data: true })
    expect(existsSync(file)).toBe(false)
    expect(existsSync(join(dir, 'inbox', '0123456789abcdef'))).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort()).toEqual([
      'from-inbox.parquet',
      'from-inbox_configs.parquet',
      'from-inbox_system.parquet',
      'from-inbox_traces.parquet',
    ])
    const m = await readParquet(join(dir, 'from-inbox.parquet'))
    expect(m.rows.map((r) => [Number(r.step), r.loss, r.log_id])).toEqual([
      [0, 0.5, 'L1'],
      [1, 0.25, 'L2'],
    ])
    expect(m.columns.map((c) => c.name)).not.toContain('chat')
    const tr = await readParquet(join(dir, 'from-inbox_traces.parquet'))
    expect(tr.rows.map((r) => [r.id, r.key, JSON.parse(r.messages as string)])).toEqual([['rid:L1:chat', 'chat', trace.messages]])
    expect((await readParquet(join(dir, 'from-inbox_system.parquet'))).rows.map((r) => r.cpu)).toEqual([3n])
  })

  test('an inbox fragment that cannot be written is kept and logged; force_sync still returns true', async () => {
    const dir = copyFixtures('basic')
    // A directory where the database should be: the import fails, the export skips it.
    mkdirSync(join(dir, 'broken.db'))
    const kept = fragment(dir, 'aaaaaaaaaaaaaaaa', [{ v: 1, kind: 'metric', project: 'broken', run: 'r', metrics: { x: 1 }, step: 0, log_id: 'B1' }])
    const errors = spyOn(console, 'error').mockImplementation(() => {})
    const { call } = await inProcessApp(dir)
    try {
      const r = await call('force_sync', {}, H)
      expect(r.json).toEqual({ data: true })
      expect(errors).toHaveBeenCalledTimes(1)
      expect(String(errors.mock.calls[0]![0])).toContain('aaaaaaaaaaaaaaaa')
    } finally {
      errors.mockRestore()
    }
    expect(existsSync(kept)).toBe(true)
  })
})
