import { createHash, randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BadRequestError } from '../../errors'
import { canonicalProjectName, stemTooLong } from '../db/paths'
import { blobPath, isDigest, PARTIAL_BLOB_MARKER } from '../read/artifact-blobs'

const CHUNK = 1 << 20

/**
 * Copy `src` into the project's content-addressed store under `digest`, verifying that the bytes
 * hash to it (Trackio's `stage_blob_from_file`): written to a `.partial.` sibling, renamed into
 * place only when the digest matches, removed otherwise. An existing blob is kept as is.
 * Returns whether a new blob was written. The steps pause after each MiB (`storeBlobFromFileAsync`
 * lets other requests run there: a 2 GiB upload takes seconds to hash and copy).
 */
function* storeBlobSteps(dataDir: string, project: string, digest: string, src: string): Generator<void, boolean> {
  if (!isDigest(digest)) throw new BadRequestError(`Invalid sha256 digest: ${JSON.stringify(digest)}`)
  if (stemTooLong(canonicalProjectName(project))) throw new BadRequestError(`Project name is too long: ${project.slice(0, 100)}…`)
  const target = blobPath(dataDir, project, digest)
  if (statSync(target, { throwIfNoEntry: false })?.isFile()) return false
  mkdirSync(dirname(target), { recursive: true })
  const partial = join(dirname(target), `${digest}${PARTIAL_BLOB_MARKER}${randomBytes(16).toString('hex')}`)
  const sha = createHash('sha256')
  const buf = Buffer.allocUnsafe(CHUNK)
  let inFd: number | null = null
  let outFd: number | null = null
  try {
    inFd = openSync(src, 'r')
    outFd = openSync(partial, 'wx')
    for (;;) {
      const n = readSync(inFd, buf, 0, CHUNK, null)
      if (n === 0) break
      const chunk = buf.subarray(0, n)
      sha.update(chunk)
      for (let off = 0; off < n; ) off += writeSync(outFd, chunk, off, n - off)
      yield
    }
    closeSync(outFd)
    outFd = null
    const actual = sha.digest('hex')
    if (actual !== digest) throw new BadRequestError(`Digest mismatch: claimed ${digest}, computed ${actual}`)
    renameSync(partial, target)
    return true
  } catch (err) {
    rmSync(partial, { force: true })
    throw err
  } finally {
    if (inFd !== null) closeSync(inFd)
    if (outFd !== null) closeSync(outFd)
  }
}

/** `storeBlobSteps` at once. */
export function storeBlobFromFile(dataDir: string, project: string, digest: string, src: string): boolean {
  const steps = storeBlobSteps(dataDir, project, digest, src)
  for (;;) {
    const r = steps.next()
    if (r.done) return r.value
  }
}

/** `storeBlobSteps` with the event loop free after every 8 MiB hashed and copied. */
export async function storeBlobFromFileAsync(dataDir: string, project: string, digest: string, src: string): Promise<boolean> {
  const steps = storeBlobSteps(dataDir, project, digest, src)
  for (let i = 1; ; i++) {
    const r = steps.next()
    if (r.done) return r.value
    if (i % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
  }
}
