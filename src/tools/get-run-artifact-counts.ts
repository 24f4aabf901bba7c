import { z } from 'zod'
import type { JsonResult } from '../json/values'
import { runArtifactCounts } from '../storage/read/artifacts'
import { defineTool, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_run_artifact_counts',
  description: 'For every run of a project with artifact links: how many artifact versions it consumed and produced.',
  notes: 'A run is keyed by run id (by name in a database that predates run ids); a repeated link counts once.',
  input: z.object({ project: projectArg }),
  output: z.array(z.object({ run_id: z.string().nullable(), run_name: z.string().nullable(), input: z.int(), output: z.int() })),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) => readProject(ctx, project, [], (p) => runArtifactCounts(p)) as unknown as JsonResult,
})
