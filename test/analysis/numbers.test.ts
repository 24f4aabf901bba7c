import { expect, test } from 'bun:test'
import { withFloats } from '../../src/analysis/numbers'
import { stringify } from '../../src/json/serialize'
import { JsonFloat } from '../../src/json/values'

test('integral numbers beyond 2^53 become floats; safe ones, Maps and stored floats stay', () => {
  const stored = new Map([['big', 1e300 as number]])
  const v = withFloats({ a: 1.5e300, b: [2, 1e20, null], c: { d: 3.25 }, e: stored, f: new JsonFloat('1.0') })
  expect(stringify(v, {})).toBe('{"a":1.5e+300,"b":[2,1e+20,null],"c":{"d":3.25},"e":{"big":' + stringify(1e300, {}) + '},"f":1.0}')
})
