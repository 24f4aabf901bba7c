import { z } from 'zod'
import { withFloats } from '../analysis/numbers'
import { DOWNSAMPLE_METHODS, downsampleIndices, MIN_POINTS, nonFinite } from '../analysis/downsample'
import { pickRuns, requireProject } from '../analysis/runs'
import { byStep, prepareSeries, readSeries, stepRange, timesOf } from '../analysis/series'
import { BadRequestError } from '../errors'
import { defineTool, projectArg } from './core/define'

/** Most series (runs x metrics) one call may ask for. */
export const MAX_SERIES = 100
export const MAX_HISTORY_POINTS = 100_000
/** Most points one answer may hold over all its series (about 50 MB of JSON). */
export const MAX_TOTAL_POINTS = 1_000_000

export const seriesOutput = z.object({
  run: z.string(),
  run_id: z.string().nullable(),
  metric: z.string(),
  total_points: z.int().describe('Numeric points of the metric in the step range.'),
  returned_points: z.int(),
  method: z.enum(DOWNSAMPLE_METHODS).describe('`none` when every point is returned.'),
  steps: z.array(z.number()),
  values: z.array(z.number().nullable()).describe('NaN and ±Infinity are null (see nan_count / inf_count).'),
  timestamps: z.array(z.string()),
  nan_count: z.int(),
  inf_count: z.int(),
  first_nonfinite_step: z.number().nullable(),
})

const stepBound = (what: string) => z.int().nullable().default(null).describe(what)

export default defineTool({
  name: 'get_metric_history',
  description:
    'Curves of several metrics for several runs in one call, downsampled to at most max_points per series (default 500). ' +
    'The default `minmax` method keeps each bucket\'s min and max plus the first and last points, so spikes and dips survive; NaN/Inf are counted and their first step reported, never hidden. ' +
    'Use it to look at or compare curves; use list_runs for final numbers and diagnose_run for spikes/trends. Cost: about 20 bytes per returned point.',
  notes:
    '`runs` are names (the latest-created run of each name) and `run_ids` ids; both may be given. `min_step`/`max_step` are inclusive and also work as an incremental cursor: ' +
    'ask for `min_step` = the last step you hold + 1 to get only newer points. `x: "time"` orders and downsamples by timestamp instead of step. ' +
    '`downsample: "lttb"` keeps visually representative points (smoother, may drop a one-point spike); `"none"` returns every point (can be large). ' +
    `One answer holds at most ${MAX_TOTAL_POINTS.toLocaleString('en')} points in all (a 400 says so). ` +
    'Non-numeric values (media, histograms, strings) are left out. An unknown project or run is a 404 naming the closest names.',
  input: z.object({
    project: projectArg,
    runs: z.array(z.string()).max(50).default([]).describe('Run names; each means the latest-created run of that name.'),
    metrics: z.array(z.string()).min(1).max(50).describe('Metric names, e.g. ["loss", "acc"].'),
    run_ids: z.array(z.string()).max(50).default([]).describe('Run ids (for runs that share a name).'),
    min_step: stepBound('Only points with step >= min_step.'),
    max_step: stepBound('Only points with step <= max_step.'),
    max_points: z.int().min(MIN_POINTS).max(MAX_HISTORY_POINTS).default(500).describe(`Most points per series (${MIN_POINTS}..${MAX_HISTORY_POINTS}).`),
    downsample: z.enum(DOWNSAMPLE_METHODS).default('minmax').describe('minmax (extrema-preserving), lttb, or none.'),
    x: z.enum(['step', 'time']).default('step').describe('Order and downsample by step or by timestamp.'),
    timestamps: z.boolean().default(true).describe('false: `timestamps` comes back empty (a chart by step needs none; they are most of the bytes).'),
  }),
  output: z.object({ project: z.string(), series: z.array(seriesOutput) }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  example: { project: 'mnist-classifier', runs: ['baseline', 'high-lr'], metrics: ['loss'], max_points: 200 },
  handler: async (a, ctx) => {
    if (a.runs.length + a.run_ids.length === 0) throw new BadRequestError("Invalid value for 'runs': name at least one run (or give run_ids)")
    if (a.min_step !== null && a.max_step !== null && a.min_step > a.max_step)
      throw new BadRequestError(`Invalid value for 'min_step': ${a.min_step} is above max_step ${a.max_step}`)
    const p = requireProject(ctx.storage, a.project)
    const runs = p.read(() => pickRuns(p, a.runs, a.run_ids))
    const metrics = [...new Set(a.metrics)]
    if (runs.length * metrics.length > MAX_SERIES)
      throw new BadRequestError(`Too many series: ${runs.length} runs x ${metrics.length} metrics is over ${MAX_SERIES}; ask in several calls`)
    const range = stepRange(a.min_step, a.max_step)
    const series = []
    let total = 0
    // One series at a time: a long one not cached yet is read ahead on the scan workers (other requests
    // go on meanwhile), then answered from the series cache at once, before the next is read (several
    // long series need not fit in the cache together).
    for (const run of runs)
      for (const metric of metrics) {
        await prepareSeries(p, run.filter, metric)
        series.push(
          p.read(() => {
            let s = readSeries(p, run.filter, metric, range)
            if (a.x === 'step') s = byStep(s)
            const xs = a.x === 'time' ? timesOf(s) : s.steps
            const nf = nonFinite(s.steps, s.values)
            const keep = downsampleIndices(a.downsample, xs, s.values, a.max_points)
            const sampled = keep.length < s.values.length
            total += keep.length
            if (total > MAX_TOTAL_POINTS)
              throw new BadRequestError(
                `Too many points: the answer would hold more than ${MAX_TOTAL_POINTS.toLocaleString('en')} points; lower 'max_points', use downsample "minmax", or ask for fewer runs or metrics`,
              )
            return {
              run: run.name,
              run_id: run.id,
              metric,
              total_points: s.values.length,
              returned_points: keep.length,
              method: sampled ? a.downsample : 'none',
              steps: keep.map((i) => s.steps[i]!),
              values: keep.map((i) => (Number.isFinite(s.values[i]!) ? s.values[i]! : null)),
              timestamps: a.timestamps ? keep.map((i) => s.stampAt(i)) : [],
              ...nf,
            }
          }),
        )
      }
    return withFloats({ project: a.project, series })
  },
})
