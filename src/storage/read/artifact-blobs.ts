import { statSync } from 'node:fs'
import { join } from 'node:path'
import { canonicalProjectName, stemTooLong } from '../db/paths'

/** A sha256 digest as Trackio names blobs: 64 lowercase hex characters, nothing else. */
export const SHA256_DIGEST = /^[0-9a-f]{64}$/

export function isDigest(v: unknown): v is string {
  return typeof v === 'string' && SHA256_DIGEST.test(v)
}

/** Marker in the name of a blob being written (Trackio skips such files when syncing). */
export const PARTIAL_BLOB_MARKER = '.partial.'

/** `{TRACKIO_DIR}/artifacts/{canonical}/blobs/sha256` (spec 1.3). */
export function blobsRoot(dataDir: string, project: string): string {
  return join(dataDir, 'artifacts', canonicalProjectName(project), 'blobs', 'sha256')
}

/**
 * Where a blob lives: `.../{first 2 hex}/{digest}`. Only a validated digest may reach here, and
 * the project part is a canonical stem (no separators, no dots), so the path never leaves the store.
 */
export function blobPath(dataDir: string, project: string, digest: string): string {
  if (!isDigest(digest)) throw new Error(`not a sha256 digest: ${digest}`)
  return join(blobsRoot(dataDir, project), digest.slice(0, 2), digest)
}

/** The digests (all valid ones) whose blob is stored for the project. */
export function blobsPresent(dataDir: string, project: string, digests: readonly string[]): Set<string> {
  const present = new Set<string>()
  // a project whose file name could not exist has no blobs (and must not reach the filesystem)
  if (stemTooLong(canonicalProjectName(project))) return present
  for (const d of digests) {
    if (!isDigest(d) || present.has(d)) continue
    if (statSync(blobPath(dataDir, project, d), { throwIfNoEntry: false })?.isFile()) present.add(d)
  }
  return present
}
