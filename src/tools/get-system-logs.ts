import { z } from 'zod'
import { resolveRun } from '../storage/read/runs'
import { MAX_LOG_POINTS, subsampleIndices } from '../storage/read/subsample'
import { systemRows } from '../storage/read/system'
import { defineTool, looseObject, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'
import { downsampleRows, MAX_POINTS_NOTE, maxPointsArg } from './core/max-points'

export default defineTool({
  name: 'get_system_logs',
  description: 'Fetch system metric logs for a run.',
  notes: `At most ${MAX_LOG_POINTS} rows: longer runs are subsampled as Trackio does (evenly per key set, last row kept).` + MAX_POINTS_NOTE + ' It replaces the 3000-row stride subsampling.',
  input: z.object({ project: projectArg, run: runArg, run_id: runIdArg, max_points: maxPointsArg }),
  output: z.array(looseObject).describe('Each row: its system metrics plus `timestamp`.'),
  result: 'list',
  access: 'read',
  answerScope: 'project',
  mcpOmit: ['max_points'],
  example: { project: 'mnist-classifier', run: 'baseline' },
  handler: ({ project, run, run_id, max_points }, ctx) =>
    readProject(ctx, project, [], (p) => {
      const f = resolveRun(p, 'system_metrics', run, run_id)
      if (!f) return []
      const rows = systemRows(p, f)
      const kept = max_points === null ? subsampleIndices(rows.map((r) => r.metrics), MAX_LOG_POINTS, false).map((i) => rows[i]!) : downsampleRows(rows, (r) => r.metrics, max_points)
      return kept.map((r) => {
        r.metrics.set('timestamp', r.timestamp)
        return r.metrics
      })
    }),
})
