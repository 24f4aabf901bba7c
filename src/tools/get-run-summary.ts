import { z } from 'zod'
import { runConfig, runKeys, runStats } from '../storage/read/metrics'
import { keysAhead } from '../storage/read/read-ahead'
import type { ProjectDb } from '../storage/db/connection'
import { listRuns, resolveRun } from '../storage/read/runs'
import { defineTool, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_run_summary',
  description: 'Return summary metadata for a Trackio run.',
  notes: 'Called by name, `run_id` is echoed as null (Trackio does not resolve it); a run with no rows has `config: null`.',
  input: z.object({ project: projectArg, run: runArg, run_id: runIdArg }),
  output: z.object({
    project: z.string(),
    run: z.string().nullable(),
    run_id: z.string().nullable(),
    num_logs: z.int(),
    metrics: z.array(z.string()),
    config: z.record(z.string(), z.unknown()).nullable(),
    last_step: z.int().nullable(),
  }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  answerScope: 'project',
  example: { project: 'mnist-classifier', run: 'baseline' },
  handler: async ({ project, run, run_id }, ctx) => {
    const empty = (r: string | null) => ({ project, run: r, run_id, num_logs: 0, metrics: [], config: null, last_step: null })
    const nameOf = (p: ProjectDb) => (run_id !== null ? (listRuns(p).find((r) => r.id === run_id)?.name ?? run) : run)
    // A long run's keys are read ahead by the scan workers, letting other requests through (see read-ahead).
    const db = ctx.storage.project(project)
    const target = db && db.read(() => resolveRun(db, 'metrics', nameOf(db), run_id))
    if (db && target) await keysAhead(db, target)
    return readProject(ctx, project, empty(run), (p) => {
      const name = nameOf(p)
      const f = resolveRun(p, 'metrics', name, run_id)
      const stats = f ? runStats(p, f) : { count: 0, lastStep: null, safeSteps: true }
      if (!f || stats.count === 0) return empty(name)
      return {
        project,
        run: name,
        run_id,
        num_logs: stats.count,
        metrics: runKeys(p, 'metrics', f, ['timestamp', 'step']),
        config: runConfig(p, f, name),
        last_step: stats.lastStep,
      }
    })
  },
})
