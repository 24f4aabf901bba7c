import { NotFoundError } from '../errors'
import type { ProjectDb, Storage } from '../storage/db/connection'
import { runKeys } from '../storage/read/metrics'
import { listRuns, resolveRun, type RunFilter, type RunRecord } from '../storage/read/runs'
import { readSeries } from './series'
import { aggregate, type Aggregates } from './stats'

/** A run picked by name or id, with the filter that selects its metric rows. */
export interface PickedRun {
  name: string
  id: string | null
  filter: RunFilter
}

/** Up to `n` of `candidates` closest to `name` (shared prefix, then edit distance), for "did you mean". */
export function closest(name: string, candidates: string[], n = 5): string[] {
  const lower = name.toLowerCase()
  const score = (c: string): number => {
    const l = c.toLowerCase()
    if (l === lower) return 0
    if (l.includes(lower) || lower.includes(l)) return 1
    return 2 + editDistance(lower.slice(0, 40), l.slice(0, 40))
  }
  return [...new Set(candidates)]
    .map((c) => [c, score(c)] as const)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([c]) => c)
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]!
}

/** The project's database, or a 404 that names the project and suggests existing ones. */
export function requireProject(storage: Storage, project: string): ProjectDb {
  const p = storage.project(project)
  if (p) return p
  const near = closest(project, storage.listProjects())
  throw new NotFoundError(`Project '${project}' not found${near.length ? `; projects: ${near.join(', ')}` : ' (the data directory has no projects)'}`)
}

function filterOf(p: ProjectDb, r: RunRecord): RunFilter {
  return p.hasRunIds('metrics') && r.id !== null ? { column: 'run_id', value: r.id } : { column: 'run_name', value: r.name }
}

/**
 * Runs named in `names` (each the latest-created run of that name, as every read resolves names)
 * and in `ids`, in that order, without repeats. An unknown name or id is a 404 listing the closest.
 */
export function pickRuns(p: ProjectDb, names: string[], ids: string[]): PickedRun[] {
  const runs = listRuns(p)
  const out: PickedRun[] = []
  const seen = new Set<string>()
  const add = (r: RunRecord) => {
    const key = r.id ?? `name:${r.name}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({ name: r.name, id: r.id, filter: filterOf(p, r) })
  }
  for (const name of names) {
    const f = resolveRun(p, 'metrics', name, null)
    const r = f && runs.find((x) => (f.column === 'run_id' ? x.id === f.value : x.name === f.value))
    if (!r) {
      const near = closest(name, runs.map((x) => x.name))
      throw new NotFoundError(`Run '${name}' not found in project '${p.paths.stem}'${near.length ? `; runs: ${near.join(', ')}` : ''}`)
    }
    add(r)
  }
  for (const id of ids) {
    const r = runs.find((x) => x.id === id)
    if (!r) throw new NotFoundError(`Run id '${id}' not found in project '${p.paths.stem}'`)
    add(r)
  }
  return out
}

/** Every run of the project as a PickedRun, in creation order. */
export function allRuns(p: ProjectDb): (PickedRun & { created_at: string | null })[] {
  return listRuns(p).map((r) => ({ name: r.name, id: r.id, created_at: r.created_at, filter: filterOf(p, r) }))
}

/** Metric names of a run (code-point order; `timestamp`/`step` excluded). */
export function metricNames(p: ProjectDb, run: PickedRun): string[] {
  return runKeys(p, 'metrics', run.filter, ['timestamp', 'step'])
}

/**
 * Aggregates of one metric over a whole run, memoised until the database changes. Null when the
 * run has no numeric value of that metric (nothing is memoised then, so unknown names cost nothing).
 */
export function metricAggregates(p: ProjectDb, run: PickedRun, metric: string): Aggregates | null {
  const key = `agg:${run.filter.column}:${run.filter.value}:${metric}`
  const known = p.memo<Map<string, Aggregates>>('analysis:aggregates', () => new Map())
  const hit = known.get(key)
  if (hit) return hit
  const s = readSeries(p, run.filter, metric)
  if (s.values.length === 0) return null
  const a = aggregate(s.steps, s.values)
  known.set(key, a)
  return a
}
