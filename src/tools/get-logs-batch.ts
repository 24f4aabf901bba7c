import { z } from 'zod'
import type { JsonResult } from '../json/values'
import { logRow, sampledMetricRows } from '../storage/read/metrics'
import { resolveRun } from '../storage/read/runs'
import { boolParam, maxPointsArg, runsArg } from './core/batch-args'
import { defineTool, looseObject, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_logs_batch',
  description: 'Fetch metric logs for several runs of a project in one call (what get_logs answers, per run).',
  notes:
    'The dashboard\'s call. Answers `[{"run", "run_id", "logs": [...]}]` in request order (the run/run_id as sent); each run\'s ' +
    'rows are subsampled to `max_points` as get_logs does. Unknown runs get empty logs.',
  input: z.object({ project: projectArg, runs: runsArg, max_points: maxPointsArg, scalar_only: boolParam('scalar_only').describe('Keep only numeric values (and histograms).') }),
  output: z.array(z.object({ run: z.string().nullable(), run_id: z.string().nullable(), logs: z.array(looseObject) })),
  result: 'list',
  access: 'read',
  readsRunList: (a) => a.runs.some((r) => r.run_id === null),
  answerScope: 'project',
  httpOnly: true,
  example: { project: 'mnist-classifier', runs: [{ run: 'baseline' }], max_points: 500, scalar_only: true },
  handler: ({ project, runs, max_points, scalar_only }, ctx) => {
    const empty = runs.map((r) => ({ run: r.run, run_id: r.run_id, logs: [] }))
    return readProject(ctx, project, empty, (p) =>
      runs.map((r) => {
        const f = resolveRun(p, 'metrics', r.run, r.run_id)
        const logs = f
          ? sampledMetricRows(p, f, max_points, scalar_only).map((row) => logRow(row, scalar_only))
          : []
        return { run: r.run, run_id: r.run_id, logs }
      }),
    ) as unknown as JsonResult
  },
})
