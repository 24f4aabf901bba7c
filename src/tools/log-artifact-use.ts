import { z } from 'zod'
import { logArtifactUse } from '../storage/write/artifacts'
import { versionIdArg } from './core/artifact-args'
import { defineTool, projectArg } from './core/define'

export default defineTool({
  name: 'log_artifact_use',
  description: 'Record that a run used an artifact version as input (its lineage).',
  notes: 'Needs the write token. Recording the same use twice adds nothing. An unknown version id: 404 (Trackio would store a dangling link).',
  input: z.object({
    project: projectArg,
    version_id: versionIdArg,
    run_name: z.string().nullable().optional().default(null).describe('Consuming run name.'),
    run_id: z.string().nullable().optional().default(null).describe('Consuming run id.'),
    hf_token: z.string().nullable().optional().describe('Ignored by a self-hosted server; null is fine.'),
  }),
  output: z.null(),
  result: 'null',
  access: 'write',
  httpOnly: true,
  example: { project: 'mnist-classifier', version_id: 1, run_name: 'baseline', run_id: null, hf_token: null },
  handler: async ({ project, version_id, run_name, run_id }, ctx) => {
    await logArtifactUse(ctx.storage, project, version_id, run_name, run_id)
    return null
  },
})
