import { JsonFloat, type Json } from '../json/values'
import type { ProjectDb } from '../storage/db/connection'
import { parseInstant } from '../storage/db/timestamps'
import { metricValues, runKeys, runStats, type RowFilter } from '../storage/read/metrics'
import { keysAhead, seriesAhead } from '../storage/read/read-ahead'
import { chartKeys, nestedPoints } from '../storage/read/nested'
import type { RunFilter } from '../storage/read/runs'
import { cachedSeries, SERIES_CACHE_MIN_ROWS, seriesPositions, type Series } from '../storage/read/series-cache'

/**
 * One metric of one run as numbers, for analysis. `values` keeps NaN and ±Infinity as stored
 * (never dropped); rows whose value is not a number (strings, histograms, media, bools) are
 * left out and counted in `skipped`. Steps beyond 2^53 become the nearest double.
 */
export interface NumericSeries {
  /** Plain arrays, or a cached series' own columns (never to be changed). */
  steps: number[] | Float64Array
  values: number[] | Float64Array
  timestamps: string[]
  /** The i-th timestamp (for a cached series, without spelling them all). */
  stampAt(i: number): string
  /** Rows holding the metric with a non-numeric value. */
  skipped: number
}

/** A stored value as a number, or undefined when it is not a number (bools excluded, as in Python). */
export function numberOf(v: Json | undefined): number | undefined {
  if (typeof v === 'number') return v
  if (v instanceof JsonFloat) return v.value
  if (typeof v === 'bigint') return Number(v)
  return undefined
}

const LOWEST = -(2n ** 63n)
const HIGHEST = 2n ** 63n - 1n

/** Rows with min_step <= step <= max_step (either bound may be absent). */
export function stepRange(minStep: number | null | undefined, maxStep: number | null | undefined): RowFilter {
  if ((minStep ?? null) === null && (maxStep ?? null) === null) return { kind: 'all' }
  return { kind: 'steps', lo: minStep ?? LOWEST, hi: maxStep ?? HIGHEST }
}

/**
 * Read a long run's series of `metric` ahead on the scan workers, letting other requests through, so
 * that the readSeries that follows finds it cached (see read-ahead). Nothing for short runs; a nested
 * leaf (`a/b` that is no top-level key) is read by readSeries itself.
 */
export async function prepareSeries(p: ProjectDb, f: RunFilter, metric: string): Promise<void> {
  if (metric.includes('/')) {
    await keysAhead(p, f)
    if (!p.read(() => runKeys(p, 'metrics', f, []).includes(metric))) return
  }
  await seriesAhead(p, f, metric)
}

/**
 * Read one metric of a run (timestamp order, as get_metric_values) as a NumericSeries: long runs
 * from the series cache's typed columns, the rest through get_metric_values' SQL path. A name with `/`
 * that is no top-level key of the run but a leaf of a nested dict (`val/loss` in `{"val": {"loss": …}}`)
 * reads that leaf.
 */
export function readSeries(p: ProjectDb, f: RunFilter, metric: string, rows: RowFilter = { kind: 'all' }): NumericSeries {
  if (metric.includes('/') && !runKeys(p, 'metrics', f, []).includes(metric)) {
    const keys = chartKeys(p, f).nested.get(metric)
    if (keys) return withStampAt(nestedPoints(p, f, keys, rows))
  }
  const long = () => {
    const st = runStats(p, f)
    return st.safeSteps && st.count >= SERIES_CACHE_MIN_ROWS
  }
  const cached = rows.kind === 'none' ? null : cachedSeries(p, f, metric, long)
  if (cached) return fromCache(cached, seriesPositions(cached, rows))
  const rec = metricValues(p, f, metric, rows)
  const n = rec.length
  const out = { steps: [] as number[], values: [] as number[], timestamps: [] as string[], skipped: 0 }
  const [tsCol, stepCol, valueCol] = rec.columns as [Json[], Json[], Json[]]
  const lexemes = rec.lexemes[2]
  for (let i = 0; i < n; i++) {
    const lexeme = lexemes?.[i]
    const v = lexeme !== undefined ? Number(lexeme) : numberOf(valueCol[i])
    if (v === undefined) {
      out.skipped++
      continue
    }
    out.steps.push(Number(stepCol[i]))
    out.values.push(v)
    out.timestamps.push(tsCol[i] as string)
  }
  return withStampAt(out)
}

function withStampAt(out: Omit<NumericSeries, 'stampAt'>): NumericSeries {
  return { ...out, stampAt: (i) => out.timestamps[i]! }
}

/**
 * `timestamps` spelled only when read (`stampAt` spells one): most callers (a chart by step,
 * statistics, 500 points of a history) never need them all, and a 2,000,000-point series would spend
 * most of its time building them.
 */
function withLazyStamps(out: Omit<NumericSeries, 'timestamps' | 'stampAt'>, stampAt: (i: number) => string): NumericSeries {
  let stamps: string[] | null = null
  return Object.defineProperty({ ...out, stampAt }, 'timestamps', {
    get: () => (stamps ??= Array.from({ length: out.steps.length }, (_, i) => stampAt(i))),
    enumerable: true,
  }) as NumericSeries
}

const numeric = new WeakMap<Series, boolean>()

/** Whether every value of a cached series is a number (its `values` column then holds each one). */
function allNumbers(s: Series): boolean {
  let all = numeric.get(s)
  if (all === undefined) {
    all = true
    for (const [i, v] of s.extra) if (s.kinds[i] === 3 && !Object.is(numberOf(v as Json), s.values[i])) all = false
    numeric.set(s, all)
  }
  return all
}

function fromCache(s: Series, positions: Int32Array | null): NumericSeries {
  const n = positions ? positions.length : s.length
  // The whole series and every value a number: its own columns, shared (they never change).
  if (!positions && allNumbers(s))
    return withLazyStamps({ steps: s.steps, values: s.values, skipped: 0 }, (i) => s.stamps.at(s.stampIndex[i]!))
  const steps: number[] = []
  const values: number[] = []
  const kept = new Int32Array(n)
  let skipped = 0
  for (let j = 0; j < n; j++) {
    const i = positions ? positions[j]! : j
    // Kinds 0-2 are numbers spelled as stored; kind 3 holds the decoded value (NaN, strings, objects…).
    const v = s.kinds[i] === 3 ? numberOf(s.extra.get(i) as Json) : s.values[i]!
    if (v === undefined) {
      skipped++
      continue
    }
    kept[steps.length] = i
    steps.push(s.steps[i]!)
    values.push(v)
  }
  return withLazyStamps({ steps, values, skipped }, (k) => s.stamps.at(s.stampIndex[kept[k]!]!))
}

/** The series reordered by step (stable: rows of one step keep their timestamp order). */
export function byStep(s: NumericSeries): NumericSeries {
  let sorted = true
  for (let i = 1; i < s.steps.length; i++)
    if (s.steps[i]! < s.steps[i - 1]!) {
      sorted = false
      break
    }
  if (sorted) return s
  const order = Array.from({ length: s.steps.length }, (_, i) => i).sort((a, b) => s.steps[a]! - s.steps[b]! || a - b)
  return withLazyStamps({ steps: order.map((i) => s.steps[i]!), values: order.map((i) => s.values[i]!), skipped: s.skipped }, (k) => s.stampAt(order[k]!))
}

/** Timestamps as epoch milliseconds (NaN when unparseable), for time-based x axes. */
export function timesOf(s: NumericSeries): number[] {
  const cache = new Map<string, number>()
  return s.timestamps.map((t) => {
    let ms = cache.get(t)
    if (ms === undefined) {
      const us = parseInstant(t)
      ms = us === null ? NaN : us / 1000
      if (cache.size < 4096) cache.set(t, ms)
    }
    return ms
  })
}
