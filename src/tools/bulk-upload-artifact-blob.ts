import { z } from 'zod'
import { BadRequestError } from '../errors'
import { storeBlobFromFileAsync } from '../storage/write/artifact-blobs'
import { checkDigest } from './core/artifact-args'
import { defineTool, projectArg, type ToolContext } from './core/define'

/** Most blobs one call may commit (the staging area holds at most as many files). */
export const MAX_BLOB_UPLOADS = 1000

/** The part of the upload staging (POST /api/upload) this tool uses. */
interface StagedFiles {
  claim(path: string): string
  discard(path: string): void
}

const uploadEntry = z.object({
  project: z.string().optional().describe('Ignored: the call\'s `project` decides.'),
  digest: z.unknown().describe('sha256 hex digest the file must hash to.'),
  uploaded_file: z
    .object({ path: z.unknown().optional(), orig_name: z.unknown().optional(), meta: z.unknown().optional() })
    .loose()
    .nullable()
    .describe('`{"path": <a path returned by POST /api/upload>}` (Gradio FileData).'),
})

export default defineTool({
  name: 'bulk_upload_artifact_blob',
  description: 'Store uploaded files as artifact blobs of a project, verifying each against its sha256 digest.',
  notes:
    'Needs the write token. The files are first sent to `POST /api/upload` (multipart, field `files`); each entry names a ' +
    'returned path and the digest the bytes must hash to. A file whose bytes do not match is refused (400 `Digest mismatch: …`) ' +
    'and nothing of it is kept; a blob already stored is left as is. Staged files are claimed once and deleted afterwards. ' +
    `Blobs land at \`artifacts/{project}/blobs/sha256/{first 2 hex}/{digest}\`, as Trackio lays them out. At most ${MAX_BLOB_UPLOADS} entries per call.`,
  input: z.object({
    project: projectArg,
    uploads: z.array(uploadEntry).max(MAX_BLOB_UPLOADS).describe('ArtifactBlobUploadEntry objects.'),
    hf_token: z.string().nullable().optional().describe('Ignored by a self-hosted server; null is fine.'),
  }),
  output: z.null(),
  result: 'null',
  access: 'write',
  httpOnly: true,
  example: {
    project: 'mnist-classifier',
    uploads: [{ project: 'mnist-classifier', digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', uploaded_file: { path: '/tmp/trackio-uploads-x/trackio-upload-abc' } }],
    hf_token: null,
  },
  handler: async ({ project, uploads }, ctx) => {
    const staging = (ctx as ToolContext & { uploads?: StagedFiles }).uploads
    const digests = uploads.map((u) => checkDigest(u.digest))
    const claimed: string[] = []
    try {
      for (const u of uploads) {
        const path = u.uploaded_file?.path
        if (typeof path !== 'string' || !path) throw new BadRequestError('Expected uploaded file metadata with a valid path.')
        if (!staging) throw new BadRequestError('Uploaded file was not created by this Trackio server.')
        claimed.push(staging.claim(path))
      }
      for (let i = 0; i < claimed.length; i++) {
        // other requests run between each few MiB hashed and copied
        await storeBlobFromFileAsync(ctx.storage.dataDir, project, digests[i]!, claimed[i]!)
      }
    } finally {
      for (const p of claimed) staging?.discard(p)
    }
    return null
  },
})
