import { Elysia } from 'elysia'
import { statSync } from 'node:fs'
import { NotFoundError } from '../../errors'
import { blobPath, isDigest } from '../../storage/read/artifact-blobs'
import { stemTooLong, canonicalProjectName } from '../../storage/db/paths'
import { errorResponse } from './respond'

/**
 * `GET /artifact_blob/{project}/{digest}`: the bytes of one stored artifact blob (Trackio's
 * remote `Artifact.download` reads files this way). The project is canonicalised and the digest
 * must be 64 lowercase hex, so the path can only name a file inside the artifact store; anything
 * else, or a blob that is not stored, is 404. Reads need no token, like every read.
 */
export function artifactBlobRoute(dataDir: string) {
  return new Elysia({ name: 'trackio-artifact-blob' }).get(
    '/artifact_blob/:project/:digest',
    ({ params }) => {
      const project = params.project
      const digest = params.digest
      if (!isDigest(digest) || stemTooLong(canonicalProjectName(project))) return errorResponse(new NotFoundError('Not found'))
      const path = blobPath(dataDir, project, digest)
      const st = statSync(path, { throwIfNoEntry: false })
      if (!st?.isFile()) return errorResponse(new NotFoundError('Not found'))
      return new Response(Bun.file(path), {
        headers: {
          'content-type': 'application/octet-stream',
          'x-content-type-options': 'nosniff',
          'cache-control': 'public, max-age=31536000, immutable',
          etag: `"${digest}"`,
        },
      })
    },
    { detail: { tags: ['artifacts'], summary: 'Download one artifact blob by project and sha256 digest (404 when not stored).' } },
  )
}
