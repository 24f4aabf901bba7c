import { z } from 'zod'
import type { JsonResult } from '../json/values'
import { runArtifacts } from '../storage/read/artifacts'
import { defineTool, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'

const linked = z.object({ version_id: z.int(), name: z.string(), type: z.string(), version: z.int(), size_bytes: z.int(), created_at: z.string() })

export default defineTool({
  name: 'get_run_artifacts',
  description: 'The artifact versions a run consumed (input) and produced (output).',
  notes:
    'Links recorded without a run id, or with one no run has, count for the run of that name when it is the only run so named ' +
    '(as Trackio attributes them). Oldest link first.',
  input: z.object({ project: projectArg, run: runArg, run_id: runIdArg }),
  output: z.object({ input: z.array(linked), output: z.array(linked) }),
  result: 'object',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier', run: 'baseline' },
  handler: ({ project, run, run_id }, ctx) => readProject(ctx, project, { input: [], output: [] }, (p) => runArtifacts(p, run, run_id)) as unknown as JsonResult,
})
