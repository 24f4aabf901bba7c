import { z } from 'zod'
import { projectLastStep } from '../storage/read/metrics'
import { listRuns } from '../storage/read/runs'
import { defineTool, projectArg, runRecord } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_project_summary',
  description: 'Return summary metadata for a Trackio project.',
  notes: '`last_activity` is the largest step logged in the project (a step number, as in Trackio), or null.',
  input: z.object({ project: projectArg }),
  output: z.object({
    project: z.string(),
    num_runs: z.int(),
    runs: z.array(runRecord),
    last_activity: z.int().nullable(),
  }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  answerScope: 'project',
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) =>
    readProject(ctx, project, { project, num_runs: 0, runs: [], last_activity: null }, (p) => {
      const runs = listRuns(p)
      return { project, num_runs: runs.length, runs, last_activity: runs.length ? projectLastStep(p) : null }
    }),
})
