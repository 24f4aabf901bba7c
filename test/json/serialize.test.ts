import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { parseJson } from '../../src/json/parse'
import { floatLexeme, formatFloat, stringify, stringifyNumber, toPlain } from '../../src/json/serialize'
import { JsonFloat } from '../../src/json/values'
import { FIXTURES, python3 } from '../helpers'

// pydantic_core is optional: without it the comparison is skipped (and says so); the examples below still pin the style.
const HAS_PYDANTIC = Bun.spawnSync([python3(), '-c', 'import pydantic_core'], { stdout: 'ignore', stderr: 'ignore' }).exitCode === 0
if (!HAS_PYDANTIC) console.warn("skipped: 'pydantic' float style compared with pydantic_core (python3 cannot import pydantic_core)")

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

function python(script: string, input: string): string {
  const r = Bun.spawnSync([python3(), '-c', script], { stdin: new TextEncoder().encode(input), stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(r.stderr.toString())
  return r.stdout.toString()
}

/** Deterministic xorshift so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
}

/** A spread of finite doubles: special values, boundaries, random bit patterns, random decimals. */
function sampleDoubles(): number[] {
  const out = [
    0.1, 0.5, 1, 100, 1e-4, 9.999999999999999e-5, 1.0000000000000001e-4, 1e-5, 9.99e-6, 1e-7, 1e15, 9999999999999998,
    1e16, 1.0000000000000002e16, 1e21, 1e22, 1.5e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
    0.30000000000000004, 123456789.123, 1234567890123456.7, 12345678901234567, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1 / 3, Math.PI,
  ]
  for (const x of [...out]) out.push(-x)
  const r = rng(12345)
  const view = new DataView(new ArrayBuffer(8))
  while (out.length < 1500) {
    view.setUint32(0, r())
    view.setUint32(4, r())
    const x = view.getFloat64(0)
    if (Number.isFinite(x)) out.push(x)
  }
  for (let i = 0; i < 1000; i++) {
    const exp = (r() % 44) - 22
    out.push(Number(((r() % 1000000) / 997).toPrecision((r() % 17) + 1)) * 10 ** exp)
  }
  return out
}

const hexOf = (x: number) => {
  const v = new DataView(new ArrayBuffer(8))
  v.setFloat64(0, x)
  return [...new Uint8Array(v.buffer)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

describe('formatFloat', () => {
  const xs = sampleDoubles()
  const hex = xs.map(hexOf).join('\n')

  test("'python' style equals Python's repr for 2500 doubles", () => {
    const reprs = python(`import sys, struct\nfor h in sys.stdin.read().split():\n    print(repr(struct.unpack('>d', bytes.fromhex(h))[0]))`, hex).trim().split('\n')
    expect(reprs).toHaveLength(xs.length)
    const mismatches = xs.map((x, i) => [x, formatFloat(x, 'python'), reprs[i]]).filter(([, a, b]) => a !== b)
    expect(mismatches).toEqual([])
  })

  test.skipIf(!HAS_PYDANTIC)("'pydantic' style equals pydantic_core.to_json for the same doubles", () => {
    const reprs = python(
      `import sys, struct, json\nfrom pydantic_core import to_json\nxs = [struct.unpack('>d', bytes.fromhex(h))[0] for h in sys.stdin.read().split()]\nfor x in xs:\n    print(to_json(x).decode())`,
      hex,
    )
      .trim()
      .split('\n')
    const mismatches = xs.map((x, i) => [x, formatFloat(x, 'pydantic'), reprs[i]]).filter(([, a, b]) => a !== b)
    expect(mismatches).toEqual([])
  })

  test('spec examples', () => {
    const py = (x: number) => formatFloat(x, 'python')
    const pd = (x: number) => formatFloat(x, 'pydantic')
    expect([1e-7, 1e-5, 1e-4, 1e16, 1e20, 1.5e300, 5e-324, 100, -0, 0, 1e15].map(py)).toEqual([
      '1e-07', '1e-05', '0.0001', '1e+16', '1e+20', '1.5e+300', '5e-324', '100.0', '-0.0', '0.0', '1000000000000000.0',
    ])
    expect([1e-7, 1e-5, 1e-4, 1e16, 100, 1.5e300, -0].map(pd)).toEqual(['1e-7', '0.00001', '0.0001', '1e+16', '100.0', '1.5e+300', '-0.0'])
    expect(formatFloat(9.999999999999999e-5, 'python')).toBe('9.999999999999999e-05')
    expect(formatFloat(9999999999999998, 'python')).toBe('9999999999999998.0')
  })
})

describe('floatLexeme / stringifyNumber', () => {
  test('re-spells stored lexemes', () => {
    expect(floatLexeme('1e-7', 'python')).toBe('1e-07')
    expect(floatLexeme('0.00001', 'python')).toBe('1e-05')
    expect(floatLexeme('1E+16', 'python')).toBe('1e+16')
    expect(floatLexeme('1.0', 'pydantic')).toBe('1.0')
    expect(floatLexeme('1e400', 'python')).toBe('null')
    expect(floatLexeme('1e400', 'python', true)).toBe('Infinity')
    expect(floatLexeme('-1e400', 'pydantic', true)).toBe('-Infinity')
  })

  test('numbers the server computes: integral → int, non-finite → null or tokens', () => {
    expect(stringifyNumber(3)).toBe('3')
    expect(stringifyNumber(-0)).toBe('-0.0')
    expect(stringifyNumber(1.5)).toBe('1.5')
    expect(stringifyNumber(1e21)).toBe('1000000000000000000000')
    expect(stringifyNumber(-1e22)).toBe('-10000000000000000000000')
    expect(stringifyNumber(NaN)).toBe('null')
    expect(stringifyNumber(NaN, 'python', true)).toBe('NaN')
    expect(stringifyNumber(-Infinity, 'python', true)).toBe('-Infinity')
  })
})

describe('stringify', () => {
  test('Map key order is kept, integer-like keys included', () => {
    const m = new Map<string, any>([['b', 1], ['10', 2], ['2', 3], ['a', new JsonFloat('1.0')]])
    expect(stringify(m)).toBe('{"b":1,"10":2,"2":3,"a":1.0}')
  })

  test('bigints, floats, NaN, nested structures, undefined members', () => {
    const v = { a: 18446744073709551615n, b: -9223372036854775808n, c: new JsonFloat('1e-7'), d: NaN, e: [Infinity, null, true, 'x'], f: undefined, g: {} , h: [] }
    expect(stringify(v)).toBe('{"a":18446744073709551615,"b":-9223372036854775808,"c":1e-07,"d":null,"e":[null,null,true,"x"],"g":{},"h":[]}')
    expect(stringify(v, { style: 'pydantic', nanTokens: true })).toBe('{"a":18446744073709551615,"b":-9223372036854775808,"c":1e-7,"d":NaN,"e":[Infinity,null,true,"x"],"g":{},"h":[]}')
  })

  test('indent output matches Python json.dumps(indent=2, ensure_ascii=False)', () => {
    const text = '{"a":[1,2.5,{"b":null}],"c":{},"d":[],"é":"ü"}'
    const expected = python('import sys, json\nprint(json.dumps(json.loads(sys.stdin.read()), indent=2, ensure_ascii=False), end="")', text)
    expect(stringify(parseJson(text), { indent: 2 })).toBe(expected)
  })

  test('strings: non-ASCII raw, control characters escaped like Python (ensure_ascii=False)', () => {
    let s = ''
    for (let c = 0; c < 0x80; c++) s += String.fromCharCode(c)
    s += '\u2028\u2029ünïcødé🚀日本'
    const expected = python('import sys, json\nprint(json.dumps(json.loads(sys.stdin.read()), ensure_ascii=False), end="")', JSON.stringify([s]))
    expect(stringify([s])).toBe(expected)
  })

  test('lossless round trip of every stored JSON value in the fixtures equals Python json.dumps', () => {
    const script = `
import sqlite3, json, sys, glob, os, shutil, tempfile
src = sys.argv[1]
tmp = tempfile.mkdtemp()
out = []
for f in sorted(glob.glob(os.path.join(src, 'basic', '*.db')) + glob.glob(os.path.join(src, 'edge', '*.db'))):
    dst = os.path.join(tmp, str(len(out)) + '.db')
    shutil.copy(f, dst)
    for side in ('-wal', '-shm'):
        if os.path.exists(f + side): shutil.copy(f + side, dst + side)
    con = sqlite3.connect(dst)
    for table, col in (('metrics', 'metrics'), ('configs', 'config'), ('system_metrics', 'metrics')):
        try:
            rows = con.execute(f'SELECT {col} FROM {table}').fetchall()
        except sqlite3.OperationalError:
            continue
        for (b,) in rows:
            t = b.decode() if isinstance(b, bytes) else b
            out.append([t, json.dumps(json.loads(t), separators=(',', ':'), ensure_ascii=False)])
    con.close()
shutil.rmtree(tmp)
print(json.dumps(out))`
    const r = Bun.spawnSync([python3(), '-c', script, FIXTURES], { stdout: 'pipe', stderr: 'pipe' })
    expect(r.exitCode).toBe(0)
    const pairs = JSON.parse(r.stdout.toString()) as [string, string][]
    expect(pairs.length).toBeGreaterThan(700)
    const bad = pairs.filter(([stored, py]) => stringify(parseJson(stored)) !== py)
    expect(bad).toEqual([])
    // and a pydantic-style round trip re-parses to the same text
    for (const [stored] of pairs.slice(0, 200)) {
      const once = stringify(parseJson(stored), { style: 'pydantic' })
      expect(stringify(parseJson(once), { style: 'pydantic' })).toBe(once)
    }
  })
})

describe('toPlain', () => {
  test('keeps float spelling and big integers through JSON.stringify', () => {
    const v = parseJson('{"a":1.0,"b":18446744073709551615,"c":[1e-7,"NaN",2],"d":{"x":-0.0}}')
    expect(JSON.stringify(toPlain(v))).toBe('{"a":1.0,"b":18446744073709551615,"c":[1e-7,"NaN",2],"d":{"x":-0.0}}')
    expect(JSON.stringify(toPlain(v, 'python'))).toBe('{"a":1.0,"b":18446744073709551615,"c":[1e-07,"NaN",2],"d":{"x":-0.0}}')
    expect(JSON.stringify(toPlain([NaN, 1.5, 3, new JsonFloat('1e999')]))).toBe('[null,1.5,3,null]')
  })
})
