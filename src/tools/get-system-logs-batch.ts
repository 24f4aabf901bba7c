import { z } from 'zod'
import type { JsonResult } from '../json/values'
import { resolveRun } from '../storage/read/runs'
import { subsampleIndices } from '../storage/read/subsample'
import { systemRows } from '../storage/read/system'
import { maxPointsArg, runsArg } from './core/batch-args'
import { defineTool, looseObject, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_system_logs_batch',
  description: 'Fetch system metric logs for several runs of a project in one call (what get_system_logs answers, per run).',
  notes: 'Answers `[{"run", "run_id", "logs": [...]}]` in request order; each run\'s rows are subsampled to `max_points`. Unknown runs get empty logs.',
  input: z.object({ project: projectArg, runs: runsArg, max_points: maxPointsArg }),
  output: z.array(z.object({ run: z.string().nullable(), run_id: z.string().nullable(), logs: z.array(looseObject) })),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier', runs: [{ run: 'baseline' }], max_points: 500 },
  handler: ({ project, runs, max_points }, ctx) => {
    const empty = runs.map((r) => ({ run: r.run, run_id: r.run_id, logs: [] }))
    return readProject(ctx, project, empty, (p) =>
      runs.map((r) => {
        const f = resolveRun(p, 'system_metrics', r.run, r.run_id)
        const rows = f ? systemRows(p, f) : []
        const logs = subsampleIndices(rows.map((x) => x.metrics), max_points, false).map((i) => {
          const row = rows[i]!
          row.metrics.set('timestamp', row.timestamp)
          return row.metrics
        })
        return { run: r.run, run_id: r.run_id, logs }
      }),
    ) as unknown as JsonResult
  },
})
