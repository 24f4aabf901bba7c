import { describe, expect, test } from 'bun:test'
import { stringify } from '../../src/json/serialize'
import { intValue, isFloat, isNumeric, JsonFloat, JsonRecords } from '../../src/json/values'

describe('JsonFloat', () => {
  test('keeps its lexeme and reads as its number', () => {
    const f = new JsonFloat('1.0')
    expect(f.text).toBe('1.0')
    expect(f.value).toBe(1)
    expect(+new JsonFloat('-2.5e-3')).toBe(-0.0025)
  })
})

describe('isFloat / isNumeric / intValue', () => {
  test('isFloat: stored floats and non-integral numbers; integers, bigints and others are not', () => {
    expect(isFloat(new JsonFloat('1.0'))).toBe(true)
    expect(isFloat(0.5)).toBe(true)
    expect(isFloat(NaN)).toBe(true)
    expect(isFloat(3)).toBe(false)
    expect(isFloat(3n)).toBe(false)
    expect(isFloat('1.5')).toBe(false)
  })

  test('isNumeric: int or float, never bool or string', () => {
    for (const v of [1, 1.5, 2n ** 70n, new JsonFloat('1e3')]) expect(isNumeric(v)).toBe(true)
    for (const v of [true, false, '1', null, undefined, [1]]) expect(isNumeric(v)).toBe(false)
  })

  test('intValue: a bigint in the safe range becomes a number, outside it stays exact', () => {
    expect(intValue(9007199254740991n)).toBe(9007199254740991)
    expect(intValue(-9007199254740991n)).toBe(-9007199254740991)
    expect(intValue(9007199254740992n)).toBe(9007199254740992n)
    expect(intValue(-9007199254740992n)).toBe(-9007199254740992n)
    expect(intValue(7)).toBe(7)
  })
})

describe('JsonRecords', () => {
  const records = new JsonRecords(
    ['step', 'value'],
    [
      [0, 1, 2],
      [null, null, 0.25],
    ],
    [['0', '9007199254740993', undefined], ['1.0', '3', undefined]],
  )

  test('length, and rows read through their lexemes: floats keep their text, big ints stay exact', () => {
    expect(records.length).toBe(3)
    expect(records.at(0, 0)).toBe(0)
    expect(records.at(1, 0)).toEqual(new JsonFloat('1.0'))
    expect(records.at(0, 1)).toBe(9007199254740993n)
    expect(records.at(1, 1)).toBe(3)
    expect(records.at(0, 2)).toBe(2)
    expect(records.at(1, 2)).toBe(0.25)
  })

  test('slice keeps columns and lexemes aligned', () => {
    const s = records.slice(1, 3)
    expect(s.length).toBe(2)
    expect(s.keys).toEqual(['step', 'value'])
    expect(s.at(0, 0)).toBe(9007199254740993n)
    expect(s.at(1, 1)).toBe(0.25)
  })

  test('toArray gives plain rows; serialised like an array of objects', () => {
    expect(records.toArray()).toEqual([
      { step: 0, value: new JsonFloat('1.0') },
      { step: 9007199254740993n, value: 3 },
      { step: 2, value: 0.25 },
    ])
    expect(stringify(records, { style: 'python' })).toBe('[{"step":0,"value":1.0},{"step":9007199254740993,"value":3},{"step":2,"value":0.25}]')
    expect(new JsonRecords(['a'], [[]]).length).toBe(0)
    expect(new JsonRecords([], []).length).toBe(0)
  })
})
