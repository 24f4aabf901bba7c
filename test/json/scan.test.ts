import { describe, expect, test } from 'bun:test'
import { JsonSyntaxError } from '../../src/json/parse'
import { scanTopLevel, type ValueKind } from '../../src/json/scan'

function scan(text: string, wantHistograms = true): [string, ValueKind][] {
  const out: [string, ValueKind][] = []
  scanTopLevel(text, (k, kind) => out.push([k, kind]), wantHistograms)
  return out
}

describe('scanTopLevel', () => {
  test('visits top-level keys in order with the kind of their value', () => {
    const text = '{"loss": 0.5, "step": -3, "big": 9007199254740993, "name": "a,b}", "list": [1, {"x": 2}], "obj": {"a": {"b": 1}}, "ok": true, "none": null}'
    expect(scan(text)).toEqual([
      ['loss', 'number'],
      ['step', 'number'],
      ['big', 'number'],
      ['name', 'other'],
      ['list', 'other'],
      ['obj', 'other'],
      ['ok', 'other'],
      ['none', 'other'],
    ])
  })

  test('bare NaN / Infinity / -Infinity of older rows are numbers; the quoted strings are not', () => {
    expect(scan('{"a":NaN,"b":Infinity,"c":-Infinity,"d":"NaN"}')).toEqual([
      ['a', 'number'],
      ['b', 'number'],
      ['c', 'number'],
      ['d', 'other'],
    ])
  })

  test('histograms are recognised only when asked for', () => {
    const text = '{"h":{"_type":"trackio.histogram","bins":[0,1],"values":[3]},"i":{"_type":"trackio.image"}}'
    expect(scan(text, true)).toEqual([
      ['h', 'histogram'],
      ['i', 'other'],
    ])
    expect(scan(text, false)).toEqual([
      ['h', 'other'],
      ['i', 'other'],
    ])
  })

  test('escaped keys are decoded; braces and quotes inside strings do not end a value', () => {
    expect(scan('{"a\\"b": {"s": "}]\\"{"}, "\\u00e9": 1}')).toEqual([
      ['a"b', 'other'],
      ['é', 'number'],
    ])
  })

  test('whitespace anywhere and the empty object', () => {
    expect(scan(' \n{ }\t')).toEqual([])
    expect(scan('{\r\n "a" :\t1 ,\n "b" : 2\n}')).toEqual([
      ['a', 'number'],
      ['b', 'number'],
    ])
  })

  test('malformed text throws JsonSyntaxError', () => {
    for (const bad of ['[1]', '"x"', '{a:1}', '{"a" 1}', '{"a":"open', '{"a":{"b":1}', '', '{"a":1;"b":2}', '{"a":}', '{"a":1 2}'])
      expect(() => scan(bad)).toThrow(JsonSyntaxError)
  })
})
