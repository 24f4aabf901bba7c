import { BadRequestError } from '../../errors'
import { columnText, parseJson } from '../../json/parse'
import type { JsonResult } from '../../json/values'
import type { ProjectDb, Storage } from '../db/connection'
import { int, text } from '../db/decode'

/**
 * Local artifact registries (`trackio registry …`): each lives in `registry-{name}.db` beside the
 * projects and exists once its creation marker is written (Trackio's RegistryStorage). Read only:
 * registries are created and changed by the Python library.
 */

export const REGISTRY_PREFIX = 'registry-'
const REGISTRY_NAME = /^[A-Za-z0-9_-]+$/
const CREATED_AT = 'registry_created_at'
const DESCRIPTION = 'registry_description'

type Rec = Record<string, unknown>

export function checkRegistryName(name: string): string {
  if (!REGISTRY_NAME.test(name)) throw new BadRequestError(`Registry name '${name}' must match ^[A-Za-z0-9_-]+$ (letters, digits, underscore, hyphen).`)
  return name
}

function metadata(p: ProjectDb, key: string): string | null {
  if (!p.hasTable('project_metadata')) return null
  const row = p.db.query('SELECT value FROM project_metadata WHERE key = ?').values(key)[0]
  return row ? text(row[0]) : null
}

function record(storage: Storage, registry: string): Rec | null {
  const p = storage.project(REGISTRY_PREFIX + registry)
  if (!p) return null
  return p.read(() => {
    const created = metadata(p, CREATED_AT)
    return created === null ? null : { name: registry, description: metadata(p, DESCRIPTION), created_at: created }
  })
}

/** Every local registry, by name (Trackio's `list_registries`). */
export function listRegistries(storage: Storage): JsonResult {
  const out: Rec[] = []
  for (const stem of storage.listProjects()) {
    if (!stem.startsWith(REGISTRY_PREFIX)) continue
    const name = stem.slice(REGISTRY_PREFIX.length)
    if (!REGISTRY_NAME.test(name)) continue
    const r = record(storage, name)
    if (r) out.push(r)
  }
  return out as unknown as JsonResult
}

function links(p: ProjectDb, collectionId: bigint | null): Map<string, Rec[]> {
  const where = collectionId === null ? '' : 'WHERE collection_id = ?'
  const params = collectionId === null ? [] : [collectionId]
  const aliases = new Map<string, string[]>()
  for (const [alias, linkId] of p.db.query(`SELECT alias, link_id FROM collection_aliases ${where}`).values(...params)) {
    const list = aliases.get(String(linkId)) ?? []
    list.push(text(alias) ?? '')
    aliases.set(String(linkId), list)
  }
  const space = p.hasColumn('collection_links', 'source_space_id') ? 'source_space_id' : 'NULL'
  const bucket = p.hasColumn('collection_links', 'source_bucket_id') ? 'source_bucket_id' : 'NULL'
  const out = new Map<string, Rec[]>()
  const rows = p.db
    .query(
      `SELECT id, collection_id, collection_version, source_project, source_artifact, source_version, ${space}, ${bucket}, created_at
       FROM collection_links ${where} ORDER BY collection_id, collection_version DESC`,
    )
    .values(...params)
  for (const [id, cid, version, project, artifact, sourceVersion, spaceId, bucketId, created] of rows) {
    const list = out.get(String(cid)) ?? []
    list.push({
      collection_version: int(version),
      source_project: text(project),
      source_artifact: text(artifact),
      source_version: int(sourceVersion),
      source_space_id: text(spaceId),
      source_bucket_id: text(bucketId),
      aliases: (aliases.get(String(id)) ?? []).sort(),
      created_at: text(created),
    })
    out.set(String(cid), list)
  }
  return out
}

function collections(p: ProjectDb): Rec[] {
  if (!['collections', 'collection_links', 'collection_aliases'].every((t) => p.hasTable(t))) return []
  const byCollection = links(p, null)
  return p.db
    .query('SELECT id, name, type, description, created_at FROM collections ORDER BY type, name')
    .values()
    .map(([id, name, type, description, created]) => {
      const l = byCollection.get(String(id)) ?? []
      return {
        name: text(name),
        type: text(type),
        description: text(description),
        created_at: text(created),
        num_links: l.length,
        latest_version: l.length ? l[0]!.collection_version : null,
        links: l,
      }
    })
}

function events(p: ProjectDb): Rec[] {
  if (!p.hasTable('registry_events')) return []
  const uid = p.hasColumn('registry_events', 'event_uid') ? 'event_uid' : 'NULL'
  return p.db
    .query(`SELECT id, ${uid}, ts, kind, payload FROM registry_events ORDER BY id`)
    .values()
    .map(([id, eventUid, ts, kind, payload]) => ({ id: int(id), event_uid: text(eventUid), ts: text(ts), kind: text(kind), payload: parseJson(columnText(payload)) }))
}

/** One local registry with its collections (type, name order; links newest first) and its event log (Trackio's `get_registry_details`). */
export function registryDetails(storage: Storage, registry: string): JsonResult {
  checkRegistryName(registry)
  const r = record(storage, registry)
  const p = storage.project(REGISTRY_PREFIX + registry)
  if (!r || !p) throw new BadRequestError(`Registry '${registry}' does not exist locally.`)
  return p.read(() => ({ ...r, bucket_id: null, collections: collections(p), events: events(p) })) as unknown as JsonResult
}
