import { describe, expect, test } from 'bun:test'
import { decodeObject, decodeTopLevel, int, nonFiniteOf, text } from '../../../src/storage/db/decode'
import { JsonFloat } from '../../../src/json/values'
import { JsonSyntaxError } from '../../../src/json/parse'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('decodeTopLevel', () => {
  test('the stored strings NaN, Infinity, -Infinity are floats; other values pass through', () => {
    expect(decodeTopLevel('NaN')).toBeNaN()
    expect(decodeTopLevel('Infinity')).toBe(Infinity)
    expect(decodeTopLevel('-Infinity')).toBe(-Infinity)
    expect(decodeTopLevel('nan')).toBe('nan')
    expect(decodeTopLevel(3)).toBe(3)
    expect(decodeTopLevel(null)).toBeNull()
  })
})

describe('decodeObject', () => {
  test('a BLOB or TEXT column → an ordered Map with exact numbers and top-level non-finite decoded', () => {
    const m = decodeObject(bytes('{"b":1.0,"a":"NaN","big":9007199254740993,"n":{"x":"Infinity"},"s":"-Infinity"}'))
    expect([...m.keys()]).toEqual(['b', 'a', 'big', 'n', 's'])
    expect(m.get('b')).toEqual(new JsonFloat('1.0'))
    expect(m.get('a')).toBeNaN()
    expect(m.get('big')).toBe(9007199254740993n)
    expect((m.get('n') as Map<string, unknown>).get('x')).toBe('Infinity') // nested stays a string, as in Trackio
    expect(m.get('s')).toBe(-Infinity)
    expect([...decodeObject('{"k":2}')]).toEqual([['k', 2]])
  })

  test('decoding of non-finite strings can be turned off', () => {
    expect(decodeObject('{"a":"NaN"}', false).get('a')).toBe('NaN')
  })

  test('a JSON value that is not an object reads as empty; text that is not JSON throws', () => {
    expect(decodeObject('[1,2]').size).toBe(0)
    expect(decodeObject('null').size).toBe(0)
    expect(decodeObject(null).size).toBe(0)
    expect(() => decodeObject('{"a":')).toThrow(JsonSyntaxError)
  })
})

describe('nonFiniteOf', () => {
  test('only the three stored spellings are numbers; names an object inherits stay strings', () => {
    expect(nonFiniteOf('NaN')).toBeNaN()
    expect(nonFiniteOf('Infinity')).toBe(Infinity)
    expect(nonFiniteOf('-Infinity')).toBe(-Infinity)
    for (const other of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'nan', 'inf', '', 1, null]) expect(nonFiniteOf(other)).toBeUndefined()
    expect(decodeTopLevel('constructor')).toBe('constructor')
    const row = decodeObject('{"note": "constructor", "tag": "toString", "loss": "NaN"}')
    expect(row.get('note')).toBe('constructor')
    expect(row.get('tag')).toBe('toString')
    expect(row.get('loss')).toBeNaN()
  })
})

describe('int and text columns', () => {
  test('int: exact number when safe, bigint beyond, null for null and non-integers', () => {
    expect(int(5n)).toBe(5)
    expect(int(9007199254740993n)).toBe(9007199254740993n)
    expect(int(7)).toBe(7)
    expect(int('12')).toBe(12)
    expect(int('1.5')).toBeNull()
    expect(int('x')).toBeNull()
    expect(int(null)).toBeNull()
    expect(int(undefined)).toBeNull()
  })

  test('text: strings as they are, blobs decoded as UTF-8, numbers spelled, null stays null', () => {
    expect(text('run ✓')).toBe('run ✓')
    expect(text(bytes('ünï'))).toBe('ünï')
    expect(text(42)).toBe('42')
    expect(text(null)).toBeNull()
    expect(text(undefined)).toBeNull()
  })
})
