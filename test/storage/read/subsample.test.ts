import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { parseJson } from '../../../src/json/parse'
import type { JsonObject } from '../../../src/json/values'
import { allocate, isScalarValue, MAX_LOG_POINTS, strideSample, subsampleIndices } from '../../../src/storage/read/subsample'
import { PY_ALLOCATE } from './subsample-oracle'
import { python3 } from '../../helpers'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

function rng(seed: number) {
  let s = seed >>> 0 || 1
  return (n: number) => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s % n
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const row = (text: string) => parseJson(text) as JsonObject

/** Python (compat §5 step 4, float quotas) allocation for many cases in one process. */
function pythonAllocate(cases: [number[], number][]): number[][] {
  const script = `
import json, sys
${PY_ALLOCATE}
print(json.dumps([allocate(s, m) for s, m in json.loads(sys.stdin.read())]))`
  const r = Bun.spawnSync([python3(), '-c', script], { stdin: new TextEncoder().encode(JSON.stringify(cases)), stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(r.stderr.toString())
  return JSON.parse(r.stdout.toString())
}

describe('strideSample', () => {
  test('examples', () => {
    const g = range(10)
    expect(strideSample(g, 0)).toEqual([])
    expect(strideSample(g, -1)).toEqual([])
    expect(strideSample(g, 1)).toEqual([9])
    expect(strideSample(g, 2)).toEqual([0, 9])
    expect(strideSample(g, 4)).toEqual([0, 4, 8, 9])
    expect(strideSample(g, 6)).toEqual([0, 2, 4, 6, 8, 9])
    expect(strideSample(g, 10)).toEqual(g)
    expect(strideSample(g, 50)).toEqual(g)
    expect(strideSample([7, 11, 13], 2)).toEqual([7, 13])
    expect(strideSample(range(5000), 1500).length).toBe(1251) // stride 4: 0,4,…,4996 and 4999
  })

  test('properties: ≤ budget, first and last kept, ascending, power-of-two stride', () => {
    const r = rng(7)
    for (let t = 0; t < 500; t++) {
      const n = 1 + r(3000)
      const b = 1 + r(n + 5)
      const out = strideSample(range(n), b)
      expect(out.length).toBeLessThanOrEqual(b)
      expect(out.at(-1)).toBe(n - 1)
      if (b >= 2) expect(out[0]).toBe(0)
      for (let i = 1; i < out.length; i++) expect(out[i]!).toBeGreaterThan(out[i - 1]!)
      if (out.length > 2 && n > b) {
        const s = out[1]! - out[0]!
        expect(s & (s - 1)).toBe(0)
        for (let i = 1; i < out.length - 1; i++) expect(out[i]! - out[i - 1]!).toBe(s)
      }
    }
  })

  test('stable as rows are appended: a row dropped once never comes back', () => {
    const b = 37
    let prev = strideSample(range(1), b)
    for (let n = 2; n <= 4000; n++) {
      const cur = strideSample(range(n), b)
      const prevSet = new Set(prev)
      // every kept row of the longer run that already existed before (and was not the old last row) was kept before
      for (const i of cur) if (i < n - 2) expect(prevSet.has(i)).toBe(true)
      prev = cur
    }
  })
})

describe('allocate', () => {
  test('examples', () => {
    expect(allocate([2500, 2500], 3000)).toEqual([1500, 1500])
    expect(allocate([1000, 3000], 3000)).toEqual([1000, 2000])
    expect(allocate([10, 10, 10], 3000)).toEqual([10, 10, 10])
    expect(allocate([1, 1, 1, 1], 3)).toEqual([1, 1, 1, 0]) // leftover units go to the lowest indices on ties
  })

  test('properties on random group sizes: budget_i ≤ size_i, Σ ≤ max, every group kept when #groups ≤ max', () => {
    const r = rng(99)
    for (let t = 0; t < 400; t++) {
      const k = 1 + r(12)
      const sizes = range(k).map(() => 1 + r(r(2) ? 50 : 5000))
      const max = 1 + r(4000)
      const b = allocate(sizes, max)
      expect(b).toHaveLength(k)
      b.forEach((x, i) => {
        expect(x).toBeGreaterThanOrEqual(0)
        expect(x).toBeLessThanOrEqual(sizes[i]!)
      })
      const sum = b.reduce((a, c) => a + c, 0)
      expect(sum).toBeLessThanOrEqual(max)
      if (k <= max) for (const x of b) expect(x).toBeGreaterThanOrEqual(1)
    }
  })

  test('identical to a Python port of compat §5 on 600 random cases', () => {
    const r = rng(2024)
    const cases: [number[], number][] = []
    for (let t = 0; t < 600; t++) {
      const k = 1 + r(9)
      cases.push([range(k).map(() => 1 + r(r(3) === 0 ? 20 : 4000)), 1 + r(3500)])
    }
    const py = pythonAllocate(cases)
    cases.forEach(([sizes, max], i) => expect(allocate(sizes, max)).toEqual(py[i]!))
  })
})

describe('subsampleIndices', () => {
  test('≤ max rows (or null / < 1 max) → every row, order kept', () => {
    const rows = range(10).map((i) => row(`{"a":${i}}`))
    expect(subsampleIndices(rows, 10, false)).toEqual(range(10))
    expect(subsampleIndices(rows, null, false)).toEqual(range(10))
    expect(subsampleIndices(rows, 0, false)).toEqual(range(10))
    expect(subsampleIndices([], 5, false)).toEqual([])
  })

  test('groups by key set regardless of key order, keeps each group\'s last row', () => {
    const rows = range(100).map((i) => (i % 3 === 0 ? row(`{"a":1,"b":2}`) : i % 3 === 1 ? row(`{"b":1,"a":2}`) : row(`{"c":${i}}`)))
    const kept = subsampleIndices(rows, 10, false)
    expect(kept.length).toBeLessThanOrEqual(10)
    expect(kept).toContain(99) // last of the {a,b} group (0,1,3,4,…)
    expect(kept).toContain(98) // last of the {c} group
    expect(kept).toContain(0)
    expect(kept).toContain(2)
    expect(kept).toEqual([...kept].sort((a, b) => a - b))
  })

  test('keys containing separators do not merge groups', () => {
    const rows: JsonObject[] = []
    for (let i = 0; i < 40; i++) rows.push(i % 2 ? row('{"a,b":1}') : row('{"a":1,"b":1}'))
    const kept = subsampleIndices(rows, 4, false)
    expect(kept).toContain(38)
    expect(kept).toContain(39)
  })

  test('scalar mode: signature of numeric keys only; rows without scalars dropped only above max', () => {
    const rows: JsonObject[] = []
    for (let i = 0; i < 30; i++) rows.push(i % 5 === 0 ? row('{"s":"x","b":true,"n":"NaN"}') : row(`{"x":${i}.5,"s":"y","h":{"_type":"trackio.histogram","bins":[],"values":[]}}`))
    expect(subsampleIndices(rows, 30, true)).toEqual(range(30))
    const kept = subsampleIndices(rows, 29, true)
    expect(kept.filter((i) => i % 5 === 0)).toEqual([])
    expect(kept).toHaveLength(24)
    const fewer = subsampleIndices(rows, 5, true)
    expect(fewer.length).toBeLessThanOrEqual(5)
    expect(fewer.at(-1)).toBe(29)
  })

  test('isScalarValue', () => {
    const m = row('{"i":1,"f":1.5,"big":18446744073709551615,"b":true,"s":"1","n":null,"nan":"NaN","h":{"_type":"trackio.histogram"},"img":{"_type":"trackio.image"},"l":[1]}')
    expect([...m.entries()].filter(([, v]) => isScalarValue(v)).map(([k]) => k)).toEqual(['i', 'f', 'big', 'h'])
    expect(isScalarValue(NaN)).toBe(true)
  })

  test('random rows: ≤ max, every group represented when #groups ≤ max, last row of each group kept, stable under appends', () => {
    const r = rng(5)
    const keysets = ['{"a":1}', '{"a":1,"b":2}', '{"c":3}', '{"d":4.0}', '{"e":"x"}']
    for (let t = 0; t < 20; t++) {
      const n = 200 + r(3000)
      const rows = range(n).map(() => row(keysets[r(r(4) === 0 ? 5 : 2)]!))
      const max = 5 + r(500)
      const kept = subsampleIndices(rows, max, false)
      expect(kept.length).toBeLessThanOrEqual(max)
      const lastOf = new Map<string, number>()
      rows.forEach((m, i) => lastOf.set([...m.keys()].join(), i))
      for (const i of lastOf.values()) expect(kept).toContain(i)
    }
  })

  test('MAX_LOG_POINTS is 3000', () => {
    expect(MAX_LOG_POINTS).toBe(3000)
  })
})
