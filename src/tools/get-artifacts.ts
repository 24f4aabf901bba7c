import { z } from 'zod'
import type { JsonResult } from '../json/values'
import { artifactOverview } from '../storage/read/artifacts'
import { artifactNaming, defineTool, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_artifacts',
  description: 'List the artifacts of a project, one line each: latest version, its size, and all aliases.',
  notes: 'Ordered by name (the dashboard\'s artifacts tab). Empty for an unknown project or one without artifacts.',
  input: z.object({ project: projectArg }),
  output: z.array(
    z.object({
      ...artifactNaming,
      num_versions: z.int(),
      latest_version: z.int().nullable(),
      size_bytes: z.int().nullable(),
      aliases: z.array(z.string()),
      created_at: z.string(),
    }),
  ),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) => readProject(ctx, project, [], (p) => artifactOverview(p)) as unknown as JsonResult,
})
