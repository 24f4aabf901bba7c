import { z } from 'zod'
import { BadRequestError } from '../../errors'
import { isDigest } from '../../storage/read/artifact-blobs'
import { VERSION_SPEC } from '../../storage/read/artifacts'
import type { ManifestEntry } from '../../storage/write/artifacts'

/**
 * Argument checks shared by the artifact tools, with Trackio's messages (server.py, cas.py,
 * references.py): names, aliases, digests, manifest entries. Everything a client names is checked
 * here, before any path or SQL is built from it.
 */

export const ARTIFACT_NAME = /^[A-Za-z0-9._-]+$/

/** Python's repr() of a JSON-ish value, as Trackio's messages quote bad input. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (typeof v === 'string') {
    const s = v.length > 200 ? v.slice(0, 200) + '…' : v
    const q = s.includes("'") && !s.includes('"') ? '"' : "'"
    const body = s.replace(/\\/g, '\\\\').replace(/[\n\r\t]/g, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!)
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q
  }
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  if (Array.isArray(v)) return v.length > 20 ? `[${v.slice(0, 20).map(pyRepr).join(', ')}, ...]` : `[${v.map(pyRepr).join(', ')}]`
  if (typeof v === 'object') {
    const entries = Object.entries(v as object)
    return `{${entries.slice(0, 20).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}${entries.length > 20 ? ', ...' : ''}}`
  }
  return String(v)
}

export function checkDigest(d: unknown): string {
  if (!isDigest(d)) throw new BadRequestError(`Invalid sha256 digest: ${pyRepr(d)}`)
  return d
}

export function checkArtifactName(name: unknown): string {
  if (typeof name !== 'string' || !ARTIFACT_NAME.test(name))
    throw new BadRequestError(`Artifact name ${pyRepr(name)} must match ^[A-Za-z0-9._-]+$ (letters, digits, dot, underscore, hyphen).`)
  return name
}

export function checkAliases(aliases: unknown): string[] {
  if (aliases === null || aliases === undefined) return []
  if (!Array.isArray(aliases)) throw new BadRequestError(`aliases must be a list of strings, got ${typeof aliases === 'string' ? 'str' : typeof aliases}.`)
  return aliases.map((alias) => {
    if (typeof alias !== 'string' || !alias) throw new BadRequestError(`Alias ${pyRepr(alias)} must be a non-empty string.`)
    if (!ARTIFACT_NAME.test(alias))
      throw new BadRequestError(`Alias ${pyRepr(alias)} must match ^[A-Za-z0-9._-]+$ (letters, digits, dot, underscore, hyphen).`)
    if (VERSION_SPEC.test(alias)) throw new BadRequestError(`Alias ${pyRepr(alias)} is reserved for version pointers (vN); choose another.`)
    return alias
  })
}

/** A manifest's logical path: relative, `/`-separated, no empty, `.` or `..` segment, no backslash or NUL. */
export function checkLogicalPath(path: unknown): string {
  if (typeof path !== 'string' || !path) throw new BadRequestError(`Invalid artifact path: ${pyRepr(path)} (must be non-empty)`)
  if (path.includes('\\') || path.includes('\0')) throw new BadRequestError(`Invalid artifact path ${pyRepr(path)}: backslashes and NUL are not allowed`)
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw new BadRequestError(`Invalid artifact path ${pyRepr(path)}: must be relative`)
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw new BadRequestError(`Invalid artifact path ${pyRepr(path)}: '.', '..', and empty segments are not allowed`)
  return path
}

/** An external reference URI: a scheme, no whitespace, no NUL (Trackio checks the shape only). */
export function checkReferenceUri(uri: unknown): string {
  if (typeof uri !== 'string' || !uri) throw new BadRequestError(`Invalid reference URI: ${pyRepr(uri)} (must be non-empty)`)
  if (uri.includes('\0')) throw new BadRequestError(`Invalid reference URI ${pyRepr(uri)}: NUL is not allowed`)
  if (/\s/u.test(uri))
    throw new BadRequestError(`Invalid reference URI ${pyRepr(uri)}: whitespace is not allowed (percent-encode spaces and special characters)`)
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri))
    throw new BadRequestError(`Invalid reference URI ${pyRepr(uri)}: a scheme is required (e.g. file://, s3://, https://); use add_file for local paths.`)
  return uri
}

/** No duplicate paths, and no path that is both a file and a directory (`a` and `a/b`). */
function checkPathsCompatible(paths: string[]): void {
  const seen = new Set<string>()
  for (const p of paths) {
    if (seen.has(p)) throw new BadRequestError(`Duplicate logical path in manifest: ${pyRepr(p)}`)
    seen.add(p)
  }
  for (const p of seen) {
    const parts = p.split('/')
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/')
      if (seen.has(ancestor))
        throw new BadRequestError(`Artifact path ${pyRepr(p)} collides with ${pyRepr(ancestor)}: a path cannot be both a file and a directory in the same artifact.`)
    }
  }
}

/** Validate a manifest as Trackio's `artifact_log` does; returns the entries and the blob digests it needs. */
export function checkManifest(manifest: unknown): { entries: ManifestEntry[]; blobDigests: string[] } {
  if (!Array.isArray(manifest) || manifest.length === 0) throw new BadRequestError('Artifact manifest must be a non-empty list of entries.')
  const entries: ManifestEntry[] = []
  const blobDigests: string[] = []
  for (const e of manifest) {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new BadRequestError(`Invalid artifact manifest entry: ${pyRepr(e)}`)
    const o = e as Record<string, unknown>
    const path = checkLogicalPath(o.path)
    const size = o.size
    if (!((typeof size === 'number' && Number.isSafeInteger(size)) || typeof size === 'bigint') || size < 0)
      throw new BadRequestError(`Artifact manifest entry has invalid size: ${pyRepr(size)}`)
    if ('ref' in o) {
      const ref = checkReferenceUri(o.ref)
      if (typeof o.digest !== 'string' || !o.digest)
        throw new BadRequestError(`Artifact reference entry must carry a string digest, got ${pyRepr(o.digest)}`)
      entries.push({ path, digest: o.digest, size, ref })
    } else {
      const digest = checkDigest(o.digest)
      blobDigests.push(digest)
      entries.push({ path, digest, size })
    }
  }
  checkPathsCompatible(entries.map((e) => e.path))
  return { entries, blobDigests }
}

/** `version_id`: an artifact version's row id (an integer; Trackio binds whatever it gets into SQL). */
export const versionIdArg = z.int().describe('Artifact version id (`version_id` in the records of get_artifact_manifest, list_artifacts, get_run_artifacts).')

/** `{"present": [...]}`, `{"input": [...], "output": [...]}` and version records are loose objects in the OpenAPI document. */
export const artifactRecord = z
  .object({
    artifact_id: z.int(),
    version_id: z.int(),
    version: z.int(),
    name: z.string(),
    type: z.string(),
    description: z.string().nullable(),
    manifest: z.array(z.object({ path: z.string(), digest: z.string(), size: z.int(), ref: z.string().optional() })),
    manifest_digest: z.string(),
    metadata: z.unknown(),
    size_bytes: z.int(),
    producer_run_id: z.string().nullable(),
    producer_run_name: z.string().nullable(),
    created_at: z.string(),
    aliases: z.array(z.string()),
  })
  .describe('One artifact version with its manifest.')

/** A schema as a JSON Schema fragment, for documenting list items that are validated by hand. */
export function schemaDoc(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}
