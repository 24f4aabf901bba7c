import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, type ReadResourceResult, type Resource, type ResourceTemplateType } from '@modelcontextprotocol/server'
import { stringify } from '../../json/serialize'
import type { ProjectDb } from '../../storage/db/connection'
import { alerts } from '../../storage/read/alerts'
import { metricValues, runConfig, runKeys, runStats } from '../../storage/read/metrics'
import { listRuns, resolveRun } from '../../storage/read/runs'
import type { ToolContext } from '../../tools/core/define'
import { closest } from './completion'
import { downsample } from './series'
import { METRIC_TEMPLATE, metricUri, parseUri, type ResourceRef, PROJECTS_URI, RUN_TEMPLATE, runsUri, RUNS_TEMPLATE, runUri } from './uris'

/** Points in a metric resource at most (the series is downsampled, extrema kept, beyond it). */
export const RESOURCE_MAX_POINTS = 500
/** resources/list page size. */
export const RESOURCES_PAGE = 200

const JSON_TYPE = 'application/json'

export const RESOURCE_TEMPLATES: ResourceTemplateType[] = [
  {
    uriTemplate: RUNS_TEMPLATE,
    name: 'runs',
    title: 'Runs of a project',
    description: 'Every run of a project: id, name, creation time. Subscribe to hear when runs are created, renamed or deleted.',
    mimeType: JSON_TYPE,
  },
  {
    uriTemplate: RUN_TEMPLATE,
    name: 'run',
    title: 'Run summary',
    description: 'One run (the latest of that name): rows logged, last step, metric names, config, alerts. Subscribe to hear about new steps and alerts.',
    mimeType: JSON_TYPE,
  },
  {
    uriTemplate: METRIC_TEMPLATE,
    name: 'metric',
    title: 'Metric series',
    description: `One metric of a run as columns (steps, values), at most ${RESOURCE_MAX_POINTS} points: longer series are downsampled keeping each bucket's min and max and the first and last points; NaN/Inf are counted and the first one kept.`,
    mimeType: JSON_TYPE,
  },
]

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: JSON_TYPE, text: stringify(value as never) }] }
}

function missing(uri: string, what: string, name: string, known: string[]): never {
  const near = closest(known, name)
  throw new ResourceNotFoundError(uri, `Resource not found: no ${what} '${name}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : ''}`)
}

/** The projects resource, one runs resource per project and one summary per run; paged. */
export function listResources(ctx: ToolContext, cursor: string | undefined): { resources: Resource[]; nextCursor?: string } {
  const start = cursor === undefined ? 0 : Number(cursor)
  if (!Number.isSafeInteger(start) || start < 0) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid cursor '${cursor}'`)
  const out: Resource[] = []
  let index = 0
  const push = (r: () => Resource): boolean => {
    if (index >= start && out.length < RESOURCES_PAGE) out.push(r())
    index++
    return out.length < RESOURCES_PAGE
  }
  push(() => ({ uri: PROJECTS_URI, name: 'projects', title: 'Projects', description: 'Every project in the data directory.', mimeType: JSON_TYPE }))
  for (const project of ctx.storage.listProjects()) {
    if (!push(() => ({ uri: runsUri(project), name: `${project} runs`, mimeType: JSON_TYPE }))) break
    let runs: { name: string }[] = []
    try {
      const p = ctx.storage.project(project)
      runs = p ? p.read(() => listRuns(p)) : []
    } catch {
      runs = [] // A locked or broken project still lists itself; reading it says what is wrong.
    }
    const names = [...new Set(runs.map((r) => r.name))]
    let more = true
    for (const run of names) {
      more = push(() => ({ uri: runUri(project, run), name: `${project}/${run}`, mimeType: JSON_TYPE }))
      if (!more) break
    }
    if (!more) break
  }
  return index > start + out.length ? { resources: out, nextCursor: String(start + out.length) } : { resources: out }
}

export function readResource(ctx: ToolContext, uri: string): ReadResourceResult {
  const ref = parseUri(uri)
  if (!ref) throw new ResourceNotFoundError(uri, `Resource not found: '${uri}' is not a Trackio resource (see resources/templates/list)`)
  if (ref.kind === 'projects') return json(uri, { projects: ctx.storage.listProjects() })
  const p = ctx.storage.project(ref.project)
  if (!p) missing(uri, 'project', ref.project, ctx.storage.listProjects())
  // A miss is thrown outside the read transaction (the storage layer maps errors raised inside it).
  const answer = p.read(() => {
    try {
      return readIn(p, ref, uri)
    } catch (err) {
      if (err instanceof ProtocolError) return err
      throw err
    }
  })
  if (answer instanceof ProtocolError) throw answer
  return answer
}

function readIn(p: ProjectDb, ref: Exclude<ResourceRef, { kind: 'projects' }>, uri: string): ReadResourceResult {
  const runs = listRuns(p)
  if (ref.kind === 'runs') return json(uri, { project: ref.project, runs })
  const f = resolveRun(p, 'metrics', ref.run, null)
  const stats = f ? runStats(p, f) : { count: 0, lastStep: null }
  if (!f || !runs.some((r) => r.name === ref.run)) missing(uri, `run in project '${ref.project}'`, ref.run, runs.map((r) => r.name))
  const metrics = runKeys(p, 'metrics', f, ['timestamp', 'step'])
  if (ref.kind === 'run') {
    const af = resolveRun(p, 'alerts', ref.run, null)
    const runAlerts = af ? alerts(p, { run: af, level: null, since: null }) : []
    const byLevel: Record<string, number> = {}
    for (const a of runAlerts) byLevel[a.level ?? 'unknown'] = (byLevel[a.level ?? 'unknown'] ?? 0) + 1
    return json(uri, {
      project: ref.project,
      run: ref.run,
      run_id: f.column === 'run_id' ? f.value : null,
      num_logs: stats.count,
      last_step: stats.lastStep,
      metrics,
      metric_uris: metrics.slice(0, 100).map((m) => metricUri(ref.project, ref.run, m)),
      config: runConfig(p, f, ref.run),
      alerts: { count: runAlerts.length, by_level: byLevel, latest: runAlerts[0] ?? null },
    })
  }
  if (!metrics.includes(ref.metric)) missing(uri, `metric in run '${ref.run}'`, ref.metric, metrics)
  const series = downsample(metricValues(p, f, ref.metric, { kind: 'all' }), RESOURCE_MAX_POINTS)
  return json(uri, { project: ref.project, run: ref.run, metric: ref.metric, ...series })
}
