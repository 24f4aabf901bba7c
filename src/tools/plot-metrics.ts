import { z } from 'zod'
import { downsampleIndices, nonFinite } from '../analysis/downsample'
import { withFloats } from '../analysis/numbers'
import { plotPng, type PlotSeries } from '../analysis/plot'
import { pickRuns, requireProject } from '../analysis/runs'
import { byStep, readSeries, stepRange } from '../analysis/series'
import { BadRequestError } from '../errors'
import { defineTool, projectArg } from './core/define'

/** Points drawn per series: far more than 800 pixels need, and extrema-preserving, so a spike stays visible. */
const DRAWN_POINTS = 1600
const MAX_PLOTTED_SERIES = 24

/** Exponential moving average as Trackio's dashboard applies it (weight 0 = raw; NaN/Inf are left out and kept as gaps). */
export function ema(values: ArrayLike<number>, weight: number): number[] {
  const out: number[] = []
  let last: number | null = null
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) {
      out.push(v)
      continue
    }
    last = last === null ? v : last * weight + (1 - weight) * v
    out.push(last)
  }
  return out
}

/** The dashboard view of the same curves (relative to the server's address). */
export function dashboardPath(project: string, runs: string[], metrics: string[], o: { minStep: number | null; maxStep: number | null; logY: boolean; smoothing: number }): string {
  const q = new URLSearchParams({ project })
  if (runs.length) q.set('runs', runs.join(','))
  q.set('metrics', metrics.join(','))
  if (o.minStep !== null) q.set('min_step', String(o.minStep))
  if (o.maxStep !== null) q.set('max_step', String(o.maxStep))
  if (o.logY) q.set('log_y', '1')
  if (o.smoothing > 0) q.set('smoothing', String(o.smoothing))
  return `/?${q.toString()}`
}

export default defineTool({
  name: 'plot_metrics',
  description:
    'Draw the curves of one or more metrics for one or more runs as a PNG chart (800x400, axes, legend, title) and return it as an image. ' +
    'Use it to show a user the training curves, or to look at their shape yourself after list_runs / get_metric_history. ' +
    'Long runs are drawn from an extrema-preserving downsample, so spikes stay visible. Cost: one image (~30-60 KB) plus a short text.',
  notes:
    'Over HTTP the answer is `{mime_type, image_base64, width, height, dashboard_path, series}`; over MCP an image content item plus text. ' +
    'Several metrics go on one chart (they share the y axis: prefer one metric per call when scales differ). `smoothing` is the EMA weight (0..0.99). ' +
    '`dashboard_path` opens the same view on this server\'s dashboard. Non-numeric values are left out; NaN/Inf are gaps and are counted.',
  input: z.object({
    project: projectArg,
    runs: z.array(z.string()).max(MAX_PLOTTED_SERIES).default([]).describe('Run names (each the latest run of that name).'),
    metrics: z.array(z.string()).min(1).max(8).describe('Metric names, e.g. ["loss"].'),
    run_ids: z.array(z.string()).max(MAX_PLOTTED_SERIES).default([]).describe('Run ids, for runs that share a name.'),
    min_step: z.int().nullable().default(null).describe('Only steps >= min_step.'),
    max_step: z.int().nullable().default(null).describe('Only steps <= max_step.'),
    log_y: z.boolean().default(false).describe('Logarithmic y axis (values <= 0 are not drawn).'),
    smoothing: z.number().min(0).max(0.99).default(0).describe('EMA smoothing weight, 0 (raw) to 0.99.'),
    width: z.int().min(320).max(2000).default(800).describe('Image width in pixels.'),
    height: z.int().min(200).max(1200).default(400).describe('Image height in pixels.'),
  }),
  output: z.object({
    mime_type: z.literal('image/png'),
    image_base64: z.string(),
    width: z.int(),
    height: z.int(),
    dashboard_path: z.string(),
    series: z.array(z.object({ run: z.string(), run_id: z.string().nullable(), metric: z.string(), total_points: z.int(), drawn_points: z.int(), nan_count: z.int(), inf_count: z.int(), last: z.number().nullable() })),
  }),
  result: 'image',
  access: 'read',
  readsRunList: true,
  example: { project: 'mnist-classifier', runs: ['baseline', 'high-lr'], metrics: ['loss'] },
  handler: async (a, ctx) => {
    if (a.runs.length + a.run_ids.length === 0) throw new BadRequestError("Invalid value for 'runs': name at least one run (or give run_ids)")
    const p = requireProject(ctx.storage, a.project)
    const palette = ctx.settings.colorPalette
    const { lines, summary, names } = p.read(() => {
      const runs = pickRuns(p, a.runs, a.run_ids)
      if (runs.length * a.metrics.length > MAX_PLOTTED_SERIES)
        throw new BadRequestError(`Too many curves: ${runs.length} runs x ${a.metrics.length} metrics is over ${MAX_PLOTTED_SERIES}; plot fewer at a time`)
      const lines: PlotSeries[] = []
      const summary = []
      for (const run of runs)
        for (const metric of a.metrics) {
          const s = byStep(readSeries(p, run.filter, metric, stepRange(a.min_step, a.max_step)))
          const ys = a.smoothing > 0 ? ema(s.values, a.smoothing) : s.values
          const keep = downsampleIndices('minmax', s.steps, ys, DRAWN_POINTS)
          const label = a.metrics.length > 1 ? `${run.name}: ${metric}` : run.name
          lines.push({ label, color: palette[lines.length % palette.length]!, xs: keep.map((i) => s.steps[i]!), ys: keep.map((i) => ys[i]!) })
          const last = [...s.values].reverse().find((v) => Number.isFinite(v))
          summary.push({ run: run.name, run_id: run.id, metric, total_points: s.values.length, drawn_points: keep.length, ...counts(s.steps, s.values), last: last ?? null })
        }
      return { lines, summary, names: runs.map((r) => r.name) }
    })
    const title = `${a.project}: ${a.metrics.join(', ')}${a.smoothing > 0 ? ` (EMA ${a.smoothing})` : ''}`
    const png = await plotPng(lines, { title, xLabel: 'step', yLabel: a.metrics.length === 1 ? a.metrics[0] : undefined, logY: a.log_y, width: a.width, height: a.height })
    return withFloats({
      mime_type: 'image/png',
      image_base64: Buffer.from(png).toString('base64'),
      width: a.width,
      height: a.height,
      dashboard_path: dashboardPath(a.project, names, a.metrics, { minStep: a.min_step, maxStep: a.max_step, logY: a.log_y, smoothing: a.smoothing }),
      series: summary,
    })
  },
})

function counts(steps: ArrayLike<number>, values: ArrayLike<number>): { nan_count: number; inf_count: number } {
  const nf = nonFinite(steps, values)
  return { nan_count: nf.nan_count, inf_count: nf.inf_count }
}
