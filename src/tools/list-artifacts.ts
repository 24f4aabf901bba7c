import { z } from 'zod'
import type { JsonResult } from '../json/values'
import { listArtifacts } from '../storage/read/artifacts'
import { artifactNaming, defineTool, projectArg } from './core/define'
import { readProject } from './core/read-project'

export const versionSummary = z.object({
  version_id: z.int(),
  version: z.int(),
  aliases: z.array(z.string()),
  size_bytes: z.int(),
  num_files: z.int(),
  created_at: z.string(),
})

export default defineTool({
  name: 'list_artifacts',
  description: 'List the artifacts of a project with a summary of every version (no manifests).',
  notes: 'Ordered by type, then name; each artifact\'s versions newest first. Empty for an unknown project or one without artifacts.',
  input: z.object({ project: projectArg }),
  output: z.array(
    z.object({
      ...artifactNaming,
      created_at: z.string(),
      num_versions: z.int(),
      latest_version: z.int().nullable(),
      versions: z.array(versionSummary),
    }),
  ),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) => readProject(ctx, project, [], (p) => listArtifacts(p)) as unknown as JsonResult,
})
