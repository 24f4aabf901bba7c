import { z } from 'zod'
import type { Json } from '../json/values'
import { snapshotRecords } from '../storage/read/metrics'
import { resolveRun } from '../storage/read/runs'
import { defineTool, intArg, projectArg, runArg, runIdArg, windowArg } from './core/define'
import { readProject } from './core/read-project'
import { FILTER_NOTES, rowFilter } from './core/row-filter'
import { downsamplePoints, MAX_POINTS_NOTE, maxPointsArg } from './core/max-points'

export default defineTool({
  name: 'get_snapshot',
  description: 'Fetch a single Trackio snapshot around a step or timestamp.',
  notes: FILTER_NOTES + ' Note the positional order: run_id is the third parameter.' + MAX_POINTS_NOTE + ' (per metric key)',
  input: z.object({
    project: projectArg,
    run: runArg,
    run_id: runIdArg,
    step: intArg('Only the row logged at exactly this step.').nullable().default(null),
    around_step: intArg('Centre step; needs `window`.').nullable().default(null),
    at_time: z
      .string()
      .nullable()
      .default(null)
      .describe('ISO 8601 instant: with `window`, rows within that many seconds; alone, the rows at the nearest logged timestamp.'),
    window: windowArg('Steps (with around_step) or seconds (with at_time) either side.').nullable().default(null),
    max_points: maxPointsArg,
  }),
  output: z
    .record(z.string(), z.array(z.object({ timestamp: z.string(), step: z.int(), value: z.unknown() })))
    .describe('Every metric key → its `{timestamp, step, value}` points in the selected rows.'),
  result: 'object',
  access: 'read',
  readsRunList: (a) => a.run_id === null,
  answerScope: 'project',
  mcpOmit: ['max_points'],
  example: { project: 'mnist-classifier', run: 'baseline', around_step: 100, window: 2 },
  handler: (a, ctx) => {
    const filter = rowFilter(a)
    return readProject(ctx, a.project, new Map(), (p) => {
      const f = resolveRun(p, 'metrics', a.run, a.run_id)
      if (!f) return new Map()
      const out = snapshotRecords(p, f, filter)
      if (a.max_points === null) return out
      // Downsampled: a few points per key, plain records are fine.
      const sampled = new Map<string, Json>()
      for (const [k, records] of out) sampled.set(k, downsamplePoints(records.toArray(), a.max_points))
      return sampled
    })
  },
})
