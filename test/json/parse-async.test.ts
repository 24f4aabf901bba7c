import { describe, expect, test } from 'bun:test'
import { JsonSyntaxError, parseJson, parseJsonAsync } from '../../src/json/parse'

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
