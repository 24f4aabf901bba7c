import { z } from 'zod'
import { manifestRecord } from '../storage/read/artifacts'
import { artifactRecord } from './core/artifact-args'
import { defineTool, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_artifact_manifest',
  description: 'Get one version of an artifact with its file manifest, by name and version (`vN`) or alias (default `latest`).',
  notes: 'Answers null when the project, the artifact or the version/alias does not exist (Trackio\'s client then reports "not found").',
  input: z.object({
    project: projectArg,
    name: z.string().describe('Artifact name.'),
    spec: z.string().nullable().optional().default(null).describe('`vN`, an alias, or null/empty for `latest`.'),
  }),
  output: artifactRecord.nullable(),
  result: 'object',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier', name: 'weights', spec: 'latest' },
  handler: ({ project, name, spec }, ctx) => readProject(ctx, project, null, (p) => manifestRecord(p, name, spec)),
})
