import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { storeBlobFromFile } from '../../src/storage/write/artifact-blobs'
import { beforeAll } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'

export const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

/** Put bytes in a project's blob store as bulk_upload_artifact_blob does (a file, verified against its digest). */
export function seedBlob(dataDir: string, project: string, bytes: string): { digest: string; size: number } {
  const src = join(tempDir(), 'f')
  writeFileSync(src, bytes)
  const digest = sha(bytes)
  storeBlobFromFile(dataDir, project, digest, src)
  return { digest, size: Buffer.byteLength(bytes) }
}

/** A temporary data directory, its in-process app (made before the tests) and a blob seeder bound to it. */
export function artifactLab() {
  const dir = tempDir()
  let made: Awaited<ReturnType<typeof inProcessApp>> | null = null
  beforeAll(async () => {
    made = await inProcessApp(dir)
  })
  return {
    dir,
    get app(): Awaited<ReturnType<typeof inProcessApp>> {
      if (!made) throw new Error('artifactLab: the app is made in beforeAll')
      return made
    },
    seed: (project: string, bytes: string) => seedBlob(dir, project, bytes),
  }
}
