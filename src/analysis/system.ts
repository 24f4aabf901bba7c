/**
 * System metrics near their limits, by Trackio's GPU metric names (trackio/gpu.py):
 *  - `…/memory_usage` (fraction used; a percent when above 1.5): peak >= 90% → `memory_near_full`;
 *  - `…/allocated_memory` against `…/total_memory` of the same prefix: peak >= 90% → `memory_near_full`;
 *  - `…/utilization` (percent; not `memory_utilization`, which is bandwidth): mean < 30 → `underused`,
 *    mean >= 95 → `saturated`;
 *  - `…/temp`, `gpu/max_temp` (°C): peak >= 85 → `hot`;
 *  - `…/power_percent`: peak >= 95 → `at_power_limit`;
 *  - `…/throttle_*`: any non-zero sample → `throttled`.
 */

export type SystemFinding = {
  metric: string
  status: 'memory_near_full' | 'underused' | 'saturated' | 'hot' | 'at_power_limit' | 'throttled' | 'ok'
  mean: number | null
  max: number | null
  last: number | null
  note: string
}

const LIMIT_MEMORY = 0.9
const LOW_UTIL = 30
const HIGH_UTIL = 95
const HOT = 85
const POWER = 95

interface Stats {
  mean: number | null
  max: number | null
  last: number | null
  nonzero: number
}

function statsOf(ys: number[]): Stats {
  const f = ys.filter(Number.isFinite)
  if (f.length === 0) return { mean: null, max: null, last: null, nonzero: 0 }
  return { mean: f.reduce((a, b) => a + b, 0) / f.length, max: Math.max(...f), last: f[f.length - 1]!, nonzero: f.filter((y) => y !== 0).length }
}

const pct = (x: number) => `${Math.round(x * 10) / 10}%`

/** Findings for the system series of one run (key → values in time order). Only recognised metrics are reported. */
export function systemFindings(series: Map<string, number[]>): SystemFinding[] {
  const out: SystemFinding[] = []
  const add = (metric: string, s: Stats, status: SystemFinding['status'], note: string) => out.push({ metric, status, mean: s.mean, max: s.max, last: s.last, note })
  for (const [key, ys] of [...series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const s = statsOf(ys)
    if (s.max === null) continue
    const leaf = key.split('/').pop()!
    if (leaf === 'memory_usage') {
      const frac = s.max > 1.5 ? s.max / 100 : s.max
      add(key, s, frac >= LIMIT_MEMORY ? 'memory_near_full' : 'ok', `peak memory use ${pct(frac * 100)}`)
    } else if (leaf === 'allocated_memory') {
      const total = statsOf(series.get(key.replace(/allocated_memory$/, 'total_memory')) ?? []).max
      if (total && total > 0) {
        const frac = s.max / total
        add(key, s, frac >= LIMIT_MEMORY ? 'memory_near_full' : 'ok', `peak ${s.max.toFixed(2)} of ${total.toFixed(2)} GiB (${pct(frac * 100)})`)
      }
    } else if (leaf === 'utilization' || leaf === 'mean_utilization') {
      const status = s.mean! < LOW_UTIL ? 'underused' : s.mean! >= HIGH_UTIL ? 'saturated' : 'ok'
      add(key, s, status, `mean utilisation ${pct(s.mean!)}`)
    } else if (leaf === 'temp' || leaf === 'max_temp') {
      add(key, s, s.max >= HOT ? 'hot' : 'ok', `peak ${s.max} °C`)
    } else if (leaf === 'power_percent') {
      add(key, s, s.max >= POWER ? 'at_power_limit' : 'ok', `peak power ${pct(s.max)} of the limit`)
    } else if (leaf.startsWith('throttle_')) {
      add(key, s, s.nonzero > 0 ? 'throttled' : 'ok', `${s.nonzero} of ${ys.length} samples throttled`)
    }
  }
  return out
}
