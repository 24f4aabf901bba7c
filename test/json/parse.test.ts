import { describe, expect, test } from 'bun:test'
import { columnText, JsonSyntaxError, parseJson } from '../../src/json/parse'
import { stringify } from '../../src/json/serialize'
import { isFloat, isNumeric, JsonFloat, type Json } from '../../src/json/values'

describe('parseJson: values', () => {
  test('objects become Maps in insertion order, integer-like keys included', () => {
    const v = parseJson('{"b":1,"10":2,"2":3,"a":{"z":1,"0":2}}') as Map<string, Json>
    expect(v).toBeInstanceOf(Map)
    expect([...v.keys()]).toEqual(['b', '10', '2', 'a'])
    expect([...(v.get('a') as Map<string, Json>).keys()]).toEqual(['z', '0'])
  })

  test('duplicate keys: the last value wins, the first position is kept (like Python dict)', () => {
    const v = parseJson('{"a":1,"b":2,"a":3}') as Map<string, Json>
    expect([...v.entries()]).toEqual([['a', 3], ['b', 2]])
  })

  test('floats keep their lexeme; ints stay numbers; beyond 2^53 → bigint', () => {
    const a = parseJson('[1.0,1e-7,0.00001,1E+16,-0.0,5e-324,1,9007199254740991,9007199254740992,9007199254740993,-9223372036854775808,18446744073709551615,123456789012345678901234567890]') as Json[]
    expect(a[0]).toBeInstanceOf(JsonFloat)
    expect((a[0] as JsonFloat).text).toBe('1.0')
    expect((a[1] as JsonFloat).text).toBe('1e-7')
    expect((a[3] as JsonFloat).text).toBe('1E+16')
    expect(Object.is((a[4] as JsonFloat).value, -0)).toBe(true)
    expect((a[5] as JsonFloat).value).toBe(5e-324)
    expect(a[6]).toBe(1)
    expect(a[7]).toBe(9007199254740991)
    expect(a[8]).toBe(9007199254740992n)
    expect(a[9]).toBe(9007199254740993n)
    expect(a[10]).toBe(-9223372036854775808n)
    expect(a[11]).toBe(18446744073709551615n)
    expect(a[12]).toBe(123456789012345678901234567890n)
    expect(a.map((x) => isFloat(x))).toEqual([true, true, true, true, true, true, false, false, false, false, false, false, false])
    expect(a.every((x) => isNumeric(x))).toBe(true)
  })

  test('integer -0 is the int 0 (Python json.loads("-0") == 0), not a float', () => {
    const v = parseJson('[-0,0]') as Json[]
    expect(stringify(v)).toBe('[0,0]')
  })

  test('strings: escapes, surrogate pairs, raw unicode', () => {
    expect(parseJson('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"')).toBe('a"b\\c/d\b\f\n\r\t')
    expect(parseJson('"\\u00e9\\ud83d\\ude80\\u65e5"')).toBe('é🚀日')
    expect(parseJson('"ünïcødé 🚀"')).toBe('ünïcødé 🚀')
    expect(parseJson('"NaN"')).toBe('NaN')
  })

  test('literals and whitespace (json.dumps spacing of legacy TEXT rows)', () => {
    expect(parseJson(' {"a": 1, "b": [true, false, null], "c": {"d": 2.5}} \n')).toEqual(
      new Map<string, Json>([['a', 1], ['b', [true, false, null]], ['c', new Map<string, Json>([['d', new JsonFloat('2.5')]])]]),
    )
    expect(parseJson('\t[ ]\r\n')).toEqual([])
    expect(parseJson('{ }')).toEqual(new Map())
  })

  test('bare NaN / Infinity / -Infinity (pre-2025-09 rows) are accepted by default, refused on request', () => {
    const v = parseJson('{"a": NaN, "b": Infinity, "c": -Infinity}') as Map<string, Json>
    expect(Number.isNaN(v.get('a') as number)).toBe(true)
    expect(v.get('b')).toBe(Infinity)
    expect(v.get('c')).toBe(-Infinity)
    expect(stringify(v)).toBe('{"a":null,"b":null,"c":null}')
    expect(() => parseJson('[NaN]', { allowNonFinite: false })).toThrow(JsonSyntaxError)
    expect(() => parseJson('[-Infinity]', { allowNonFinite: false })).toThrow(JsonSyntaxError)
  })
})

describe('parseJson: errors', () => {
  for (const bad of ['', '{', '[1,]', '{"a":1,}', '{a:1}', '01', '1.', '.5', '-', '1e', '1e+', '"abc', '"a\u0001"', '"\\x"', '"\\u12G4"', 'tru', 'nul', '[1] 2', '{"a" 1}', "'a'", '+1']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseJson(bad)).toThrow(JsonSyntaxError)
    })
  }

  test('position points at the problem', () => {
    try {
      parseJson('[1, 2, x]')
      throw new Error('no error')
    } catch (e) {
      expect(e).toBeInstanceOf(JsonSyntaxError)
      expect((e as JsonSyntaxError).position).toBe(7)
    }
  })

  test('maxDepth', () => {
    expect(() => parseJson('['.repeat(20) + ']'.repeat(20), { maxDepth: 10 })).toThrow(/deep/)
    expect(parseJson('['.repeat(10) + ']'.repeat(10), { maxDepth: 10 })).toBeDefined()
    expect(() => parseJson('{"a":'.repeat(600) + '1' + '}'.repeat(600))).toThrow(JsonSyntaxError)
  })
})

describe('columnText', () => {
  test('BLOB bytes, TEXT, null and numbers', () => {
    expect(columnText(new TextEncoder().encode('{"ü":1}'))).toBe('{"ü":1}')
    expect(columnText('{"a":1}')).toBe('{"a":1}')
    expect(columnText(null)).toBe('null')
    expect(columnText(undefined)).toBe('null')
    expect(columnText(12)).toBe('12')
    expect(columnText(12n)).toBe('12')
  })
})

describe('round trip', () => {
  test('compact Python-style text survives parse → stringify unchanged', () => {
    const texts = [
      '{"loss":1.0,"nan":"NaN","inf":"Infinity","ninf":"-Infinity","nested":{"x":"NaN","y":2.0}}',
      '{"b":18446744073709551615,"c":-9223372036854775808,"d":9007199254740993,"e":1e-07,"f":1e+16,"g":-0.0,"h":100.0}',
      '{"10":1,"2":2,"a":[1,2.5,"x",null,{"0":true}],"é":"日本","emoji 🚀":0}',
      '[]',
      '{}',
      '"\\u0000\\n"',
    ]
    for (const t of texts) expect(stringify(parseJson(t))).toBe(t)
  })
})
