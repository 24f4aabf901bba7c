import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { storeBlobFromFile } from '../../src/storage/write/artifact-blobs'
import { tempDir } from '../helpers'

export const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

/** Put bytes in a project's blob store as bulk_upload_artifact_blob does (a file, verified against its digest). */
export function seedBlob(dataDir: string, project: string, bytes: string): { digest: string; size: number } {
  const src = join(tempDir(), 'f')
  writeFileSync(src, bytes)
  const digest = sha(bytes)
  storeBlobFromFile(dataDir, project, digest, src)
  return { digest, size: Buffer.byteLength(bytes) }
}
