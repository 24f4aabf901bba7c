import { afterEach, describe, expect, spyOn, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importInbox, inboxPollSeconds } from '../../src/ingest/inbox'
import { api, copyFixtures, inProcessApp, startServer, tempDir, type Server } from '../helpers'

/** Write a fragment the way Trackio's FragmentWriter does: compact JSON lines to a .tmp, then a rename. */
function writeFragment(dataDir: string, writer: string, seq: number, lines: (object | string)[]): string {
  const dir = join(dataDir, 'inbox', writer)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${String(seq).padStart(8, '0')}.jsonl`)
  const tmp = join(dir, `tmp${seq}x.tmp`)
  writeFileSync(tmp, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)) + '\n').join(''))
  renameSync(tmp, file)
  return file
}

const GPT2_SMALL_ID = '617843cbfddd466886f509c9340e0b07'
const TS1 = '2026-12-01T10:00:00.123456+00:00'
const TS2 = '2026-12-01T10:00:01+00:00'

const metric = (o: Record<string, unknown>) => ({ v: 1, kind: 'metric', project: 'inbox-proj', run: 'r1', run_id: 'run-1', metrics: {}, step: null, timestamp: null, config: null, log_id: null, ...o })

/** Fragments of two writers covering every kind, with and without timestamps, plus lines that must be skipped. */
function writeAll(dir: string): { a: string; b: string } {
  const a = writeFragment(dir, '0123456789abcdef', 0, [
    metric({ metrics: { loss: 0.5, acc: 1.0 }, step: 0, timestamp: TS1, config: { lr: 0.1, _Created: TS1 }, log_id: 'L1' }),
    metric({ metrics: { loss: 0.25, nan: 'NaN' }, step: 1, timestamp: TS2, log_id: 'L2' }),
    { v: 1, kind: 'system_metric', project: 'inbox-proj', run: 'r1', run_id: 'run-1', metrics: { 'gpu/0/utilization': 42 }, timestamp: TS1, log_id: 'S1' },
    { v: 1, kind: 'alert', project: 'inbox-proj', run: 'r1', run_id: 'run-1', title: 'Loss spike', text: 'jumped', level: 'warn', step: 1, timestamp: TS2, alert_id: 'A1' },
    '{"v":1,"kind":"metric","project":"inbox-proj",',
    { v: 1, kind: 'artifact', project: 'inbox-proj', run: 'r1' },
  ])
  // An existing run of the fixtures: no timestamp on one record, so the group takes the server's time; null steps continue the run.
  const b = writeFragment(dir, 'fedcba9876543210', 0, [
    { v: 1, kind: 'metric', project: 'llm-finetune', run: 'gpt2-small', run_id: GPT2_SMALL_ID, metrics: { 'train/loss': 1.5 }, step: null, timestamp: TS1, config: null, log_id: 'G1' },
    { v: 1, kind: 'metric', project: 'llm-finetune', run: 'gpt2-small', run_id: GPT2_SMALL_ID, metrics: { 'train/loss': 1.25 }, step: null, timestamp: null, config: null, log_id: 'G2' },
  ])
  return { a, b }
}

describe('importInbox', () => {
  let server: Server | null = null
  afterEach(async () => {
    await server?.stop()
    server = null
  })

  test('imports metric, system and alert records, skips bad lines, deletes fragments; a second import adds nothing', async () => {
    const dir = copyFixtures('basic')
    const { a, b } = writeAll(dir)
    const inflight = join(dir, 'inbox', '0123456789abcdef', 'tmpabc.tmp')
    writeFileSync(inflight, '{"v":1,"kind":"metric","project":"inbox-proj","run":"r1","metrics":{"x":1}}\n')
    const before = new Date().toISOString()

    expect(await importInbox(dir)).toEqual({ files: 2, records: 6, skipped: 2 })
    expect(existsSync(a)).toBe(false)
    expect(existsSync(b)).toBe(false)
    expect(existsSync(inflight)).toBe(true)
    expect(readdirSync(join(dir, 'inbox')).sort()).toEqual(['0123456789abcdef'])

    const { call } = await inProcessApp(dir)
    const logs = (await call('get_logs', { project: 'inbox-proj', run: 'r1' })).json.data
    expect(logs).toEqual([
      { loss: 0.5, acc: 1.0, timestamp: TS1, step: 0 },
      { loss: 0.25, nan: null, timestamp: TS2, step: 1 },
    ])
    const runs = (await call('get_runs_for_project', { project: 'inbox-proj' })).json.data
    expect(runs.map((r: { id: string; name: string }) => [r.id, r.name])).toEqual([['run-1', 'r1']])
    const summary = (await call('get_run_summary', { project: 'inbox-proj', run: 'r1' })).json.data
    expect(summary.config).toMatchObject({ lr: 0.1 })
    expect((await call('get_system_logs', { project: 'inbox-proj', run: 'r1' })).json.data).toEqual([{ 'gpu/0/utilization': 42, timestamp: TS1 }])
    expect((await call('get_alerts', { project: 'inbox-proj', run: 'r1' })).json.data).toEqual([
      { timestamp: TS2, run: 'r1', title: 'Loss spike', text: 'jumped', level: 'warn', step: 1 },
    ])

    const gpt = (await call('get_logs', { project: 'llm-finetune', run: 'gpt2-small' })).json.data as Record<string, unknown>[]
    expect(gpt).toHaveLength(82)
    const added = gpt.slice(-2)
    expect(added.map((r) => [r.step, r['train/loss']])).toEqual([
      [80, 1.5],
      [81, 1.25],
    ])
    for (const r of added) expect(String(r.timestamp) >= before.slice(0, 19)).toBe(true)
    expect(added[0]!.timestamp).toBe(added[1]!.timestamp)

    // A crash between the write and the delete: the same fragments come back.
    writeAll(dir)
    expect(await importInbox(dir)).toEqual({ files: 2, records: 6, skipped: 2 })
    expect((await call('get_logs', { project: 'inbox-proj', run: 'r1' })).json.data).toHaveLength(2)
    expect((await call('get_system_logs', { project: 'inbox-proj', run: 'r1' })).json.data).toHaveLength(1)
    expect((await call('get_alerts', { project: 'inbox-proj', run: 'r1' })).json.data).toHaveLength(1)
    expect((await call('get_logs', { project: 'llm-finetune', run: 'gpt2-small' })).json.data).toHaveLength(82)
    expect(await importInbox(dir)).toEqual({ files: 0, records: 0, skipped: 0 })
  })

  test('a fragment whose write fails is kept and reported once; it is imported once the project is usable', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'broken.db'), 'this is not an SQLite database, just text that is long enough to be read as a header\n'.repeat(20))
    const bad = writeFragment(dir, 'aaaaaaaaaaaaaaaa', 0, [metric({ project: 'broken', metrics: { x: 1 }, log_id: 'B1' })])
    const good = writeFragment(dir, 'bbbbbbbbbbbbbbbb', 0, [metric({ metrics: { x: 2 }, step: 3, log_id: 'OK1' })])
    const errors = spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(await importInbox(dir)).toEqual({ files: 1, records: 1, skipped: 0 })
      expect(await importInbox(dir)).toEqual({ files: 0, records: 0, skipped: 0 })
      expect(errors).toHaveBeenCalledTimes(1)
      expect(String(errors.mock.calls[0]![0])).toContain('00000000.jsonl')
    } finally {
      errors.mockRestore()
    }
    expect(existsSync(bad)).toBe(true)
    expect(existsSync(good)).toBe(false)

    unlinkSync(join(dir, 'broken.db'))
    expect(await importInbox(dir)).toEqual({ files: 1, records: 1, skipped: 0 })
    expect(existsSync(bad)).toBe(false)
    const { call } = await inProcessApp(dir)
    expect((await call('get_logs', { project: 'broken', run: 'r1' })).json.data).toEqual([{ x: 1, timestamp: expect.any(String), step: 0 }])
  })

  test('concurrent calls do not import a fragment twice; a missing inbox is nothing to do', async () => {
    const dir = tempDir()
    expect(await importInbox(dir)).toEqual({ files: 0, records: 0, skipped: 0 })
    writeFragment(dir, 'cccccccccccccccc', 0, [metric({ metrics: { x: 1 } }), metric({ metrics: { x: 2 } })])
    const [r1, r2] = await Promise.all([importInbox(dir), importInbox(dir)])
    expect(r1.files + r2.files).toBe(1)
    const { call } = await inProcessApp(dir)
    // No log_id: only serialisation keeps these from being written twice.
    expect((await call('get_logs', { project: 'inbox-proj', run: 'r1' })).json.data.map((r: { step: number }) => r.step)).toEqual([0, 1])
  })

  test('TRACKIO_INBOX_POLL_INTERVAL: default 15, at least 5, invalid → 15', () => {
    expect(inboxPollSeconds({})).toBe(15)
    expect(inboxPollSeconds({ TRACKIO_INBOX_POLL_INTERVAL: '30' })).toBe(30)
    expect(inboxPollSeconds({ TRACKIO_INBOX_POLL_INTERVAL: '2' })).toBe(5)
    expect(inboxPollSeconds({ TRACKIO_INBOX_POLL_INTERVAL: '-1' })).toBe(5)
    expect(inboxPollSeconds({ TRACKIO_INBOX_POLL_INTERVAL: '7.5' })).toBe(7.5)
    expect(inboxPollSeconds({ TRACKIO_INBOX_POLL_INTERVAL: 'soon' })).toBe(15)
    expect(inboxPollSeconds({ TRACKIO_INBOX_POLL_INTERVAL: '' })).toBe(15)
  })

  test('the server imports at startup and picks up a fragment dropped later within one poll interval', async () => {
    const dir = tempDir()
    writeFragment(dir, '1111111111111111', 0, [metric({ metrics: { x: 1 }, step: 0, log_id: 'E1' })])
    server = await startServer(dir, [], { TRACKIO_INBOX_POLL_INTERVAL: '5' })
    const steps = async (): Promise<number[]> => {
      const r = await api(server!.url, 'get_logs', { project: 'inbox-proj', run: 'r1' })
      return r.status === 200 ? r.json.data.map((x: { step: number }) => x.step) : []
    }
    const waitFor = async (want: number[], ms: number): Promise<number> => {
      const t0 = Date.now()
      while (Date.now() - t0 < ms) {
        if (JSON.stringify(await steps()) === JSON.stringify(want)) return Date.now() - t0
        await Bun.sleep(100)
      }
      throw new Error(`rows ${JSON.stringify(await steps())} after ${ms} ms, wanted ${JSON.stringify(want)}`)
    }
    await waitFor([0], 2000)
    expect(existsSync(join(dir, 'inbox', '1111111111111111'))).toBe(false)

    writeFragment(dir, '2222222222222222', 0, [metric({ metrics: { x: 2 }, step: 1, log_id: 'E2' })])
    await waitFor([0, 1], 7000)
    expect(existsSync(join(dir, 'inbox', '2222222222222222'))).toBe(false)
  }, 25000)
})
