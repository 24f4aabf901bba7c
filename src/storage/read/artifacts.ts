import { parseJson } from '../../json/parse'
import type { Json, JsonResult } from '../../json/values'
import { compareCodePoints, type ProjectDb } from '../db/connection'
import { int, text } from '../db/decode'
import { listRuns, resolveRun } from './runs'

/**
 * Artifact reads with Trackio's shapes and semantics (sqlite_storage: get_artifact_manifest,
 * list_artifacts, get_artifacts, get_run_artifacts, get_run_artifact_counts,
 * get_artifact_consumers, get_artifact_lineage). A database without the artifact tables answers
 * empty, as Trackio does when its queries hit "no such table".
 */

export const VERSION_SPEC = /^v(\d+)$/

type Row = Record<string, unknown>
type Rec = Record<string, unknown>

const ARTIFACT_TABLES = ['artifacts', 'artifact_versions', 'artifact_aliases'] as const

export function hasArtifactTables(p: ProjectDb): boolean {
  return ARTIFACT_TABLES.every((t) => p.hasTable(t))
}

function num(v: unknown): number | bigint {
  return int(v) ?? 0
}

export interface ResolvedVersion {
  artifactId: number | bigint
  versionId: number | bigint
  version: number | bigint
}

/** `name` + `spec` (null/"" → "latest"; "vN" → version N; anything else → an alias). */
export function resolveVersion(p: ProjectDb, name: string, spec: string | null): ResolvedVersion | null {
  if (!hasArtifactTables(p)) return null
  const art = p.db.query('SELECT id FROM artifacts WHERE name = ?').get(name) as Row | null
  if (!art) return null
  const artifactId = num(art.id)
  const s = spec ? spec : 'latest'
  const m = VERSION_SPEC.exec(s)
  const ver = (
    m
      ? p.db.query('SELECT id, version FROM artifact_versions WHERE artifact_id = ? AND version = ?').get(artifactId, BigInt(m[1]!))
      : p.db
          .query(
            `SELECT av.id, av.version FROM artifact_versions av
             JOIN artifact_aliases aa ON aa.artifact_version_id = av.id
             WHERE aa.artifact_id = ? AND aa.alias = ?`,
          )
          .get(artifactId, s)
  ) as Row | null
  if (!ver) return null
  return { artifactId, versionId: num(ver.id), version: num(ver.version) }
}

function jsonColumn(v: unknown): Json {
  const s = text(v)
  return s === null ? null : parseJson(s)
}

/** One version's full record (manifest included), as get_artifact_manifest and artifact_log answer. */
export function manifestRecord(p: ProjectDb, name: string, spec: string | null): JsonResult | null {
  const resolved = resolveVersion(p, name, spec)
  if (!resolved) return null
  const row = p.db
    .query(
      `SELECT av.id, av.version, av.manifest, av.manifest_digest, av.metadata, av.size_bytes,
              av.producer_run_id, av.producer_run_name, av.created_at, a.name, a.type, a.description
       FROM artifact_versions av JOIN artifacts a ON a.id = av.artifact_id WHERE av.id = ?`,
    )
    .get(resolved.versionId) as Row | null
  if (!row) return null
  const aliases = p.db.query('SELECT alias FROM artifact_aliases WHERE artifact_version_id = ?').values(resolved.versionId)
  const record: Rec = {
    artifact_id: resolved.artifactId,
    version_id: num(row.id),
    version: num(row.version),
    name: text(row.name),
    type: text(row.type),
    description: text(row.description),
    manifest: jsonColumn(row.manifest),
    manifest_digest: text(row.manifest_digest),
    metadata: jsonColumn(row.metadata),
    size_bytes: num(row.size_bytes),
    producer_run_id: text(row.producer_run_id),
    producer_run_name: text(row.producer_run_name),
    created_at: text(row.created_at),
    aliases: aliases.map(([a]) => text(a)),
  }
  return record as JsonResult
}

export interface VersionSummary {
  version_id: number | bigint
  version: number | bigint
  aliases: (string | null)[]
  size_bytes: number | bigint
  num_files: number | bigint
  created_at: string | null
}

export interface ArtifactSummary {
  name: string | null
  type: string | null
  description: string | null
  created_at: string | null
  num_versions: number
  latest_version: number | bigint | null
  versions: VersionSummary[]
}

function aliasesByVersion(p: ProjectDb): Map<string, (string | null)[]> {
  const out = new Map<string, (string | null)[]>()
  for (const [alias, vid] of p.db.query('SELECT alias, artifact_version_id FROM artifact_aliases').values()) {
    const key = String(vid)
    const list = out.get(key) ?? []
    list.push(text(alias))
    out.set(key, list)
  }
  return out
}

/** Every artifact, by type then name, each with its versions newest first (list_artifacts). */
export function listArtifacts(p: ProjectDb): ArtifactSummary[] {
  if (!hasArtifactTables(p)) return []
  const artifacts = p.db.query('SELECT id, name, type, description, created_at FROM artifacts ORDER BY type, name').all() as Row[]
  const versions = p.db
    .query(
      `SELECT id, artifact_id, version, json_array_length(manifest) AS num_files, size_bytes, created_at
       FROM artifact_versions ORDER BY artifact_id, version DESC`,
    )
    .all() as Row[]
  const aliases = aliasesByVersion(p)
  const byArtifact = new Map<string, VersionSummary[]>()
  for (const v of versions) {
    const key = String(v.artifact_id)
    const list = byArtifact.get(key) ?? []
    list.push({
      version_id: num(v.id),
      version: num(v.version),
      aliases: aliases.get(String(v.id)) ?? [],
      size_bytes: num(v.size_bytes),
      num_files: num(v.num_files),
      created_at: text(v.created_at),
    })
    byArtifact.set(key, list)
  }
  return artifacts.map((a) => {
    const vs = byArtifact.get(String(a.id)) ?? []
    return {
      name: text(a.name),
      type: text(a.type),
      description: text(a.description),
      created_at: text(a.created_at),
      num_versions: vs.length,
      latest_version: vs.length ? vs[0]!.version : null,
      versions: vs,
    }
  })
}

const byCodePoint = compareCodePoints

/** One line per artifact, by name: latest version, its size, every alias (get_artifacts). */
export function artifactOverview(p: ProjectDb): Rec[] {
  return listArtifacts(p)
    .sort((a, b) => byCodePoint(a.name ?? '', b.name ?? ''))
    .map((a) => ({
      name: a.name,
      type: a.type,
      description: a.description,
      num_versions: a.num_versions,
      latest_version: a.latest_version,
      size_bytes: a.versions.length ? a.versions[0]!.size_bytes : null,
      aliases: [...new Set(a.versions.flatMap((v) => v.aliases).filter((x): x is string => x !== null))].sort(byCodePoint),
      created_at: a.created_at,
    }))
}

/** Run ids known from metrics, and link-only runs, folded as Trackio's `_link_run_identity_maps` does. */
interface IdentityMaps {
  legacy: boolean
  recordIds: Set<string>
  idsByName: Map<string, Set<string>>
}

type Identity = [runId: string | null, runName: string | null]

function identityMaps(p: ProjectDb, identities: Identity[]): IdentityMaps {
  const legacy = !p.hasRunIds('metrics')
  const idsByName = new Map<string, Set<string>>()
  const names = [...new Set(identities.map(([, n]) => n).filter((n): n is string => n !== null))]
  const ids = [...new Set(identities.map(([i]) => i).filter((i): i is string => i !== null))]
  if (legacy || (!names.length && !ids.length)) return { legacy, recordIds: new Set(), idsByName }
  const add = (name: string, id: string): void => {
    const s = idsByName.get(name) ?? new Set<string>()
    s.add(id)
    idsByName.set(name, s)
  }
  const metricIds = new Set<string>()
  const metricNames = new Set<string>()
  for (const [column, values] of [['run_name', names], ['run_id', ids]] as const) {
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500)
      const rows = p.db.query(`SELECT DISTINCT run_id, run_name FROM metrics WHERE ${column} IN (${chunk.map(() => '?').join(',')})`).values(...chunk)
      for (const [rid, rname] of rows) {
        const id = text(rid)
        const name = text(rname)
        if (name !== null) metricNames.add(name)
        if (id === null) continue
        metricIds.add(id)
        if (name !== null) add(name, id)
      }
    }
  }
  const recordIds = new Set(metricIds)
  for (const [id, name] of identities) {
    if (id === null || name === null || metricNames.has(name) || metricIds.has(id)) continue
    recordIds.add(id)
    add(name, id)
  }
  return { legacy, recordIds, idsByName }
}

function canonicalRunId(id: string | null, name: string | null, m: IdentityMaps): string | null {
  if (m.legacy) return null
  if (id !== null && m.recordIds.has(id)) return id
  const owners = m.idsByName.get(name as string)
  return owners && owners.size === 1 ? [...owners][0]! : null
}

/** Input/output link counts per canonical run identity (get_run_artifact_counts). */
export function runArtifactCounts(p: ProjectDb): Rec[] {
  if (!p.hasTable('run_artifact_links')) return []
  const rows = p.db.query('SELECT DISTINCT run_id, run_name, artifact_version_id, direction FROM run_artifact_links').values()
  const maps = identityMaps(p, rows.map(([id, name]) => [text(id), text(name)]))
  const counts = new Map<string, { run_id: string | null; run_name: string | null; input: number; output: number }>()
  const seen = new Map<string, Set<string>>()
  for (const [rid, rname, vid, dir] of rows) {
    const name = text(rname)
    const id = canonicalRunId(text(rid), name, maps)
    const key = JSON.stringify([id, name])
    let entry = counts.get(key)
    if (!entry) counts.set(key, (entry = { run_id: id, run_name: name, input: 0, output: 0 }))
    const link = `${vid}:${dir}`
    const s = seen.get(key) ?? new Set<string>()
    seen.set(key, s)
    if (s.has(link)) continue
    s.add(link)
    if (dir === 'input' || dir === 'output') entry[dir]++
  }
  return [...counts.values()]
}

/** The artifact versions one run produced (output) and consumed (input) (get_run_artifacts). */
export function runArtifacts(p: ProjectDb, runName: string | null, runId: string | null): { input: Rec[]; output: Rec[] } {
  const result: { input: Rec[]; output: Rec[] } = { input: [], output: [] }
  if (!p.hasTable('run_artifact_links') || !hasArtifactTables(p)) return result
  let where: string
  let params: (string | null)[]
  let withClause = ''
  if (!p.hasRunIds('metrics')) {
    const name = runName ?? runId
    if (name === null) return result
    where = 'ral.run_name = ?'
    params = [name]
  } else {
    const identity = resolveRun(p, 'run_artifact_links', runName, runId)
    const [col, val] = identity ? [identity.column, identity.value] : runId !== null ? ['run_id', runId] : ['run_name', runName]
    if (val === null) return result
    where = `ral.${col} = ?`
    params = [val]
    if (col === 'run_id' && runName !== null) {
      const sameName = listRuns(p).filter((r) => r.name === runName).map((r) => r.id)
      if (sameName.length === 1 && sameName[0] === val) {
        withClause = `WITH valid_run_ids AS (
            SELECT DISTINCT run_id FROM metrics WHERE run_id IS NOT NULL
            UNION
            SELECT DISTINCT l.run_id FROM run_artifact_links l
            WHERE l.run_id IS NOT NULL AND l.run_name IS NOT NULL
              AND l.run_name NOT IN (SELECT run_name FROM metrics WHERE run_name IS NOT NULL)
              AND NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = l.run_id))`
        where = `(ral.run_id = ? OR (ral.run_name = ? AND (ral.run_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM valid_run_ids valid WHERE valid.run_id = ral.run_id))))`
        params = [val, runName]
      }
    }
  }
  const rows = p.db
    .query(
      `${withClause}
       SELECT ral.direction, MIN(ral.created_at) AS created_at, av.id AS version_id, av.version, av.size_bytes, a.name, a.type
       FROM run_artifact_links ral
       JOIN artifact_versions av ON av.id = ral.artifact_version_id
       JOIN artifacts a ON a.id = av.artifact_id
       WHERE ${where}
       GROUP BY ral.direction, av.id
       ORDER BY created_at`,
    )
    .all(...params) as Row[]
  for (const r of rows) {
    const dir = text(r.direction)
    if (dir !== 'input' && dir !== 'output') continue
    result[dir].push({
      version_id: num(r.version_id),
      name: text(r.name),
      type: text(r.type),
      version: num(r.version),
      size_bytes: num(r.size_bytes),
      created_at: text(r.created_at),
    })
  }
  return result
}

/** Runs that used a version as input, oldest first (get_artifact_consumers). */
export function artifactConsumers(p: ProjectDb, versionId: number | bigint): Rec[] {
  if (!p.hasTable('run_artifact_links')) return []
  const rows = p.db
    .query(`SELECT run_name, run_id, created_at FROM run_artifact_links WHERE artifact_version_id = ? AND direction = 'input' ORDER BY created_at`)
    .values(versionId)
  return rows.map(([name, id, created]) => ({ run_name: text(name), run_id: text(id), created_at: text(created) }))
}

export const MAX_LINEAGE_NODES = 1000
export const MAX_LINEAGE_EDGES = 5000
export const MAX_LINEAGE_LINK_ROWS = 10_000
const IN_CHUNK = 500

interface LinkRow {
  id: number
  runId: string | null
  runName: string | null
  versionId: number
  direction: string
  createdAt: string | null
}

/**
 * The connected component of the run/artifact-version graph around one version
 * (get_artifact_lineage): nodes `art:{id}` and `run:{run_id}` (or `run:name:{name}`), edges run→art
 * for outputs and art→run for inputs, bounded by node, edge and link-row budgets (`truncated`).
 */
export function artifactLineage(p: ProjectDb, versionId: number): JsonResult {
  const focus = `art:${versionId}`
  const empty = { focus, truncated: false, nodes: [], edges: [] }
  if (!p.hasTable('run_artifact_links') || !hasArtifactTables(p)) return empty
  let truncated = false
  let budgetHit = false
  let rowsRead = 0
  let nodeIds = new Set<string>([focus])
  const edgeMeta = new Map<string, { source: string; target: string; direction: string; createdAt: string | null }>()
  const runMeta = new Map<string, { runId: string | null; runName: string | null; createdAt: string | null }>()

  const queryLinks = (clause: string, params: (string | number | null)[]): LinkRow[] => {
    if (budgetHit) return []
    const remaining = MAX_LINEAGE_LINK_ROWS - rowsRead
    if (remaining <= 0) {
      truncated = budgetHit = true
      return []
    }
    let rows = p.db
      .query(
        `SELECT id, run_id, run_name, artifact_version_id, direction, created_at FROM run_artifact_links
         WHERE direction IN ('input', 'output') AND (${clause}) ORDER BY id LIMIT ?`,
      )
      .values(...params, remaining + 1)
      .map(([id, rid, rname, vid, dir, created]) => ({
        id: Number(id),
        runId: text(rid),
        runName: text(rname),
        versionId: Number(vid),
        direction: String(dir),
        createdAt: text(created),
      }))
    if (rows.length > remaining) {
      rows = rows.slice(0, remaining)
      truncated = budgetHit = true
    }
    rowsRead += rows.length
    return rows
  }
  const linksForVersions = (ids: Set<number>): LinkRow[] => {
    const values = [...ids].sort((a, b) => a - b)
    const out: LinkRow[] = []
    for (let i = 0; i < values.length && !budgetHit; i += IN_CHUNK) {
      const chunk = values.slice(i, i + IN_CHUNK)
      out.push(...queryLinks(`artifact_version_id IN (${chunk.map(() => '?').join(',')})`, chunk))
    }
    return out
  }
  const linksForRuns = (identities: Identity[]): LinkRow[] => {
    const ids = [...new Set(identities.map(([i]) => i).filter((i): i is string => i !== null))].sort(byCodePoint)
    const names = [...new Set(identities.map(([, n]) => n).filter((n): n is string => n !== null))].sort(byCodePoint)
    const includeNull = identities.some(([i, n]) => i === null && n === null)
    const size = IN_CHUNK / 2
    const count = Math.max(ids.length, names.length, includeNull ? 1 : 0)
    const out: LinkRow[] = []
    for (let start = 0; start < count && !budgetHit; start += size) {
      const idChunk = ids.slice(start, start + size)
      const nameChunk = names.slice(start, start + size)
      const clauses: string[] = []
      if (idChunk.length) clauses.push(`run_id IN (${idChunk.map(() => '?').join(',')})`)
      if (nameChunk.length) clauses.push(`run_name IN (${nameChunk.map(() => '?').join(',')})`)
      if (start === 0 && includeNull) clauses.push('(run_id IS NULL AND run_name IS NULL)')
      if (clauses.length) out.push(...queryLinks(clauses.join(' OR '), [...idChunk, ...nameChunk]))
    }
    return out
  }
  const mapsOf = (rows: LinkRow[]): IdentityMaps => identityMaps(p, rows.map((r) => [r.runId, r.runName]))
  const runKeyOf = (r: LinkRow, m: IdentityMaps): [string, string | null] => {
    const id = canonicalRunId(r.runId, r.runName, m)
    return [id !== null ? `run:${id}` : `run:name:${r.runName}`, id]
  }

  let frontier = new Set<number>([versionId])
  const expandedArtifacts = new Set<number>()
  const expandedRuns = new Set<string>()
  let stop = false
  while (frontier.size && !stop) {
    for (const a of expandedArtifacts) frontier.delete(a)
    if (!frontier.size) break
    for (const a of frontier) expandedArtifacts.add(a)
    const artifactRows = linksForVersions(frontier)
    if (!artifactRows.length) break
    const preliminary = mapsOf(artifactRows)
    const seeds = artifactRows.filter((r) => !expandedRuns.has(runKeyOf(r, preliminary)[0]))
    if (!seeds.length) {
      frontier = new Set()
      continue
    }
    const runRows = budgetHit ? [] : linksForRuns(seeds.map((r) => [r.runId, r.runName]))
    const stage = new Map<number, LinkRow>()
    for (const r of [...artifactRows, ...runRows]) stage.set(r.id, r)
    const stageRows = [...stage.values()]
    const maps = mapsOf(stageRows)
    const allowed = new Set(seeds.map((r) => runKeyOf(r, maps)[0]).filter((k) => !expandedRuns.has(k)))
    for (const k of allowed) expandedRuns.add(k)
    const next = new Set<number>()
    stageRows.sort((a, b) => byCodePoint(a.createdAt ?? '', b.createdAt ?? '') || a.id - b.id)
    for (const r of stageRows) {
      const [runKey, runId] = runKeyOf(r, maps)
      if (!allowed.has(runKey)) continue
      const artKey = `art:${r.versionId}`
      const fresh = [runKey, artKey].filter((k) => !nodeIds.has(k))
      if (nodeIds.size + new Set(fresh).size > MAX_LINEAGE_NODES) {
        truncated = stop = true
        break
      }
      const [source, target] = r.direction === 'output' ? [runKey, artKey] : [artKey, runKey]
      const edgeKey = JSON.stringify([source, target, r.direction])
      if (!edgeMeta.has(edgeKey) && edgeMeta.size >= MAX_LINEAGE_EDGES) {
        truncated = stop = true
        break
      }
      for (const k of fresh) nodeIds.add(k)
      if (!expandedArtifacts.has(r.versionId)) next.add(r.versionId)
      const meta = runMeta.get(runKey)
      if (!meta || (r.createdAt ?? '') < (meta.createdAt ?? '')) runMeta.set(runKey, { runId, runName: r.runName, createdAt: r.createdAt })
      const edge = edgeMeta.get(edgeKey)
      if (!edge || (r.createdAt ?? '') < (edge.createdAt ?? '')) edgeMeta.set(edgeKey, { source, target, direction: r.direction, createdAt: r.createdAt })
    }
    frontier = next
    if (budgetHit) stop = true
  }

  const versionIds = [...nodeIds].filter((k) => k.startsWith('art:')).map((k) => Number(k.slice(4))).sort((a, b) => a - b)
  const marks = versionIds.map(() => '?').join(',')
  const versionRows = p.db
    .query(
      `SELECT av.id, av.version, av.size_bytes, av.created_at, av.producer_run_id, av.producer_run_name,
              json_array_length(av.manifest) AS num_files, a.name, a.type
       FROM artifact_versions av JOIN artifacts a ON a.id = av.artifact_id WHERE av.id IN (${marks})`,
    )
    .all(...versionIds) as Row[]
  const aliasRows = p.db
    .query(`SELECT artifact_version_id, alias FROM artifact_aliases WHERE artifact_version_id IN (${marks}) ORDER BY alias`)
    .values(...versionIds)
  const aliases = new Map<number, (string | null)[]>()
  for (const [vid, alias] of aliasRows) {
    const list = aliases.get(Number(vid)) ?? []
    list.push(text(alias))
    aliases.set(Number(vid), list)
  }
  const hydrated = new Set(versionRows.map((r) => Number(r.id)))
  if (!hydrated.has(versionId)) return empty
  const runKeys = [...runMeta.keys()].filter((k) => nodeIds.has(k))
  nodeIds = new Set([...[...hydrated].map((v) => `art:${v}`), ...runKeys])
  const nodes: Rec[] = versionRows
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((r) => ({
      id: `art:${Number(r.id)}`,
      kind: 'artifact',
      version_id: num(r.id),
      artifact_name: text(r.name),
      artifact_type: text(r.type),
      version: num(r.version),
      aliases: aliases.get(Number(r.id)) ?? [],
      size_bytes: num(r.size_bytes),
      num_files: num(r.num_files),
      created_at: text(r.created_at),
      producer_run_id: text(r.producer_run_id),
      producer_run_name: text(r.producer_run_name),
    }))
  for (const key of runKeys.sort(byCodePoint)) {
    const m = runMeta.get(key)!
    nodes.push({ id: key, kind: 'run', run_id: m.runId, run_name: m.runName, created_at: m.createdAt })
  }
  const edges = [...edgeMeta.values()]
    .sort(
      (a, b) =>
        byCodePoint(a.createdAt ?? '', b.createdAt ?? '') ||
        byCodePoint(a.source, b.source) ||
        byCodePoint(a.target, b.target) ||
        byCodePoint(a.direction, b.direction),
    )
    .filter((e) => nodeIds.has(e.source) && nodeIds.has(e.target))
    .map((e) => ({ source: e.source, target: e.target, direction: e.direction, created_at: e.createdAt }))
  return { focus, truncated, nodes, edges } as unknown as JsonResult
}
