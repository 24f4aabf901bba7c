import { copyFileSync } from 'node:fs'
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { columnText, parseJson } from '../../../src/json/parse'
import { JsonFloat, type Json, type JsonObject } from '../../../src/json/values'
import { encodeJsonText } from '../../../src/storage/db/encode'
import { pythonStr, splitTraces, traceId, traceLeaves, traceSearchText, uuid4Hex } from '../../../src/storage/write/traces'
import { appendMetrics } from '../../../src/storage/write/append'
import { FIXTURES, inProcessApp, tempDir } from '../../helpers'

const H = { 'x-trackio-write-token': 'test-token' }
// A copy: opening a WAL database, even read-only, leaves -wal/-shm files beside it.
const FIXTURE_DB = join(tempDir(), 'media-project.db')
copyFileSync(join(FIXTURES, 'edge', 'media-project.db'), FIXTURE_DB)
const dec = new TextDecoder()
const text = (b: Uint8Array): string => dec.decode(b)
const UUID_HEX = /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/

interface TraceDbRow {
  id: string
  run_id: string
  timestamp: string
  run_name: string
  step: bigint
  key: string
  trace_index: bigint | null
  messages: Uint8Array
  metadata: Uint8Array
  search_text: string
  log_id: string | null
  space_id: string | null
  messages_type: string
  metadata_type: string
}

function readTraces(path: string): TraceDbRow[] {
  const db = new Database(path, { readonly: true, safeIntegers: true })
  try {
    return db
      .query('SELECT *, typeof(messages) AS messages_type, typeof(metadata) AS metadata_type FROM traces ORDER BY rowid')
      .all() as TraceDbRow[]
  } finally {
    db.close()
  }
}

function readMetrics(path: string): { run_id: string; step: bigint; timestamp: string; metrics: string; log_id: string | null }[] {
  const db = new Database(path, { readonly: true, safeIntegers: true })
  try {
    return db.query('SELECT run_id, step, timestamp, CAST(metrics AS TEXT) AS metrics, log_id FROM metrics ORDER BY id').all() as never
  } finally {
    db.close()
  }
}

const trace = (messages?: Json, metadata?: Json): JsonObject => {
  const m = new Map<string, Json>([['_type', 'trackio.trace']])
  if (messages !== undefined) m.set('messages', messages)
  if (metadata !== undefined) m.set('metadata', metadata)
  return m
}

describe('the trace row Trackio wrote (fixtures/edge/media-project.db)', () => {
  const [row] = readTraces(FIXTURE_DB)
  const [, metricsRow] = readMetrics(FIXTURE_DB).filter((r) => r.log_id === row!.log_id)

  test('the fixture holds the expected row', () => {
    expect(row!.key).toBe('trace')
    expect(row!.trace_index).toBeNull()
    expect(row!.messages_type).toBe('blob')
    expect(row!.metadata_type).toBe('blob')
    expect(metricsRow).toBeUndefined() // exactly one metrics row carries that log_id
  })

  test('splitTraces reproduces id, search_text and bytes from the logged content', () => {
    const messages = parseJson(text(row!.messages))
    const metadata = parseJson(text(row!.metadata))
    // The metrics row of the same log (same log_id), with the trace value put back in.
    const stored = readMetrics(FIXTURE_DB).find((r) => r.log_id === row!.log_id)!
    const logged = parseJson(stored.metrics) as JsonObject
    logged.set('trace', trace(messages, metadata))
    let fresh = 0
    const split = splitTraces(logged, row!.run_id, row!.log_id, () => `unused${fresh++}`)
    expect(fresh).toBe(0) // a log_id makes the id deterministic
    expect(encodeJsonText(split.metrics)).toBe(stored.metrics) // the trace key is gone, nothing else changed
    expect(split.traces).toHaveLength(1)
    const t = split.traces[0]!
    expect(t.id).toBe(row!.id)
    expect(t.key).toBe('trace')
    expect(t.traceIndex).toBeNull()
    expect(t.searchText).toBe(row!.search_text)
    expect(Buffer.from(t.messages).equals(Buffer.from(row!.messages))).toBe(true)
    expect(Buffer.from(t.metadata).equals(Buffer.from(row!.metadata))).toBe(true)
  })

  test('writing that log again through appendMetrics gives the same traces row, column for column', async () => {
    const stored = readMetrics(FIXTURE_DB).find((r) => r.log_id === row!.log_id)!
    const logged = parseJson(stored.metrics) as JsonObject
    logged.set('trace', trace(parseJson(text(row!.messages)), parseJson(text(row!.metadata))))
    const dir = tempDir()
    await appendMetrics(dir, 'again', row!.run_name, row!.run_id, [{ metrics: logged, step: row!.step, logId: row!.log_id, timestamp: row!.timestamp }])
    expect(readTraces(join(dir, 'again.db'))).toEqual([row!])
    expect(readMetrics(join(dir, 'again.db')).map((m) => m.metrics)).toEqual([stored.metrics])
  })

  test('without a log_id the id is {run}:{uuid4 hex}:{key}, and search_text follows it', () => {
    const messages = parseJson(text(row!.messages))
    const metadata = parseJson(text(row!.metadata))
    const split = splitTraces(new Map([['trace', trace(messages, metadata)]]), row!.run_id, null)
    const t = split.traces[0]!
    const [run, hex, key, ...rest] = t.id.split(':')
    expect([run, key, rest]).toEqual([row!.run_id, 'trace', []])
    expect(hex).toMatch(UUID_HEX)
    // Same search_text as Trackio's once the id is the same.
    expect(t.searchText.replace(hex!, row!.log_id!)).toBe(row!.search_text)
    expect(split.metrics instanceof Map && split.metrics.size).toBe(0)
  })
})

describe('splitTraces', () => {
  test('a value without traces is returned untouched', () => {
    const m = { loss: 0.5, list: [1, 2], nested: { inner: { _type: 'trackio.trace' } } as Json, other: { _type: 'trackio.table', _value: [] } as Json }
    const r = splitTraces(m, 'r', 'L')
    expect(r.metrics).toBe(m)
    expect(r.traces).toEqual([])
  })

  test('lists keep their non-trace items; indexes are list positions; key order is kept', () => {
    const metrics = new Map<string, Json>([
      ['a', 1],
      ['mixed', [trace([{ role: 'user', content: 'x' }]), 7, trace(), 'text']],
      ['only', [trace(), trace()]],
      ['single', trace(undefined, new Map<string, Json>([['k', true]]))],
      ['z', new JsonFloat('2.0')],
    ])
    const r = splitTraces(metrics, 'run-id', 'LOG')
    expect(encodeJsonText(r.metrics)).toBe('{"a":1,"mixed":[7,"text"],"z":2.0}')
    expect(r.traces.map((t) => [t.id, t.key, t.traceIndex, text(t.messages), text(t.metadata)])).toEqual([
      ['run-id:LOG:mixed:0', 'mixed', 0, '[{"role":"user","content":"x"}]', '{}'],
      ['run-id:LOG:mixed:2', 'mixed', 2, '[]', '{}'],
      ['run-id:LOG:only:0', 'only', 0, '[]', '{}'],
      ['run-id:LOG:only:1', 'only', 1, '[]', '{}'],
      ['run-id:LOG:single', 'single', null, '[]', '{"k":true}'],
    ])
    expect(r.traces[0]!.searchText).toBe('run-id:log:mixed:0 mixed user x')
    expect(r.traces[2]!.searchText).toBe('run-id:log:only:0 only ')
    expect(r.traces[4]!.searchText).toBe('run-id:log:single single true')
  })

  test('a fresh uuid per trace when there is no log_id (an empty log_id counts as none)', () => {
    const r = splitTraces(new Map<string, Json>([['t', [trace(), trace()]]]), 'r', '')
    const hexes = r.traces.map((t) => t.id.split(':')[1]!)
    for (const h of hexes) expect(h).toMatch(UUID_HEX)
    expect(hexes[0]).not.toBe(hexes[1])
    expect(uuid4Hex()).toMatch(UUID_HEX)
  })

  test('plain objects (the MCP path) are recognised too', () => {
    const r = splitTraces({ t: { _type: 'trackio.trace', messages: [{ role: 'a' }], metadata: { n: 1 } } }, 'r', 'L')
    expect(r.traces.map((t) => [t.id, t.searchText, text(t.messages), text(t.metadata)])).toEqual([['r:L:t', 'r:l:t t a 1', '[{"role":"a"}]', '{"n":1}']])
    expect(encodeJsonText(r.metrics)).toBe('{}')
  })

  test('messages and metadata are NaN-encoded like every stored JSON column', () => {
    const r = splitTraces(new Map<string, Json>([['t', trace([NaN, [Infinity]], { x: -Infinity, y: new JsonFloat('1e400') })]]), 'r', 'L')
    const t = r.traces[0]!
    expect(text(t.messages)).toBe('["NaN",["Infinity"]]')
    expect(text(t.metadata)).toBe('{"x":"-Infinity","y":"Infinity"}')
    expect(t.searchText).toBe('r:l:t t nan inf -inf inf')
  })
})

describe('search_text pieces', () => {
  test("leaves render with Python's str()", () => {
    expect(pythonStr(true)).toBe('True')
    expect(pythonStr(false)).toBe('False')
    expect(pythonStr(1)).toBe('1')
    expect(pythonStr(new JsonFloat('1.0'))).toBe('1.0')
    expect(pythonStr(new JsonFloat('1E2'))).toBe('100.0')
    expect(pythonStr(0.5)).toBe('0.5')
    expect(pythonStr(1e-5)).toBe('1e-05')
    expect(pythonStr(new JsonFloat('1e16'))).toBe('1e+16')
    expect(pythonStr(1e-7 * 3)).toBe('3e-07')
    expect(pythonStr(-0)).toBe('-0.0')
    expect(pythonStr(2n ** 63n)).toBe('9223372036854775808')
    expect(pythonStr('MiXeD')).toBe('MiXeD')
  })

  test('leaves are depth-first, nulls skipped, object values in insertion order', () => {
    const v = parseJson('[{"role":"user","content":"Hi","extra":null,"n":[1,2.5,{"deep":false}]},{"b":"B","a":"A"}]')
    expect(traceLeaves(v)).toEqual(['user', 'Hi', '1', '2.5', 'False', 'B', 'A'])
    expect(traceSearchText('R:L:K', 'K', v, new Map([['m', 'Toy']]))).toBe('r:l:k k user hi 1 2.5 false b a toy')
  })

  test('traceId', () => {
    expect(traceId('r', 'L', 'k', null)).toBe('r:L:k')
    expect(traceId('r', 'L', 'k', 3)).toBe('r:L:k:3')
    expect(traceId('r', null, 'k', 0, () => 'u')).toBe('r:u:k:0')
  })
})

describe('the write path', () => {
  test('bulk_log over HTTP stores trace rows beside the metrics rows, in one write', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const chat = { _type: 'trackio.trace', messages: [{ role: 'user', content: 'What is 2+2?' }, { role: 'assistant', content: '4' }], metadata: { model: 'toy', latency_ms: 12, ok: true, t: 1.0 } }
    const logs = [
      { project: 'p', run: 'r', run_id: 'RID', metrics: { loss: 0.5, conv: chat }, step: null, log_id: 'L1' },
      { project: 'p', run: 'r', run_id: 'RID', metrics: { many: [chat, 3, chat] }, step: 5, log_id: 'L2' },
      { project: 'p', run: 'r', run_id: 'RID', metrics: { only: chat }, step: null },
      { project: 'p', run: 'plain', metrics: { t: chat }, step: null, log_id: 'L3' },
    ]
    // JSON.stringify drops ".0"; send the float as Trackio's client would.
    const bodyOf = (items: unknown[]) => JSON.stringify({ args: [], kwargs: { logs: items, hf_token: null } }).replaceAll('"t":1}', '"t":1.0}')
    const body = bodyOf(logs)
    expect(body).toContain('"t":1.0}')
    const r = await call('bulk_log', body, H)
    expect(r.status).toBe(200)
    const db = join(dir, 'p.db')
    const metrics = readMetrics(db)
    expect(metrics.map((m) => [m.run_id, Number(m.step), m.metrics, m.log_id])).toEqual([
      ['RID', 0, '{"loss":0.5}', 'L1'],
      ['RID', 5, '{"many":[3]}', 'L2'],
      ['RID', 1, '{}', null],
      ['plain', 0, '{}', 'L3'],
    ])
    const traces = readTraces(db)
    const uuid = traces[3]!.id.split(':')[1]!
    expect(uuid).toMatch(UUID_HEX)
    expect(traces.map((t) => [t.id, t.run_id, t.run_name, Number(t.step), t.key, t.trace_index === null ? null : Number(t.trace_index), t.log_id, t.space_id])).toEqual([
      ['RID:L1:conv', 'RID', 'r', 0, 'conv', null, 'L1', null],
      ['RID:L2:many:0', 'RID', 'r', 5, 'many', 0, 'L2', null],
      ['RID:L2:many:2', 'RID', 'r', 5, 'many', 2, 'L2', null],
      [`RID:${uuid}:only`, 'RID', 'r', 1, 'only', null, null, null],
      ['plain:L3:t', 'plain', 'plain', 0, 't', null, 'L3', null],
    ])
    for (const t of traces) {
      expect(t.timestamp).toBe(metrics[0]!.timestamp)
      expect([t.messages_type, t.metadata_type]).toEqual(['blob', 'blob'])
      expect(text(t.messages)).toBe('[{"role":"user","content":"What is 2+2?"},{"role":"assistant","content":"4"}]')
      expect(text(t.metadata)).toBe('{"model":"toy","latency_ms":12,"ok":true,"t":1.0}')
    }
    expect(traces[0]!.search_text).toBe('rid:l1:conv conv user what is 2+2? assistant 4 toy 12 true 1.0')

    // A retry with the same log_ids adds nothing (metrics row and trace rows both ignored).
    const again = await call('bulk_log', bodyOf(logs.filter((l) => l.log_id)), H)
    expect(again.status).toBe(200)
    expect(readTraces(db)).toHaveLength(5)
    expect(readMetrics(db)).toHaveLength(4)

    // Our own read tool sees the cleaned metrics.
    const back = await call('get_logs', { project: 'p', run_id: 'RID' })
    expect(back.status).toBe(200)
    expect(back.text).not.toContain('trackio.trace')
  })

  test('log and log_metrics split traces too (no log_id: a fresh uuid)', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const chat = { _type: 'trackio.trace', messages: [{ role: 'user', content: 'hi' }] }
    expect((await call('log', { project: 'p', run: 'r', metrics: { c: chat, x: 1 }, step: null, hf_token: null }, H)).status).toBe(200)
    const lm = await call('log_metrics', { project: 'p', run: 'r', metrics: { c: [chat] }, log_id: 'LM' }, H)
    expect(lm.status).toBe(200)
    const db = join(dir, 'p.db')
    expect(readMetrics(db).map((m) => [Number(m.step), m.metrics])).toEqual([[0, '{"x":1}'], [1, '{}']])
    const traces = readTraces(db)
    expect(traces.map((t) => [t.id.replace(/:[0-9a-f]{32}:/, ':<uuid>:'), Number(t.step), text(t.metadata), t.search_text.replace(/:[0-9a-f]{32}:/, ':<uuid>:')])).toEqual([
      ['r:<uuid>:c', 0, '{}', 'r:<uuid>:c c user hi'],
      ['r:LM:c:0', 1, '{}', 'r:lm:c:0 c user hi'],
    ])
  })

  test('appendMetrics (the storage API) writes traces in the same transaction: a failing trace insert stores nothing', async () => {
    const dir = tempDir()
    const path = join(dir, 'q.db')
    const chat = new Map<string, Json>([['_type', 'trackio.trace'], ['messages', []]])
    await appendMetrics(dir, 'q', 'r', null, [{ metrics: new Map([['c', chat]]), step: 2, logId: 'A' }])
    expect(readTraces(path).map((t) => [t.id, Number(t.step)])).toEqual([['r:A:c', 2]])
    const db = new Database(path)
    db.run("CREATE TRIGGER no_traces BEFORE INSERT ON traces BEGIN SELECT RAISE(ABORT, 'no traces'); END")
    db.close()
    await expect(appendMetrics(dir, 'q', 'r', null, [{ metrics: new Map<string, Json>([['x', 1], ['c', chat]]), step: 3, logId: 'B' }])).rejects.toThrow()
    expect(readTraces(path)).toHaveLength(1)
    expect(readMetrics(path).map((m) => columnText(m.metrics))).toEqual(['{}'])
  })
})
