import { describe, expect, test } from 'bun:test'
import { parseJson } from '../../src/json/parse'
import { readEntry, type EntryKind } from '../../src/ingest/entry'
import { planWrites } from '../../src/ingest/write'

const e = (kind: EntryKind, text: string) => readEntry(kind, parseJson(text, { allowNonFinite: false }), '')
const NOW = '2026-01-01T00:00:00.000000+00:00'

describe('planWrites', () => {
  test('one op per (kind, run, run_id), metrics then system then alerts, one write per project database', () => {
    const plan = planWrites('/data', [
      e('alert', '{"project":"p","run":"a","title":"t","level":"info"}'),
      e('metric', '{"project":"p","run":"a","metrics":{"x":1}}'),
      e('metric', '{"project":"q","run":"a","metrics":{"x":2}}'),
      e('metric', '{"project":"p","run":"b","metrics":{"x":3}}'),
      e('metric', '{"project":"p","run":"a","metrics":{"x":4},"config":{"lr":1}}'),
      e('system', '{"project":"p","run":"a","metrics":{"gpu":1},"timestamp":"2025-01-01T00:00:00+00:00"}'),
    ], { now: NOW })
    expect(plan.map((w) => w.project)).toEqual(['p', 'q'])
    expect(plan[0]!.ops.map((o) => [o.kind, o.runName])).toEqual([['metrics', 'a'], ['metrics', 'b'], ['system', 'a'], ['alerts', 'a']])
    const first = plan[0]!.ops[0]!
    expect(first.kind === 'metrics' && first.entries.length).toBe(2)
    expect(first.kind === 'metrics' && first.config).toEqual(new Map([['lr', 1]]))
    const alerts = plan[0]!.ops[3]!
    expect(alerts.kind === 'alerts' && alerts.alerts[0]!.timestamp).toBe(NOW)
    const sys = plan[0]!.ops[2]!
    expect(sys.kind === 'system' && sys.entries[0]!.timestamp).toBe('2025-01-01T00:00:00+00:00')
  })

  test("'all-or-none': a group keeps its own timestamps only when every entry has one", () => {
    const t = '2025-01-01T00:00:00+00:00'
    const plan = planWrites('/data', [
      e('system', `{"project":"p","run":"a","metrics":{},"timestamp":"${t}"}`),
      e('system', '{"project":"p","run":"a","metrics":{}}'),
      e('system', `{"project":"p","run":"b","metrics":{},"timestamp":"${t}"}`),
    ], { timestamps: 'all-or-none', now: NOW })
    const [a, b] = plan[0]!.ops
    expect(a!.kind === 'system' && a!.entries.map((x) => x.timestamp)).toEqual([NOW, NOW])
    expect(b!.kind === 'system' && b!.entries.map((x) => x.timestamp)).toEqual([t])
  })
})
