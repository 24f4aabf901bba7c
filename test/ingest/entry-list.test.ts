import { describe, expect, test } from 'bun:test'
import { readEntry, type EntryKind, type LogEntry } from '../../src/ingest/entry'
import { MetricReader, readEntryListAsync } from '../../src/ingest/entry-list'
import { listCursor, parseJson, parseJsonAsync } from '../../src/json/parse'
import { JsonListText, type Json } from '../../src/json/values'
import { encodeJsonText, storedText, StoredJson } from '../../src/storage/db/encode'

/** The list `logs` of a body as the HTTP API hands it over: request text, not values. */
async function deferred(items: string[]): Promise<JsonListText> {
  const body = (await parseJsonAsync(`{"args": [], "kwargs": {"logs": [${items.join(', ')}], "hf_token": null}}`, { allowNonFinite: true, maxDepth: 64, deferLists: ['logs'] })) as Map<string, Json>
  const list = (body.get('kwargs') as Map<string, Json>).get('logs')
  expect(list).toBeInstanceOf(JsonListText)
  return list as unknown as JsonListText
}

/** An entry as comparable data: metrics as their stored text, config encoded. */
function plain(e: LogEntry): unknown {
  return {
    kind: e.kind,
    key: e.key,
    metrics: e.metrics instanceof StoredJson ? e.metrics.text : storedText(e.metrics as Json),
    step: e.step,
    config: e.config === null ? null : encodeJsonText(e.config as Json),
    id: e.id,
    timestamp: e.timestamp,
    alert: e.alert,
  }
}

async function outcome(f: () => Promise<LogEntry[]> | LogEntry[]): Promise<unknown> {
  try {
    return { ok: (await f()).map(plain) }
  } catch (err) {
    return { err: (err as Error).message }
  }
}

/** The same entries read from values (parseJson + readEntry, the reference) and from the text. */
async function both(kind: EntryKind, items: string[]): Promise<[unknown, unknown]> {
  const want = await outcome(() => {
    const values = items.map((t) => parseJson(t, { allowNonFinite: true, maxDepth: 64 }))
    values.forEach((v, i) => {
      if (!(v instanceof Map)) readEntry(kind, v, `logs[${i}]`)
    })
    return values.map((v, i) => readEntry(kind, v, `logs[${i}]`))
  })
  const got = await outcome(async () => readEntryListAsync(kind, await deferred(items), 'logs'))
  return [got, want]
}

const py = (metrics: string, extra = '') => `{"project": "p", "run": "r1", "run_id": "abc", "metrics": ${metrics}, "step": 3, "config": null, "log_id": "L"${extra}}`

const CASES: string[][] = [
  [py('{"loss": 0.3333333333333333, "i": 2}')],
  [py('{"a": 1.0, "b": 1e-7, "c": 1E+16, "d": 0.00001, "e": 123456789012345.5, "f": 5e-324, "g": 1e999, "h": -1e999}')],
  [py('{"n": NaN, "p": Infinity, "m": -Infinity, "z": -0, "y": -0.0, "x": 0, "w": -12}')],
  [py('{"t": true, "f": false, "n": null, "s": "é🚀 text", "e": ""}')],
  [py('{"big": 18446744073709551615, "neg": -9223372036854775808, "sixteen": 1234567890123456, "fifteen": 123456789012345}')],
  [py('{"too big": 18446744073709551616}')],
  [py('{"esc": "a\\"b\\n", "\\u0041": 1}')],
  [py('{"lone": "\\ud800"}')],
  [py('{"nested": {"x": 1.50, "l": [1, NaN, {"y": true}]}, "hist": {"_type": "trackio.histogram", "bins": [1, 2]}}')],
  [py('{"tr": {"_type": "trackio.trace", "messages": [{"role": "user", "content": "hi"}]}, "k": 1}')],
  [py('{"a": 1, "b": 2, "a": 3}')],
  [py('{}')],
  [py('{"10": 1, "2": 2, "a": 3}')],
  [py('{"x": 1}', ', "timestamp": "2026-01-01T00:00:00+00:00"')],
  [py('{"x": 1}', ', "extra": [1, 2, {"a": 3}]')],
  [py('{"x": 1}').replace('"config": null', '"config": {"lr": 0.1, "_Group": null, "inf": Infinity}')],
  [py('{"x": 1}').replace('"config": null', '"config": {}')],
  [py('{"x": 1}').replace('"config": null', '"config": [1]')],
  [py('{"x": 1}').replace('"step": 3', '"step": null')],
  [py('{"x": 1}').replace('"step": 3', '"step": -0')],
  [py('{"x": 1}').replace('"step": 3', '"step": 1.5')],
  [py('{"x": 1}').replace('"step": 3', '"step": 1e3')],
  [py('{"x": 1}').replace('"step": 3', '"step": 9223372036854775807')],
  [py('{"x": 1}').replace('"step": 3', '"step": 9223372036854775808')],
  [py('{"x": 1}').replace('"step": 3', '"step": "3"')],
  [py('{"x": 1}').replace('"run_id": "abc"', '"run_id": null').replace('"log_id": "L"', '"log_id": null')],
  [py('{"x": 1}').replace('"run_id": "abc"', '"run_id": 5')],
  [py('{"x": 1}').replace('"log_id": "L"', '"log_id": true')],
  [py('{"x": 1}').replace('"run": "r1"', '"run": 3')],
  [py('{"x": 1}').replace('"run": "r1"', '"r\\u0075n": "r1"')],
  [py('{"x": 1}').replace('"project": "p"', '"project": "' + 'x'.repeat(300) + '"')],
  [py('{"x": 1}').replace('"metrics": {"x": 1}', '"metrics": 5')],
  [py('[1]').replace('"metrics": [1]', '"metrics": [1]')],
  ['{"project": "p", "metrics": {}}'],
  ['{"run": "r", "metrics": {}}'],
  ['{"project": "p", "run": "r"}'],
  ['{}'],
  ['{"project":"p","run":"r","metrics":{"a":1},"project":"q"}'],
  ['{"project":"p","run":"r","metrics":{"a":{"b":1}},"metrics":{"a":2}}'],
  ['{"project":"p","run":"r","metrics":{"a":2},"metrics":{"a":{"b":1}}}'],
  ['  {  "project" :"p" ,"run":"r","metrics":  { "a" :1 ,"b":2.5 }  }  '],
  // layouts that change from entry to entry: the cached names must never leak into the next entry
  [py('{"a": 1, "b": 2}'), py('{"a": 1, "b": 2}'), py('{"a": 1}'), py('{"a": 1, "b": 2, "c": 3}'), py('{"b": 1, "a": 2}'), py('{"a": 1, "a": 2}'), py('{"ab": 1, "b": 2}'), py('{}'), py('{"a": 1, "b": 2}')],
  [py('{"x": 1}'), '3', py('{"x": "no run"}').replace('"run": "r1", ', '')],
  [py('{"x": 1}').replace('"run": "r1", ', ''), '"text"'],
  [py('{"x": 1}'), py('{"x": 1}').replace('"project": "p"', '"project": "q"'), py('{"x": 1}').replace('"run_id": "abc"', '"run_id": "abd"'), py('{"x": 1}')],
]

describe('readEntryListAsync: entries read from request text', () => {
  test('give exactly the entries (and errors) readEntry gives from values', async () => {
    for (const items of CASES) {
      const [got, want] = await both('metric', items)
      expect({ items, got }).toEqual({ items, got: want })
    }
  })

  test('system metrics and alerts too (read by readEntry, metrics kept as stored text)', async () => {
    const sys = ['{"project": "p", "run": "r", "metrics": {"gpu/0/util": 0.5, "n": NaN}, "timestamp": "2026-01-01T00:00:00+00:00", "log_id": "s1"}', '{"project": "p", "run": "r", "metrics": {}}']
    const [got, want] = await both('system', sys)
    expect(got).toEqual(want)
    const lists = (await readEntryListAsync('system', await deferred(sys), 'logs')).map((e) => e.metrics)
    expect(lists.every((m) => m instanceof StoredJson)).toBe(true)
    const alerts = ['{"project": "p", "run": "r", "title": "t", "text": null, "level": "warn", "step": 2, "alert_id": "a1"}', '{"project": "p", "run": "r", "level": "warn"}']
    const [a, b] = await both('alert', alerts)
    expect(a).toEqual(b)
    expect((a as { err: string }).err).toBe("logs[1]: missing required key 'title'")
  })

  test('an item that is no object is reported first, as for a list of values', async () => {
    const got = await outcome(async () => readEntryListAsync('metric', await deferred(['{"project": "p"}', '7']), 'logs'))
    expect(got).toEqual({ err: 'logs[1]: expected an object, got a number' })
  })

  test('random batches: the same entries either way', async () => {
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const values = ['1', '-3', '0.5', '1e-9', '2.0', 'NaN', '-Infinity', 'true', 'null', '"s"', '"é"', '12345678901234567', '{"q": 1}', '[1.0]']
    const names = ['loss', 'acc', 'a', 'b', 'lr', 'é']
    for (let round = 0; round < 30; round++) {
      const items: string[] = []
      for (let n = 0; n < 40; n++) {
        const k = Math.floor(rand() * 4)
        const m = Array.from({ length: k }, () => `"${names[Math.floor(rand() * names.length)]}": ${values[Math.floor(rand() * values.length)]}`)
        const step = rand() < 0.3 ? 'null' : String(Math.floor(rand() * 100))
        items.push(`{"project": "p${Math.floor(rand() * 2)}", "run": "r", "metrics": {${m.join(', ')}}, "step": ${step}, "log_id": "${n}"}`)
      }
      const [got, want] = await both('metric', items)
      expect(got).toEqual(want)
    }
  })

  test("the Python client's entries are read straight from the text (no value is built for them)", async () => {
    const list = await deferred([py('{"loss": 0.25, "i": 1}'), py('{"loss": NaN, "i": 2}')])
    const c = listCursor(list)
    const reader = new MetricReader(c, list.itemDepth)
    const first = reader.read()
    c.next(93)
    const second = reader.read()
    expect([first?.metrics, second?.metrics]).toEqual([new StoredJson('{"loss":0.25,"i":1}'), new StoredJson('{"loss":"NaN","i":2}')])
    // consecutive entries of one run share their key object (grouping compares it first)
    expect(second?.key).toBe(first!.key)
  })

  test('other work runs while a large list is read', async () => {
    const list = await deferred(Array.from({ length: 10_000 }, (_, i) => py(`{"i": ${i}}`)))
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const entries = await readEntryListAsync('metric', list, 'logs')
    clearInterval(timer)
    expect(entries).toHaveLength(10_000)
    expect(ticks).toBeGreaterThan(0)
  })
})
