/**
 * Metric series for the charts, all from get_metric_history: an extrema-preserving (minmax) downsampled view
 * of the whole run, a finer one of a zoomed step range, and for live updates only the steps after the last
 * one each series holds.
 */
import { call, prefetch, type HistorySeries } from './api'

export interface Run {
  id: string | null
  name: string
  created_at: string | null
  /** Stable key: the id, or the name for legacy runs without one. */
  key: string
}

export interface Series {
  steps: number[]
  /** null for NaN/Infinity (as the API writes them) and for rows without the metric. */
  values: (number | null)[]
  /** Seconds since the epoch; empty when the series was read for a chart by step (no timestamps asked). */
  times: number[]
  /** Points stored on the server for this range, when it said (downsampled views return fewer). */
  total?: number
}

/** metric → run key → series */
export type SeriesTable = Map<string, Map<string, Series>>

export const OVERVIEW_POINTS = 500
/** Points one chart holds over all its runs: many overlaid runs get fewer points each (never under 200). */
const CHART_POINTS = 6000

/** Points per series for a chart of `runs` runs: 500, or fewer when many runs share the chart. */
export function pointsPerSeries(runs: number): number {
  return Math.max(200, Math.min(OVERVIEW_POINTS, Math.floor(CHART_POINTS / Math.max(1, runs))))
}
/** Most points per series one live read returns (a burst larger than this arrives downsampled). */
const LIVE_POINTS = 5000

const parseTime = (t: unknown): number => (typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t.endsWith('Z') || /[+-]\d\d:\d\d$/.test(t) ? t : t + 'Z') / 1000 : NaN)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

function put(table: SeriesTable, metric: string, run: string, s: Series): void {
  let m = table.get(metric)
  if (!m) table.set(metric, (m = new Map()))
  m.set(run, s)
}

function fromHistory(runs: Run[], answer: { series: HistorySeries[] }): SeriesTable {
  const table: SeriesTable = new Map()
  for (const s of answer.series) {
    const run = runs.find((r) => (s.run_id !== null && r.id === s.run_id) || (r.id === null && r.name === s.run)) ?? runs.find((r) => r.name === s.run)
    if (!run) continue
    put(table, s.metric, run.key, { steps: s.steps, values: s.values.map(num), times: s.timestamps.map(parseTime), total: s.total_points })
  }
  return table
}

/** get_metric_history answers at most this many series (runs × metrics) per call. */
const MAX_SERIES_PER_CALL = 100
const MAX_NAMES_PER_CALL = 50

/** Runs by id (names only for legacy runs without one), so runs sharing a name stay apart. */
const runSelector = (runs: Run[]) => ({
  run_ids: runs.filter((r) => r.id !== null).map((r) => r.id!),
  runs: [...new Set(runs.filter((r) => r.id === null).map((r) => r.name))],
})

/**
 * The get_metric_history arguments covering these runs and metrics within its per-call limits; progressive
 * reads ask one metric per call, in the order given, so the first charts can draw early.
 */
function historyArgs(project: string, runs: Run[], metrics: string[], extra: Record<string, unknown>, progressive: boolean): Record<string, unknown>[] {
  const perMetricCall = progressive ? 1 : Math.min(metrics.length, MAX_NAMES_PER_CALL, MAX_SERIES_PER_CALL)
  const perRunCall = Math.max(1, Math.min(MAX_NAMES_PER_CALL, Math.floor(MAX_SERIES_PER_CALL / perMetricCall)))
  const out: Record<string, unknown>[] = []
  for (let m = 0; m < metrics.length; m += perMetricCall)
    for (let r = 0; r < runs.length; r += perRunCall)
      out.push({ project, ...runSelector(runs.slice(r, r + perRunCall)), metrics: metrics.slice(m, m + perMetricCall), ...extra })
  return out
}

/** get_metric_history over any number of runs and metrics, split into calls within its per-call limits. */
async function history(project: string, runs: Run[], metrics: string[], extra: Record<string, unknown>, onPart?: (part: SeriesTable) => void): Promise<SeriesTable> {
  const calls = historyArgs(project, runs, metrics, extra, !!onPart).map((args) =>
    call<{ series: HistorySeries[] }>('get_metric_history', args).then((answer) => {
      const part: SeriesTable = new Map()
      for (const [metric, byRun] of fromHistory(runs, answer)) for (const [k, v] of byRun) if (v.steps.length) put(part, metric, k, v)
      onPart?.(part)
      return part
    }),
  )
  const table: SeriesTable = new Map()
  for (const part of await Promise.all(calls)) for (const [metric, byRun] of part) for (const [k, v] of byRun) put(table, metric, k, v)
  return table
}

const overviewExtra = (runs: Run[], times: boolean) => ({ max_points: pointsPerSeries(runs.length), downsample: 'minmax', timestamps: times })

/** Ask now for what a progressive loadOverview with the same arguments will read (the first charts sooner). */
export function prefetchOverview(project: string, runs: Run[], metrics: string[], times: boolean): void {
  if (!runs.length) return
  for (const args of historyArgs(project, runs, metrics, overviewExtra(runs, times), true)) prefetch('get_metric_history', args)
}

/**
 * The overview of every metric of these runs (whole step range). With `onPart`, metrics are read one per
 * call in the given order and each part is handed over as it arrives.
 */
export async function loadOverview(project: string, runs: Run[], metrics: string[], times: boolean, onPart?: (part: SeriesTable) => void): Promise<SeriesTable> {
  if (!runs.length || !metrics.length) return new Map()
  return history(project, runs, metrics, overviewExtra(runs, times), onPart)
}

/** A finer view of the step range [min, max]: the server downsamples only the points inside it. */
export async function loadRange(project: string, runs: Run[], metrics: string[], min: number, max: number): Promise<SeriesTable> {
  if (!runs.length || !metrics.length) return new Map()
  return history(project, runs, metrics, { min_step: Math.floor(min), max_step: Math.ceil(max), max_points: pointsPerSeries(runs.length), downsample: 'minmax', timestamps: false })
}

/** Points after `after` (a step) for each run: the live increment. */
export async function loadSince(project: string, runs: { run: Run; after: number }[], metrics: string[], times: boolean): Promise<SeriesTable> {
  const table: SeriesTable = new Map()
  if (!runs.length || !metrics.length) return table
  await Promise.all(runs.map(async ({ run, after }) => {
    const t = await history(project, [run], metrics, { min_step: after + 1, max_points: LIVE_POINTS, downsample: 'minmax', timestamps: times })
    for (const [m, byRun] of t) for (const [k, s] of byRun) put(table, m, k, s)
  }))
  return table
}

/** Append `extra` (later steps) to `base` in place. */
export function appendSeries(base: Series, extra: Series): void {
  const last = base.steps.length ? base.steps[base.steps.length - 1]! : -Infinity
  for (let i = 0; i < extra.steps.length; i++) {
    if (extra.steps[i]! <= last) continue
    base.steps.push(extra.steps[i]!)
    base.values.push(extra.values[i]!)
    if (extra.times.length) base.times.push(extra.times[i]!)
  }
  if (base.total !== undefined && extra.total !== undefined) base.total += extra.total
}

/** Trackio's smoothing: an exponential moving average with debiasing, NaN/null points passed through. */
export function ema(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values
  const out: (number | null)[] = new Array(values.length)
  let last = 0
  let n = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) {
      out[i] = null
      continue
    }
    last = last * weight + (1 - weight) * v
    n++
    out[i] = last / (1 - Math.pow(weight, n))
  }
  return out
}
