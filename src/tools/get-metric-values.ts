import { z } from 'zod'
import { metricValues } from '../storage/read/metrics'
import { resolveRun } from '../storage/read/runs'
import { defineTool, intArg, looseObject, projectArg, runIdArg, windowArg } from './core/define'
import { readProject } from './core/read-project'
import { FILTER_NOTES, rowFilter } from './core/row-filter'
import { downsampleRecords, MAX_POINTS_NOTE, maxPointsArg } from './core/max-points'

const point = z.object({ timestamp: z.string(), step: z.int(), value: z.unknown() })

export default defineTool({
  name: 'get_metric_values',
  description: 'Fetch metric values for a run, optionally around a step or time.',
  notes:
    FILTER_NOTES +
    ' With `at_time` alone, the nearest timestamp among the rows holding this metric. Values are returned in timestamp order, not subsampled.' +
    MAX_POINTS_NOTE,
  input: z.object({
    project: projectArg,
    run: z.string().nullable().describe('Run name (required, may be null when run_id is given).'),
    metric_name: z.string().describe('Metric key, e.g. `loss` or `train/loss`.'),
    step: intArg('Only the row logged at exactly this step.').nullable().default(null),
    around_step: intArg('Centre step; needs `window`.').nullable().default(null),
    at_time: z
      .string()
      .nullable()
      .default(null)
      .describe('ISO 8601 instant: with `window`, rows within that many seconds; alone, the rows at the nearest logged timestamp.'),
    window: windowArg('Steps (with around_step) or seconds (with at_time) either side.').nullable().default(null),
    run_id: runIdArg,
    max_points: maxPointsArg,
  }),
  output: z.array(point.or(looseObject)).describe('`{timestamp, step, value}` for each row holding the metric.'),
  result: 'list',
  access: 'read',
  readsRunList: (a) => a.run_id === null,
  answerScope: 'project',
  mcpOmit: ['max_points'],
  example: { project: 'mnist-classifier', run: 'baseline', metric_name: 'loss', around_step: 100, window: 5 },
  handler: (a, ctx) => {
    const filter = rowFilter(a)
    return readProject(ctx, a.project, [], (p) => {
      const f = resolveRun(p, 'metrics', a.run, a.run_id)
      return f ? downsampleRecords(metricValues(p, f, a.metric_name, filter), a.max_points) : []
    })
  },
})
