import { createHash } from 'node:crypto'
import { BadRequestError, NotFoundError } from '../../errors'
import { stringify } from '../../json/serialize'
import { JsonFloat, type Json, type JsonResult } from '../../json/values'
import { compareCodePoints, type ProjectDb, type Storage } from '../db/connection'
import { isoNow } from '../db/timestamps'
import { manifestRecord, VERSION_SPEC } from '../read/artifacts'
import { writeTransaction } from './transaction'

/** A validated manifest entry: a stored blob (`digest` = sha256) or an external reference (`ref`). */
export interface ManifestEntry {
  path: string
  digest: string
  size: number | bigint
  ref?: string
}

export interface ArtifactVersionInput {
  name: string
  type: string
  description: string | null
  manifest: ManifestEntry[]
  /** Stored as JSON when non-empty (Trackio stores an empty or absent dict as NULL). */
  metadata: Json | null
  aliases: string[]
  runName: string | null
  runId: string | null
}

/**
 * Entries sorted by path with keys in Trackio's order, the digest of the key-sorted compact JSON
 * (so the same files always give the same manifest_digest, whichever server computed it), and the total size.
 */
export function canonicalManifest(entries: ManifestEntry[]): { json: string; digest: string; sizeBytes: bigint } {
  const canonical = [...entries].sort((a, b) => compareCodePoints(a.path, b.path))
  let size = 0n
  const ordered = canonical.map((e) => {
    size += BigInt(e.size)
    return e.ref === undefined ? { path: e.path, digest: e.digest, size: e.size } : { path: e.path, digest: e.digest, size: e.size, ref: e.ref }
  })
  const sorted = canonical.map((e) => (e.ref === undefined ? { digest: e.digest, path: e.path, size: e.size } : { digest: e.digest, path: e.path, ref: e.ref, size: e.size }))
  const json = stringify(ordered as unknown as JsonResult)
  const digest = createHash('sha256').update(stringify(sorted as unknown as JsonResult)).digest('hex')
  return { json, digest, sizeBytes: size }
}

function isEmptyMetadata(m: Json | null): boolean {
  if (m === null || m === undefined) return true
  if (m instanceof Map) return m.size === 0
  if (Array.isArray(m)) return m.length === 0
  if (typeof m === 'object' && !(m instanceof JsonFloat)) return Object.keys(m).length === 0
  return m === false || m === 0 || m === ''
}

/** One write transaction on the project, creating its database first when missing (Trackio's `init_db`). */
async function writeArtifacts<T>(storage: Storage, project: string, fn: (p: ProjectDb) => T): Promise<T> {
  const result = await writeTransaction({ dataDir: storage.dataDir, project, mode: 'create' }, fn)
  storage.project(project)?.noteWrite()
  return result
}

function insertLink(p: ProjectDb, runName: string | null, runId: string | null, versionId: number | bigint, direction: 'input' | 'output', now: string): void {
  p.db.run(
    `INSERT OR IGNORE INTO run_artifact_links (run_id, run_name, artifact_version_id, direction, created_at)
     SELECT ?, ?, ?, ?, ?
     WHERE NOT EXISTS (SELECT 1 FROM run_artifact_links WHERE run_id IS ? AND run_name IS ? AND artifact_version_id = ? AND direction = ?)`,
    [runId, runName, versionId, direction, now, runId, runName, versionId, direction],
  )
}

function setAlias(p: ProjectDb, artifactId: number | bigint, alias: string, versionId: number | bigint): void {
  p.db.run(
    `INSERT INTO artifact_aliases (artifact_id, alias, artifact_version_id) VALUES (?, ?, ?)
     ON CONFLICT(artifact_id, alias) DO UPDATE SET artifact_version_id = excluded.artifact_version_id`,
    [artifactId, alias, versionId],
  )
}

/**
 * Trackio's `commit_artifact_version`, in one transaction: the artifact (created, or its
 * description updated; a different type is refused), the version (an identical manifest reuses
 * the existing version and only refreshes its metadata), `latest` moved only for a new version,
 * user aliases never moved backwards, and the producer's output link. Returns the version record.
 */
export async function commitArtifactVersion(storage: Storage, project: string, v: ArtifactVersionInput): Promise<JsonResult> {
  const { json, digest, sizeBytes } = canonicalManifest(v.manifest)
  const metadataJson = isEmptyMetadata(v.metadata) ? null : stringify(v.metadata)
  return writeArtifacts(storage, project, (p) => {
    const now = isoNow()
    const art = p.db.query('SELECT id, type FROM artifacts WHERE name = ?').get(v.name) as { id: bigint; type: string } | null
    let artifactId: number | bigint
    if (art) {
      if (art.type !== v.type)
        throw new BadRequestError(`Artifact '${v.name}' already exists with type '${art.type}'; cannot relog with type '${v.type}'.`)
      if (v.description !== null) p.db.run('UPDATE artifacts SET description = ? WHERE id = ?', [v.description, art.id])
      artifactId = art.id
    } else {
      artifactId = p.db.run('INSERT INTO artifacts (name, type, description, created_at) VALUES (?, ?, ?, ?)', [v.name, v.type, v.description, now]).lastInsertRowid
    }
    const existing = p.db.query('SELECT id, version FROM artifact_versions WHERE artifact_id = ? AND manifest_digest = ?').get(artifactId, digest) as {
      id: bigint
      version: bigint
    } | null
    let versionId: number | bigint
    let version: bigint
    if (existing) {
      versionId = existing.id
      version = existing.version
      if (metadataJson !== null) p.db.run('UPDATE artifact_versions SET metadata = ? WHERE id = ?', [metadataJson, versionId])
    } else {
      const max = p.db.query('SELECT MAX(version) AS m FROM artifact_versions WHERE artifact_id = ?').get(artifactId) as { m: bigint | null }
      version = max.m === null ? 0n : BigInt(max.m) + 1n
      versionId = p.db.run(
        `INSERT INTO artifact_versions (artifact_id, version, manifest_digest, manifest, metadata, size_bytes, producer_run_id, producer_run_name, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [artifactId, version, digest, json, metadataJson, sizeBytes, v.runId, v.runName, now],
      ).lastInsertRowid
      setAlias(p, artifactId, 'latest', versionId)
    }
    for (const alias of v.aliases) {
      if (VERSION_SPEC.test(alias)) throw new BadRequestError(`Alias '${alias}' is reserved for version pointers (vN); choose another.`)
      const current = p.db
        .query('SELECT av.version FROM artifact_aliases aa JOIN artifact_versions av ON av.id = aa.artifact_version_id WHERE aa.artifact_id = ? AND aa.alias = ?')
        .get(artifactId, alias) as { version: bigint } | null
      if (current && BigInt(current.version) > version) continue
      setAlias(p, artifactId, alias, versionId)
    }
    insertLink(p, v.runName, v.runId, versionId, 'output', now)
    const record = manifestRecord(p, v.name, `v${version}`)
    if (!record) throw new Error(`artifact version ${v.name}:v${version} vanished inside its own transaction`)
    return record
  })
}

/** Record that a run consumed a version (Trackio's `log_artifact_use`); a repeat adds nothing. */
export async function logArtifactUse(storage: Storage, project: string, versionId: number, runName: string | null, runId: string | null): Promise<void> {
  await writeArtifacts(storage, project, (p) => {
    const found = p.db.query('SELECT 1 FROM artifact_versions WHERE id = ?').get(versionId)
    if (!found) throw new NotFoundError(`Artifact version ${versionId} does not exist in project '${project}'`)
    insertLink(p, runName, runId, versionId, 'input', isoNow())
  })
}
