import { describe, expect, test } from 'bun:test'
import { parseJson } from '../../src/json/parse'
import { JsonFloat } from '../../src/json/values'
import { ENTRY_FIELDS, entrySchema, INT64_MAX, InvalidEntry, readEntry, readEntryList } from '../../src/ingest/entry'

const j = (text: string) => parseJson(text, { allowNonFinite: false })
const error = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidEntry)
    return (e as Error).message
  }
  throw new Error('did not throw')
}

describe('readEntry from a request', () => {
  test('a metric entry keeps its values losslessly', () => {
    const e = readEntry('metric', j('{"project":"p","run":"r","metrics":{"a":1.0,"b":18446744073709551615},"step":3,"log_id":"x","config":{"lr":0.1}}'), 'logs[0]')
    expect(e.key).toEqual({ project: 'p', run: 'r', runId: null })
    expect((e.metrics as Map<string, unknown>).get('a')).toBeInstanceOf(JsonFloat)
    expect((e.metrics as Map<string, unknown>).get('b')).toBe(2n ** 64n - 1n)
    expect([e.step, e.id, e.timestamp]).toEqual([3, 'x', null])
  })

  test('errors name the entry and the field', () => {
    expect(error(() => readEntry('metric', j('{"project":"p","metrics":{}}'), 'logs[3]'))).toBe("logs[3]: missing required key 'run'")
    expect(error(() => readEntry('metric', j('{"project":"p","run":"r","metrics":[]}'), 'logs[0]'))).toBe("logs[0]: 'metrics' must be a JSON object, got a list")
    expect(error(() => readEntry('alert', j('{"project":"p","run":"r","title":null,"level":"info"}'), 'alerts[1]'))).toBe("alerts[1]: 'title' must be a string, got null")
    expect(error(() => readEntry('metric', j('{"project":"p","run":"r","metrics":{},"step":1.5}'), 'x'))).toBe("x: 'step' must be an integer or null, got 1.5")
    expect(error(() => readEntry('metric', j('{"project":"p","run":"r","metrics":{},"step":9223372036854775808}'), 'x'))).toContain('outside the 64-bit integer range')
    expect(error(() => readEntryList('system', j('[{}, 3]'), 'logs'))).toBe('logs[1]: expected an object, got a number')
    expect(error(() => readEntryList('system', j('[{}]'), 'logs'))).toBe("logs[0]: missing required key 'project'")
  })

  test('a request timestamp is kept verbatim, even empty', () => {
    expect(readEntry('system', j('{"project":"p","run":"r","metrics":{},"timestamp":""}'), '').timestamp).toBe('')
  })
})

describe('readEntry from the JSONL inbox', () => {
  test("the client's defaults: no metrics → {}, no title → '', empty level → WARN, integral float step", () => {
    const m = readEntry('metric', j('{"project":"p","run":"r","step":2.0,"timestamp":"","config":5}'), '', 'inbox')
    expect(m.metrics).toEqual(new Map())
    expect([m.step, m.timestamp, m.config]).toEqual([2, null, null])
    const a = readEntry('alert', j('{"project":"p","run":"r","level":""}'), '', 'inbox')
    expect(a.alert).toEqual({ title: '', text: null, level: 'WARN' })
  })

  test('names must be non-empty there', () => {
    expect(() => readEntry('metric', j('{"project":"","run":"r"}'), '', 'inbox')).toThrow(InvalidEntry)
    expect(readEntry('metric', j('{"project":"","run":"r","metrics":{}}'), '').key.project).toBe('')
  })
})

describe('entrySchema: the OpenAPI items come from the same field table', () => {
  test('every field but the inbox-only ones, with the validator\'s bounds', () => {
    for (const kind of ['metric', 'system', 'alert'] as const) {
      const s = entrySchema(kind) as { properties: Record<string, any>; required: string[] }
      expect(Object.keys(s.properties)).toEqual(ENTRY_FIELDS[kind].filter((f) => !f.inboxOnly).map((f) => f.name))
      expect(s.required).toEqual(ENTRY_FIELDS[kind].filter((f) => f.required).map((f) => f.name))
    }
    const step = (entrySchema('metric') as any).properties.step.anyOf[0]
    expect(step.maximum).toBe(Number(INT64_MAX))
    // The largest step the schema documents is one the validator accepts.
    expect(readEntry('metric', j(`{"project":"p","run":"r","metrics":{},"step":${INT64_MAX}}`), '').step).toBe(INT64_MAX)
  })
})
