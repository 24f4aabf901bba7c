import { z } from 'zod'
import { traceSteps } from '../storage/read/traces'
import { defineTool, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_trace_steps',
  description: 'How many traces a run logged at each step, and in total.',
  input: z.object({ project: projectArg, run: runArg, run_id: runIdArg }),
  output: z.object({ total: z.int(), steps: z.array(z.object({ step: z.int(), count: z.int() })) }),
  result: 'object',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier', run: 'baseline' },
  handler: ({ project, run, run_id }, ctx) => readProject(ctx, project, { total: 0, steps: [] }, (p) => traceSteps(p, run, run_id)),
})
