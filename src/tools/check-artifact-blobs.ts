import { z } from 'zod'
import { blobsPresent } from '../storage/read/artifact-blobs'
import { checkDigest } from './core/artifact-args'
import { defineTool, projectArg } from './core/define'

/** More digests than any real manifest names; keeps one call's filesystem work bounded. */
export const MAX_DIGESTS = 100_000

export default defineTool({
  name: 'check_artifact_blobs',
  description: 'Report which artifact blobs (by sha256 digest) the server already stores for a project.',
  notes:
    'Needs the write token (Trackio gates it like the uploads it precedes). The Python client calls it before uploading an ' +
    "artifact's files, and uploads only the missing ones. Each digest must be 64 lowercase hex characters (400 " +
    `\`Invalid sha256 digest: …\` otherwise); at most ${MAX_DIGESTS} per call. Answers \`{"present": [...]}\` in request order.`,
  input: z.object({
    project: projectArg,
    digests: z.array(z.unknown()).max(MAX_DIGESTS).describe('sha256 hex digests of the files to check.'),
    hf_token: z.string().nullable().optional().describe('Ignored by a self-hosted server; null is fine.'),
  }),
  output: z.object({ present: z.array(z.string()) }),
  result: 'object',
  access: 'write',
  httpOnly: true,
  example: { project: 'mnist-classifier', digests: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'] },
  handler: ({ project, digests }, ctx) => {
    const valid = digests.map(checkDigest)
    const present = blobsPresent(ctx.storage.dataDir, project, valid)
    return { present: valid.filter((d) => present.has(d)) }
  },
})
