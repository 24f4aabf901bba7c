import { z } from 'zod'
import { cachedAnswer } from '../storage/read/answer-cache'
import { logRow, metricRows, sampledMetricRows, type MetricRow } from '../storage/read/metrics'
import { resolveRun } from '../storage/read/runs'
import { MAX_LOG_POINTS, isScalarValue } from '../storage/read/subsample'
import { defineTool, looseObject, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'
import { downsampleRows, MAX_POINTS_NOTE, maxPointsArg } from './core/max-points'

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off', ''])

/** Trackio's scalar_only: a boolean, null, or one of the strings it recognises (compat §5). */
const scalarOnlyArg = z
  .union([z.boolean(), z.string()], { error: 'scalar_only must be a boolean' })
  .nullable()
  .default(false)
  .transform((v, ctx) => {
    if (v === null) return false
    if (typeof v === 'boolean') return v
    const s = v.trim().toLowerCase()
    if (TRUE.has(s)) return true
    if (FALSE.has(s)) return false
    ctx.addIssue({ code: 'custom', message: 'scalar_only must be a boolean' })
    return z.NEVER
  })
  .describe('Keep only numeric values (and histograms) in each row.')

/** max_points: every row when they fit, else (scalar rows only, in scalar mode) downsampled keeping extremes. */
function extremaRows(rows: MetricRow[], scalarOnly: boolean, maxPoints: number): MetricRow[] {
  if (rows.length <= maxPoints) return rows
  const kept = scalarOnly ? rows.filter((r) => [...r.metrics.values()].some(isScalarValue)) : rows
  return downsampleRows(kept, (r) => r.metrics, maxPoints)
}

export default defineTool({
  name: 'get_logs',
  description: 'Fetch Trackio metric logs for a run.',
  notes: `Rows in (timestamp, id) order with \`timestamp\` and \`step\` added; at most ${MAX_LOG_POINTS} rows (subsampled as Trackio does).` + MAX_POINTS_NOTE + ' It replaces the 3000-row stride subsampling.',
  input: z.object({ project: projectArg, run: runArg, run_id: runIdArg, scalar_only: scalarOnlyArg, max_points: maxPointsArg }),
  output: z.array(looseObject),
  result: 'list',
  access: 'read',
  readsRunList: (a) => a.run_id === null,
  answerScope: 'project',
  mcpOmit: ['max_points'],
  example: { project: 'mnist-classifier', run: 'baseline', scalar_only: true },
  handler: ({ project, run, run_id, scalar_only, max_points }, ctx) =>
    readProject(ctx, project, [], (p) => {
      const f = resolveRun(p, 'metrics', run, run_id)
      if (!f) return []
      const shape = (rows: MetricRow[]) => rows.map((r) => logRow(r, scalar_only))
      if (max_points !== null) return shape(extremaRows(metricRows(p, f, { kind: 'all' }, 'timestamp, id', !scalar_only), scalar_only, max_points))
      return cachedAnswer(p, `logs:${scalar_only}:${f.column}:${f.value}`, () => shape(sampledMetricRows(p, f, MAX_LOG_POINTS, scalar_only)))
    }),
})
