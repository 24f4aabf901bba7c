import { z } from 'zod'
import { listRuns } from '../storage/read/runs'
import { defineTool, projectArg, runRecord } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_runs_for_project',
  description: 'List runs for a given Trackio project.',
  input: z.object({ project: projectArg }),
  output: z.array(runRecord).describe('Runs ordered by creation (first logged row); `id` is the run id.'),
  result: 'list',
  access: 'read',
  readsRunList: true,
  answerScope: 'project',
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) => readProject(ctx, project, [], (p) => listRuns(p)),
})
