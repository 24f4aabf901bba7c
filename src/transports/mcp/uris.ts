import { canonicalProjectName } from '../../storage/db/paths'

/** The resources this server offers, by URI (every name segment percent-encoded). */
export const PROJECTS_URI = 'trackio://projects'
export const RUNS_TEMPLATE = 'trackio://projects/{project}/runs'
export const RUN_TEMPLATE = 'trackio://projects/{project}/runs/{run}'
export const METRIC_TEMPLATE = 'trackio://projects/{project}/runs/{run}/metrics/{metric}'

export type ResourceRef =
  | { kind: 'projects' }
  | { kind: 'runs'; project: string }
  | { kind: 'run'; project: string; run: string }
  | { kind: 'metric'; project: string; run: string; metric: string }

const enc = encodeURIComponent

export function runsUri(project: string): string {
  return `${PROJECTS_URI}/${enc(project)}/runs`
}
export function runUri(project: string, run: string): string {
  return `${runsUri(project)}/${enc(run)}`
}
export function metricUri(project: string, run: string, metric: string): string {
  return `${runUri(project, run)}/metrics/${enc(metric)}`
}

/** A resource URI → what it names; null when it is not one of ours (or a segment is badly encoded). */
export function parseUri(uri: string): ResourceRef | null {
  if (uri === PROJECTS_URI || uri === `${PROJECTS_URI}/`) return { kind: 'projects' }
  if (!uri.startsWith(`${PROJECTS_URI}/`)) return null
  const parts = uri.slice(PROJECTS_URI.length + 1).split('/')
  let dec: string[]
  try {
    dec = parts.map((p) => decodeURIComponent(p))
  } catch {
    return null
  }
  if (dec.some((d) => d === '')) return null
  const [project, runs, run, metrics, metric] = dec as [string, string?, string?, string?, string?]
  if (runs !== 'runs') return null
  if (parts.length === 2) return { kind: 'runs', project }
  if (parts.length === 3) return { kind: 'run', project, run: run! }
  if (parts.length === 5 && metrics === 'metrics') return { kind: 'metric', project, run: run!, metric: metric! }
  return null
}

/** The project's stem, as the change feed names projects. */
export function stemOf(ref: ResourceRef): string | null {
  return ref.kind === 'projects' ? null : canonicalProjectName(ref.project)
}
