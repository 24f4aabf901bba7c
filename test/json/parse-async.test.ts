import { describe, expect, test } from 'bun:test'
import { JsonSyntaxError, listItem, listValues, parseJson, parseJsonAsync } from '../../src/json/parse'
import { JsonListText, type Json } from '../../src/json/values'

const VALID = [
  '{"args": [], "kwargs": {"logs": [{"project": "p", "run": "r", "metrics": {"loss": 1.0, "n": NaN, "i": -Infinity}, "step": 3}], "hf_token": null}}',
  '[1, 2.50, -0, 1e5, 18446744073709551615, "é🚀\\u00e9\\n", true, false, null, [], {}, [[[[1]]]], {"a": {"b": {"c": {"d": 1}}}}]',
  ' {"10": 1, "2": 2, "a": 3, "a": 4} ',
  '"lone"',
  '12',
  '[]',
  '{}',
  '{"k": [{"x": [1, {"y": 2}]}, {"x": []}]}',
]
const INVALID = ['{"a":', '[1,]', '{"a" 1}', '{"a":1,}', '[1 2]', '{1:2}', '[1]x', '', '[NaN', '{"a":[1,2}', '[' .repeat(70) + ']'.repeat(70)]

async function outcome(f: () => unknown): Promise<unknown> {
  try {
    return { ok: await f() }
  } catch (err) {
    return { err: err instanceof JsonSyntaxError ? [err.message, err.position] : String(err) }
  }
}

describe('parseJsonAsync', () => {
  test('gives exactly what parseJson gives, values and errors, whatever the yield interval and depth', async () => {
    for (const text of [...VALID, ...INVALID])
      for (const depth of [0, 1, 2, 3, 8])
        for (const yieldEveryChars of [1, 7, 1 << 20]) {
          const want = await outcome(() => parseJson(text, { allowNonFinite: true, maxDepth: 64 }))
          const got = await outcome(() => parseJsonAsync(text, { allowNonFinite: true, maxDepth: 64, depth, yieldEveryChars }))
          expect(got).toEqual(want)
        }
  })
  test('other work runs while a large body is parsed', async () => {
    const text = `{"kwargs": {"logs": [${Array.from({ length: 20000 }, (_, i) => `{"i": ${i}, "x": "${'y'.repeat(20)}"}`).join(', ')}]}}`
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const v = (await parseJsonAsync(text, { yieldEveryChars: 16 * 1024 })) as Map<string, any>
    clearInterval(timer)
    expect(v.get('kwargs').get('logs')).toHaveLength(20000)
    expect(ticks).toBeGreaterThan(0)
  })
})

describe('parseJsonAsync: deferLists', () => {
  const ITEMS = ['1', '"s"', 'NaN', '-Infinity', '{"a": [1, {"b": "\\u00e9\\n"}], "c": 1.50}', '[]', '{}', 'null', '18446744073709551615', '[[[[1]]]]']
  const BAD_ITEMS = ['{"a":}', '[1,]', '"\\x"', '"\\u12"', '01', '1.', '-', 'nul', '{"a" 1}', '{1: 2}', '"a\u0001"', '[' .repeat(70) + ']'.repeat(70), '{"a": 1', 'Infinit']
  const bodies = (item: string): string[] => [
    `{"logs": [${item}], "x": 1}`,
    `{"args": [], "kwargs": {"logs": [${item}, ${item}], "hf_token": null}}`,
    ` {"kwargs": {"logs": [ ${item} ]}} `,
  ]

  test('a list under a deferred name is kept as text, with the same items and the same errors as parseJson', async () => {
    for (const item of [...ITEMS, ...BAD_ITEMS])
      for (const text of bodies(item)) {
        const want = await outcome(() => parseJson(text, { allowNonFinite: true, maxDepth: 64 }))
        const got = await outcome(async () => {
          const v = (await parseJsonAsync(text, { allowNonFinite: true, maxDepth: 64, deferLists: ['logs'], yieldEveryChars: 3 })) as Map<string, Json>
          const holder = v.has('kwargs') ? (v.get('kwargs') as Map<string, Json>) : v
          const list = holder.get('logs') as unknown as JsonListText
          expect(list).toBeInstanceOf(JsonListText)
          holder.set('logs', listValues(list))
          expect(list.length).toBe((holder.get('logs') as Json[]).length)
          if (list.length) expect(listItem(list, list.length - 1)).toEqual((holder.get('logs') as Json[])[list.length - 1]!)
          return v
        })
        expect({ text, got }).toEqual({ text, got: want })
      }
  })

  test('only members of the body or of its kwargs, and only lists, are deferred', async () => {
    const v = (await parseJsonAsync('{"logs": 5, "config": {"logs": [1]}, "kwargs": {"x": {"logs": [2]}}, "other": [{"a": 1}], "data": [[{"logs": [3]}]]}', { deferLists: ['logs'] })) as Map<string, any>
    expect(v.get('logs')).toBe(5)
    expect(v.get('config').get('logs')).toEqual([1])
    expect(v.get('kwargs').get('x').get('logs')).toEqual([2])
    expect(v.get('other')[0].get('a')).toBe(1)
    expect(v.get('data')[0][0].get('logs')).toEqual([3])
    const list = ((await parseJsonAsync('{"logs": [{"a": 1}, 2, {}]}', { deferLists: ['logs'] })) as Map<string, any>).get('logs')
    expect([list.length, list.firstNonObject]).toEqual([3, 1])
  })
})
