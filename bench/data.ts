import { JsonFloat, type Json } from '../src/json/values'
import { cosineLr, iso, systemMetrics, totals, uuidHex, type DemoOptions, type DemoRunSummary, type Rand, type Summary } from '../src/cli/demo'
import { prng } from '../src/cli/prng'
import { appendMetrics, appendSystemMetrics, type MetricEntry, type SystemEntry } from '../src/storage/write/append'

/** The benchmark data directory, written through the server's own write path (bench only: not in the binary). */

const BENCH_METRICS = ['loss', 'acc', 'lr', 'grad_norm', 'throughput'] as const

/** Plain float metric values: non-integral numbers are floats in our value model. */
function benchRow(step: number, steps: number, rand: Rand, lr: number): Map<string, Json> {
  const p = step / steps
  const loss = 2.5 * Math.exp(-4 * p) + 0.1 + 0.02 * (rand() - 0.5)
  const v = [loss, 1 - loss / 2.7, cosineLr(lr, p), 1 + 4 * Math.exp(-3 * p) * rand(), 2000 + 200 * rand()]
  const m = new Map<string, Json>()
  for (let i = 0; i < 5; i++) {
    const x = v[i]!
    m.set(BENCH_METRICS[i]!, Number.isInteger(x) ? new JsonFloat(`${x}.0`) : x)
  }
  return m
}

async function benchRun(dir: string, name: string, steps: number, flushEvery: number, start: number, lr: number, rand: Rand, group: string | null): Promise<DemoRunSummary> {
  const id = uuidHex(rand)
  const config = { lr, batch_size: 256, _Username: null, _Created: iso(start - 500), _Group: group }
  const summary: DemoRunSummary = { name, id, steps, metricRows: 0, systemRows: 0, alerts: 0 }
  for (let from = 0; from < steps; from += flushEvery) {
    const entries: MetricEntry[] = []
    for (let s = from; s < Math.min(steps, from + flushEvery); s++) entries.push({ metrics: benchRow(s, steps, rand, lr), step: s, logId: uuidHex(rand) })
    const res = await appendMetrics(dir, 'perf', name, id, entries, from === 0 ? config : null, iso(start + (from + flushEvery) * 20 + rand() * 50))
    summary.metricRows += res.inserted
  }
  return summary
}

/**
 * The benchmark directory (project `perf`): `long-run` with 200,000 steps × 5 metrics and 5,000
 * system rows, and `sweep-00`…`sweep-19` with 2,000 steps each.
 */
export async function writeBenchData(dir: string, opts: DemoOptions = {}): Promise<Summary> {
  const rand = prng(opts.seed ?? 7)
  const now = opts.now ?? Date.now()
  const start = Math.floor(now / 1000) * 1000 - 3 * 86_400_000
  const long = await benchRun(dir, 'long-run', 200_000, 20_000, start, 0.001, rand, null)
  const system: SystemEntry[] = []
  for (let i = 0; i < 5000; i++) system.push({ metrics: systemMetrics(true, i / 5000, rand), timestamp: iso(start + i * 800 + rand() * 100), logId: uuidHex(rand) })
  long.systemRows = (await appendSystemMetrics(dir, 'perf', 'long-run', long.id, system)).inserted
  const runs = [long]
  for (let i = 0; i < 20; i++) {
    const name = `sweep-${String(i).padStart(2, '0')}`
    runs.push(await benchRun(dir, name, 2000, 500, start + 4_100_000 + i * 60_000, 0.0001 * (1 + i), rand, 'sweep'))
  }
  const summary = totals(dir, [{ project: 'perf', runs }])
  if (summary.metricRows !== 240_000 || summary.systemRows !== 5000) throw new Error(`bench data incomplete: ${summary.metricRows} metric rows, ${summary.systemRows} system rows`)
  return summary
}
