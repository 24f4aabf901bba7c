import { describe, expect, test } from 'bun:test'
import { formatIsoTimestamp, isoNow, parseInstant } from '../../../src/storage/db/timestamps'
import { python3 } from '../../helpers'

const PY_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/

/** Python's own isoformat for each epoch-microsecond value, in one interpreter run. */
function pythonIso(values: bigint[]): string[] {
  const code = `import datetime,sys
e=datetime.datetime.fromtimestamp(0, datetime.timezone.utc)
for a in sys.argv[1:]: print((e+datetime.timedelta(microseconds=int(a))).isoformat())`
  const r = Bun.spawnSync([python3(), '-c', code, ...values.map(String)])
  return r.stdout.toString().trim().split('\n')
}

describe('formatIsoTimestamp', () => {
  test('matches Python isoformat, fraction dropped only when zero', () => {
    expect(formatIsoTimestamp(0)).toBe('1970-01-01T00:00:00+00:00')
    const values = [1_795_000_000_000_000n, 1_795_000_000_000_001n, 1_795_000_000_123_000n, 1_795_000_000_999_999n, -1n, -1_500_000n, 253_402_300_799_999_999n]
    const expected = pythonIso(values)
    expect(expected).toHaveLength(values.length)
    values.forEach((us, i) => expect(formatIsoTimestamp(us)).toBe(expected[i]!))
    expect(formatIsoTimestamp(1_795_000_000_000_010)).toBe(expected[0]!.replace('+00:00', '.000010+00:00'))
  })

  test('isoNow has the Trackio shape and is near now', () => {
    const s = isoNow()
    expect(s).toMatch(PY_ISO)
    expect(Math.abs(parseInstant(s)! / 1000 - Date.now())).toBeLessThan(5000)
  })
})

describe('parseInstant', () => {
  const base = Date.UTC(2026, 10, 25, 4, 40, 25) * 1000
  test('accepts the spellings Trackio and users write', () => {
    expect(parseInstant('2026-11-25T04:40:25.491354+00:00')).toBe(base + 491354)
    expect(parseInstant('2026-11-25T04:40:25+00:00')).toBe(base)
    expect(parseInstant('2026-11-25 04:40:25')).toBe(base)
    expect(parseInstant('2026-11-25T04:40:25Z')).toBe(base)
    expect(parseInstant('2026-11-25T04:40:25.5Z')).toBe(base + 500000)
    expect(parseInstant('2026-11-25T04:40:25.1234567891Z')).toBe(base + 123456)
    expect(parseInstant('2026-11-25T06:40:25+02:00')).toBe(base)
    expect(parseInstant('2026-11-25T02:10:25-0230')).toBe(base)
    expect(parseInstant('2026-11-25T04:40')).toBe(base - 25_000_000)
    expect(parseInstant('2026-11-25')).toBe(Date.UTC(2026, 10, 25) * 1000)
    expect(parseInstant('0050-03-01')).toBe(new Date('0050-03-01T00:00:00Z').getTime() * 1000)
  })

  test('agrees with Python on timestamps it writes', () => {
    const code = `import datetime
for s in ['2026-11-25T04:40:25.491354+00:00','2024-02-29T23:59:59.000001+05:30','1999-12-31T00:00:00-08:00']:
    d=datetime.datetime.fromisoformat(s)
    print((d-datetime.datetime(1970,1,1,tzinfo=datetime.timezone.utc))//datetime.timedelta(microseconds=1))`
    const out = Bun.spawnSync([python3(), '-c', code]).stdout.toString().trim().split('\n').map(Number)
    expect(parseInstant('2026-11-25T04:40:25.491354+00:00')).toBe(out[0]!)
    expect(parseInstant('2024-02-29T23:59:59.000001+05:30')).toBe(out[1]!)
    expect(parseInstant('1999-12-31T00:00:00-08:00')).toBe(out[2]!)
  })

  test('rejects garbage and impossible dates', () => {
    for (const s of ['', 'yesterday', '2026-13-01', '2026-02-30', '2025-02-29', '2026-11-25T24:00:00', '2026-11-25T04:60', '2026-11-25Z', '2026/11/25', '2026-11-25T04:40:25+25:00', '12345'])
      expect(parseInstant(s)).toBeNull()
    expect(parseInstant('2024-02-29')).not.toBeNull()
  })
})
