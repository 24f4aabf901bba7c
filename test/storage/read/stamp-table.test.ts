import { describe, expect, test } from 'bun:test'
import { formatIsoTimestamp, parseInstant } from '../../../src/storage/db/timestamps'
import { canonicalMicros, setTextStampsMax, StampTable } from '../../../src/storage/read/stamp-table'

/** A seeded PRNG so the data is the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
}

const spelled = (t: StampTable) => Array.from({ length: t.length }, (_, i) => t.at(i))

describe('canonicalMicros', () => {
  test('reads every spelling Trackio writes, 1970-2199, to the microsecond Trackio formatted', () => {
    const rand = prng(3)
    const end = Date.UTC(2200, 0, 1) * 1000
    for (let k = 0; k < 20_000; k++) {
      let us = Math.floor(rand() * end)
      if (k % 5 === 0) us -= us % 1_000_000 // a zero fraction: spelled without it
      const text = formatIsoTimestamp(us)
      expect(canonicalMicros(text)).toBe(us)
    }
    expect(canonicalMicros('2024-02-29T23:59:59.999999+00:00')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 999_999)
    expect(canonicalMicros('1970-01-01T00:00:00+00:00')).toBe(0)
  })

  test('anything else is null (kept as text)', () => {
    for (const odd of [
      '2026-11-25T06:00:00Z',
      '2026-11-25T06:00:01.000000+00:00',
      '2026-11-25 06:00:02+00:00',
      '2026-11-25T06:00:04.5+00:00',
      '2026-11-25T06:00:04.123456+01:00',
      '2023-02-29T00:00:00+00:00',
      '2026-13-01T00:00:00+00:00',
      '2026-11-25T24:00:00+00:00',
      '2026-11-25T23:60:00+00:00',
      '2026-11-25T23:59:60+00:00',
      '1969-12-31T23:59:59.999999+00:00',
      '2200-01-01T00:00:00+00:00',
      '2026-11-2xT06:00:00+00:00',
      '2026-11-25T06:00:00.12345a+00:00',
      '',
    ])
      expect(canonicalMicros(odd)).toBeNull()
  })
})

describe('StampTable', () => {
  const rand = prng(11)
  const texts: string[] = []
  let us = Date.UTC(2026, 10, 25) * 1000
  for (let i = 0; i < 5000; i++) {
    us += Math.floor(rand() * 3_000_000)
    texts.push(i % 97 === 0 ? '2026-11-25T06:00:00Z' : i % 89 === 0 ? formatIsoTimestamp(us - (us % 1_000_000)) + 'x' : formatIsoTimestamp(us))
  }

  test('a long table keeps microseconds: same spellings, same instants as parseInstant, 8 bytes each', () => {
    const old = setTextStampsMax(1000)
    try {
      const t = new StampTable()
      for (const s of texts) t.push(s)
      expect(t.length).toBe(texts.length)
      expect(spelled(t)).toEqual(texts)
      expect(t.last).toBe(texts.at(-1)!)
      for (let i = 0; i < texts.length; i++) expect(Object.is(t.instant(i), parseInstant(texts[i]!) ?? Number.NaN)).toBe(true)
      expect(t.trim().bytes).toBeLessThan(texts.length * 8 + 200 * 120)
      const short = new StampTable()
      for (const s of texts.slice(0, 500)) short.push(s)
      expect(short.bytes).toBeGreaterThan(500 * 100)
    } finally {
      setTextStampsMax(old)
    }
  })

  test('copy, wire form and concat leave the original unchanged and keep every spelling', () => {
    const old = setTextStampsMax(1000)
    try {
      for (const n of [300, 4000]) {
        const a = new StampTable()
        for (const s of texts.slice(0, n)) a.push(s)
        const c = a.copy()
        c.push('2999-01-01T00:00:00+00:00')
        expect(a.length).toBe(n)
        expect(spelled(a)).toEqual(texts.slice(0, n))
        expect(c.at(n)).toBe('2999-01-01T00:00:00+00:00')
        const back = StampTable.fromWire(structuredClone(a.toWire()))
        expect(spelled(back)).toEqual(texts.slice(0, n))
        expect(back.last).toBe(a.last)
        // b starts with a's last timestamp: it is kept once.
        const b = new StampTable()
        for (const s of texts.slice(n - 1)) b.push(s)
        const { table, shift } = StampTable.concat(a, b)
        expect(shift).toBe(n - 1)
        expect(spelled(table)).toEqual(texts)
        // Tables kept as microseconds from the start (the scan worker's) concatenate the same way.
        const ca = StampTable.compact()
        const cb = StampTable.compact()
        for (const s of texts.slice(0, n)) ca.push(s)
        for (const s of texts.slice(n - 1)) cb.push(s)
        const joined = StampTable.concat(ca, cb)
        expect(joined.shift).toBe(n - 1)
        expect(spelled(joined.table)).toEqual(texts)
        expect(joined.table.last).toBe(texts.at(-1)!)
        expect(ca.bytes).toBeLessThan(n * 8 + 200 * 120)
      }
    } finally {
      setTextStampsMax(old)
    }
  })
})
