import { z } from 'zod'
import type { JsonResult } from '../json/values'
import { artifactConsumers } from '../storage/read/artifacts'
import { versionIdArg } from './core/artifact-args'
import { defineTool, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_artifact_consumers',
  description: 'The runs that used an artifact version as input, oldest first.',
  input: z.object({ project: projectArg, version_id: versionIdArg }),
  output: z.array(z.object({ run_name: z.string().nullable(), run_id: z.string().nullable(), created_at: z.string() })),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier', version_id: 1 },
  handler: ({ project, version_id }, ctx) => readProject(ctx, project, [], (p) => artifactConsumers(p, version_id)) as unknown as JsonResult,
})
