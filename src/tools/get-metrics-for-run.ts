import { z } from 'zod'
import { runKeys } from '../storage/read/metrics'
import { keysAhead } from '../storage/read/read-ahead'
import { resolveRun } from '../storage/read/runs'
import { defineTool, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_metrics_for_run',
  description: 'List metric names recorded for a given Trackio run.',
  input: z.object({ project: projectArg, run: runArg, run_id: runIdArg }),
  output: z.array(z.string()).describe('Top-level metric keys, sorted; `step` and `timestamp` excluded.'),
  result: 'list',
  access: 'read',
  readsRunList: (a) => a.run_id === null,
  answerScope: 'project',
  example: { project: 'mnist-classifier', run: 'baseline' },
  handler: async ({ project, run, run_id }, ctx) => {
    // A long run's keys are read ahead by the scan workers, letting other requests through (see read-ahead).
    const p = ctx.storage.project(project)
    const target = p && p.read(() => resolveRun(p, 'metrics', run, run_id))
    if (p && target) await keysAhead(p, target)
    return readProject(ctx, project, [], (p) => {
      const f = resolveRun(p, 'metrics', run, run_id)
      return f ? runKeys(p, 'metrics', f, ['timestamp', 'step']) : []
    })
  },
})
