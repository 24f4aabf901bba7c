import { describe, expect, test } from 'bun:test'
import { JsonFloat, JsonRecords, type Json } from '../../../src/json/values'
import { BudgetError, compactText, fitBudget } from '../../../src/transports/mcp/budget'

/** A 200,000-point series (the long run's size) with one spike and one NaN, as get_metric_values answers it. */
function longSeries(): JsonRecords {
  const n = 200_000
  const ts: Json[] = []
  const steps: Json[] = []
  const values: Json[] = []
  for (let i = 0; i < n; i++) {
    ts.push(`2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000+00:00`)
    steps.push(i)
    values.push(i === 123_457 ? new JsonFloat('NaN') : i === 77_777 ? 50 : 2 * Math.exp(-i / 50_000) + 0.001 * Math.sin(i))
  }
  return new JsonRecords(['timestamp', 'step', 'value'], [ts, steps, values])
}

describe('fitBudget', () => {
  test('a 200,000-point series comes back within 20,000 tokens with its spike and its NaN, and says so', () => {
    const fit = fitBudget(longSeries(), 20_000)
    const rec = fit.value as JsonRecords
    expect(rec.length).toBeLessThan(200_000)
    expect(rec.length).toBeGreaterThan(400)
    const size = fit.text.length + JSON.stringify(rec.toArray()).length
    expect(size / 4).toBeLessThanOrEqual(20_000)
    const steps = rec.columns[1]!
    expect(steps).toContain(0)
    expect(steps).toContain(199_999)
    expect(steps).toContain(77_777)
    expect(steps).toContain(123_457)
    expect(fit.note).toStartWith(`200,000 rows, ${rec.length.toLocaleString('en')} returned: downsampled to fit the answer budget of 20,000 tokens (extrema-preserving minmax`)
  })

  test('small answers are untouched; a smaller budget means fewer rows', () => {
    const small = new JsonRecords(['timestamp', 'step', 'value'], [['t'], [1], [0.5]])
    expect(fitBudget(small, 20_000)).toEqual({ value: small, text: 'timestamp\tstep\tvalue\nt\t1\t0.5', note: null })
    const a = fitBudget(longSeries(), 20_000).value as JsonRecords
    const b = fitBudget(longSeries(), 5_000).value as JsonRecords
    expect(b.length).toBeLessThan(a.length)
  })

  test('series objects (get_metric_history) are thinned per series; other big objects are refused with advice', () => {
    const series = new Map<string, Json>([
      ['project', 'p'],
      ['series', [new Map<string, Json>([['run', 'r'], ['steps', Array.from({ length: 50_000 }, (_, i) => i)], ['values', Array.from({ length: 50_000 }, (_, i) => (i === 4242 ? 99 : 1 / (i + 1)))], ['timestamps', Array.from({ length: 50_000 }, () => 't')], ['returned_points', 50_000], ['method', 'none']])]],
    ])
    const fit = fitBudget(series, 20_000)
    const s = ((fit.value as Map<string, Json>).get('series') as Map<string, Json>[])[0]!
    expect((s.get('steps') as number[]).length).toBe(s.get('returned_points') as number)
    expect(s.get('method')).toBe('minmax')
    expect(s.get('steps')).toContain(4242)
    expect(fit.note).toContain('Series downsampled')
    const blob = new Map<string, Json>([['config', 'x'.repeat(200_000)]])
    expect(() => fitBudget(blob, 20_000)).toThrow(BudgetError)
  })
})

test('a whole-run snapshot (metric → records) is thinned per metric and keeps each spike', () => {
  const snap = new Map<string, Json>([['loss', longSeries() as unknown as Json], ['acc', longSeries() as unknown as Json]])
  const fit = fitBudget(snap, 20_000)
  const loss = (fit.value as Map<string, unknown>).get('loss') as JsonRecords
  expect(loss.length).toBeLessThan(5000)
  expect(loss.columns[1]).toContain(77_777)
  expect(fit.note).toStartWith("Each metric's points downsampled")
})

describe('compactText', () => {
  test('rows as a table with the union of keys; strings one per line; objects compact', () => {
    const rows = [new Map<string, Json>([['step', 1], ['loss', new JsonFloat('NaN')]]), new Map<string, Json>([['step', 2], ['acc', 0.5]])]
    expect(compactText(rows)).toBe('step\tloss\tacc\n1\tNaN\t\n2\t\t0.5')
    expect(compactText(['a', 'b'])).toBe('a\nb')
    expect(compactText(new Map<string, Json>([['a', 1e-7]]))).toBe('{"a":1e-7}')
  })
})
