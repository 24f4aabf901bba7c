import { z } from 'zod'
import { BadRequestError } from '../errors'
import type { Json } from '../json/values'
import { blobsPresent } from '../storage/read/artifact-blobs'
import { commitArtifactVersion } from '../storage/write/artifacts'
import { artifactRecord, checkAliases, checkArtifactName, checkManifest, pyRepr, schemaDoc } from './core/artifact-args'
import { defineTool, projectArg, rawArg, rawValue } from './core/define'

const manifestEntry = z.object({
  path: z.string().describe('Logical path inside the artifact (relative, `/`-separated).'),
  digest: z.string().describe('sha256 of the file (its blob must be stored), or any checksum for a reference entry.'),
  size: z.int().describe('Bytes.'),
  ref: z.string().optional().describe('External reference URI (s3://, https://, file://…): no blob is stored for it.'),
})

export default defineTool({
  name: 'artifact_log',
  description: 'Commit a new version of an artifact (a named, typed set of files) from blobs already stored on the server.',
  notes:
    'Needs the write token. Trackio\'s `log_artifact` sequence: check_artifact_blobs, POST /api/upload + bulk_upload_artifact_blob ' +
    'for the missing files, then artifact_log. Every file entry\'s blob must already be stored (400 `Manifest references blobs not on ' +
    'server: …`). A manifest identical to an existing version reuses that version (its metadata is refreshed); otherwise version ' +
    'N+1 is created and `latest` moves to it. User aliases never move backwards. The calling run is linked as the producer. ' +
    'Answers the version record (as get_artifact_manifest).',
  input: z.object({
    project: projectArg,
    name: z.string().describe('Artifact name: letters, digits, `.`, `_`, `-`.'),
    type: z.string().describe('Artifact type (dataset, model…); fixed at the first version.'),
    description: z.string().nullable().optional().default(null),
    metadata: rawArg(z.record(z.string(), z.unknown()).nullable().optional().default(null).describe('Free-form JSON object stored with the version (an empty one is stored as null).')),
    manifest: z.array(z.unknown()).meta({ items: schemaDoc(manifestEntry) }).describe('Manifest entries `{path, digest, size[, ref]}`.'),
    aliases: z.array(z.unknown()).nullable().optional().default(null).describe('Aliases to point at this version (not `vN`).'),
    run_name: z.string().nullable().optional().default(null).describe('Producing run name.'),
    run_id: z.string().nullable().optional().default(null).describe('Producing run id.'),
    hf_token: z.string().nullable().optional().describe('Ignored by a self-hosted server; null is fine.'),
  }),
  output: artifactRecord,
  result: 'object',
  access: 'write',
  httpOnly: true,
  example: {
    project: 'mnist-classifier',
    name: 'weights',
    type: 'model',
    description: null,
    metadata: { epochs: 3 },
    manifest: [{ path: 'model.bin', digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', size: 0 }],
    aliases: ['best'],
    run_name: 'baseline',
    run_id: null,
    hf_token: null,
  },
  handler: async (args, ctx) => {
    const name = checkArtifactName(args.name)
    if (!args.type) throw new BadRequestError(`Artifact type must be a non-empty string, got ${pyRepr(args.type)}`)
    const aliases = checkAliases(args.aliases)
    const { entries, blobDigests } = checkManifest(args.manifest)
    const present = blobsPresent(ctx.storage.dataDir, args.project, blobDigests)
    const missing = [...new Set(blobDigests.filter((d) => !present.has(d)))]
    if (missing.length)
      throw new BadRequestError(`Manifest references blobs not on server: ${pyRepr(missing.slice(0, 5))}${missing.length > 5 ? '...' : ''}`)
    return commitArtifactVersion(ctx.storage, args.project, {
      name,
      type: args.type,
      description: args.description,
      manifest: entries,
      metadata: (rawValue(args, 'metadata') ?? null) as Json | null,
      aliases,
      runName: args.run_name,
      runId: args.run_id,
    })
  },
})
