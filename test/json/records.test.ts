import { expect, test } from 'bun:test'
import { stringify, toPlain } from '../../src/json/serialize'
import { JsonFloat, JsonRecords } from '../../src/json/values'

const records = () =>
  new JsonRecords(
    ['step', 'value'],
    [
      [0, 1, 2, 3],
      [null, new JsonFloat('1e-7'), null, 'NaN-free string'],
    ],
    [undefined, ['100.0', undefined, '18446744073709551615', undefined]],
  )

test('records serialise like an array of objects, lexemes written as stored', () => {
  expect(stringify(records())).toBe(
    '[{"step":0,"value":100.0},{"step":1,"value":1e-07},{"step":2,"value":18446744073709551615},{"step":3,"value":"NaN-free string"}]',
  )
  expect(stringify(records(), { style: 'pydantic' })).toContain('"value":1e-7')
})

test('a slice keeps its lexemes; toArray and toPlain turn lexemes into model values', () => {
  const s = records().slice(1, 3)
  expect(stringify(s)).toBe('[{"step":1,"value":1e-07},{"step":2,"value":18446744073709551615}]')
  const rows = records().toArray()
  expect(rows[0]!.value).toBeInstanceOf(JsonFloat)
  expect((rows[0]!.value as JsonFloat).text).toBe('100.0')
  expect(rows[2]!.value).toBe(18446744073709551615n)
  expect(JSON.stringify(toPlain(records()))).toBe(
    '[{"step":0,"value":100.0},{"step":1,"value":1e-7},{"step":2,"value":18446744073709551615},{"step":3,"value":"NaN-free string"}]',
  )
})
