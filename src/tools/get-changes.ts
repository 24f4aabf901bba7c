import { z } from 'zod'
import { decodeCursor, diffRuns, encodeCursor, runSignature, type Cursor, type ProjectMark } from '../analysis/changes'
import { BadRequestError } from '../errors'
import { canonicalProjectName } from '../storage/db/paths'
import { isoNow } from '../storage/db/timestamps'
import { alertsSince, marks, metricsSince } from '../storage/read/changes'
import { listRuns } from '../storage/read/runs'
import type { ProjectDb } from '../storage/db/connection'
import { defineTool } from './core/define'

/** Most entries listed per kind and project (counts are always complete). */
export const MAX_LISTED = 50
export const MAX_LISTED_ALERTS = 20

const step = z.number().nullable()
const projectChanges = z.object({
  project: z.string(),
  status: z.enum(['changed', 'new_project', 'deleted_project', 'reset']).describe('`reset`: the database was replaced or rewound; everything in it is reported as new.'),
  new_runs: z.array(z.object({ name: z.string(), id: z.string().nullable(), created_at: z.string().nullable() })),
  new_run_count: z.int(),
  new_steps: z.array(z.object({ run: z.string(), run_id: z.string().nullable(), from_step: step, to_step: step, points: z.int() })).describe('Per run with new metric rows: the steps they cover.'),
  new_step_run_count: z.int(),
  new_alerts: z.array(z.object({ timestamp: z.string().nullable(), run: z.string().nullable(), title: z.string().nullable(), level: z.string().nullable(), step })),
  new_alert_count: z.int(),
  renamed_runs: z.array(z.object({ id: z.string().nullable(), name: z.string() })).describe('Runs whose name changed (current name).'),
  deleted_runs: z.array(z.string()).describe('First 8 characters of the ids of runs that are gone.'),
  runs_changed_untracked: z.boolean().describe('The run set changed in a way the cursor could not detail (projects with more than 500 runs).'),
})

function markOf(p: ProjectDb): ProjectMark {
  const m = marks(p)
  return { ...m, runs: runSignature(listRuns(p)) }
}

function changesOf(project: string, p: ProjectDb, before: ProjectMark | undefined) {
  const now = marks(p)
  let status: 'changed' | 'new_project' | 'reset' = before ? 'changed' : 'new_project'
  let base = before ?? { metrics: 0, alerts: 0, runs: [] }
  if (before && (now.metrics < before.metrics || now.alerts < before.alerts)) {
    status = 'reset'
    base = { metrics: 0, alerts: 0, runs: [] }
  }
  const steps = metricsSince(p, base.metrics)
  const fresh = steps.filter((s) => s.new_run)
  const al = alertsSince(p, base.alerts, MAX_LISTED_ALERTS)
  const runs = listRuns(p)
  const diff = before && status === 'changed' ? diffRuns(base.runs, runs) : { renamed: [], deleted: [], changed_untracked: false }
  const changed = status !== 'changed' || steps.length > 0 || al.count > 0 || diff.renamed.length > 0 || diff.deleted.length > 0 || diff.changed_untracked
  if (!changed) return null
  const num = (v: number | bigint | null) => (v === null ? null : Number(v))
  return {
    project,
    status,
    new_runs: fresh.slice(0, MAX_LISTED).map((s) => ({ name: s.run, id: s.run_id, created_at: s.created_at })),
    new_run_count: fresh.length,
    new_steps: steps.slice(0, MAX_LISTED).map((s) => ({ run: s.run, run_id: s.run_id, from_step: num(s.from_step), to_step: num(s.to_step), points: s.points })),
    new_step_run_count: steps.length,
    new_alerts: al.alerts.map((x) => ({ timestamp: x.timestamp, run: x.run, title: x.title, level: x.level, step: num(x.step) })),
    new_alert_count: al.count,
    renamed_runs: diff.renamed.slice(0, MAX_LISTED),
    deleted_runs: diff.deleted.slice(0, MAX_LISTED),
    runs_changed_untracked: diff.changed_untracked,
  }
}

export default defineTool({
  name: 'get_changes',
  description:
    'What changed since you last looked: new projects and runs, new steps per run (from/to), new alerts, renamed or deleted runs. ' +
    'Call it once without `cursor` to get a cursor for "now" and a short summary of every project; later pass that cursor to get only what is new, plus the next cursor. ' +
    'Use it to watch training without re-reading data. Cost: a few indexed queries per project; the answer lists at most 50 entries per kind (counts are complete).',
  notes:
    'The cursor is opaque, self-contained and survives server restarts: it holds per-project high-water marks (the largest metrics and alerts row ids, which only grow) and a short signature of the run set. ' +
    'A cursor made for one `project` must be used with the same `project` (or both without). A database that was replaced or rewound since the cursor is reported with status `reset` and its full contents as new.',
  input: z.object({
    project: z.string().nullable().default(null).describe('Watch one project (default: every project of the data directory).'),
    cursor: z.string().nullable().default(null).describe('`cursor` from the previous get_changes answer; omit on the first call.'),
  }),
  output: z.object({
    cursor: z.string().describe('Pass it on the next call.'),
    since: z.string().nullable().describe('When the given cursor was made (null on the first call).'),
    now: z.string(),
    changed: z.boolean(),
    projects: z.array(projectChanges).describe('Projects with changes since the cursor (empty on the first call).'),
    summary: z
      .array(z.object({ project: z.string(), runs: z.int(), latest_run: z.string().nullable(), latest_run_created_at: z.string().nullable() }))
      .nullable()
      .describe('First call only: every watched project with its run count and newest run.'),
  }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  example: { project: 'mnist-classifier' },
  handler: (a, ctx) => {
    const before: Cursor | null = a.cursor === null ? null : decodeCursor(a.cursor)
    const scope = a.project === null ? null : canonicalProjectName(a.project)
    if (before && before.scope !== scope)
      throw new BadRequestError(`Invalid value for 'cursor': it was made for ${before.scope === null ? 'every project' : `project '${before.scope}'`}, not ${scope === null ? 'every project' : `project '${scope}'`}`)
    const stems = scope === null ? ctx.storage.listProjects() : [scope]
    const now = isoNow()
    const next: Cursor = { time: now, scope, projects: new Map() }
    const projects: z.infer<typeof projectChanges>[] = []
    const summary: { project: string; runs: number; latest_run: string | null; latest_run_created_at: string | null }[] = []
    for (const stem of stems) {
      const p = ctx.storage.project(stem)
      if (!p) continue
      p.read(() => {
        next.projects.set(stem, markOf(p))
        if (!before) {
          const runs = listRuns(p)
          const latest = runs[runs.length - 1]
          summary.push({ project: stem, runs: runs.length, latest_run: latest?.name ?? null, latest_run_created_at: latest?.created_at ?? null })
        } else {
          const c = changesOf(stem, p, before.projects.get(stem))
          if (c) projects.push(c)
        }
      })
    }
    if (before)
      for (const stem of before.projects.keys())
        if (!next.projects.has(stem))
          projects.push({
            project: stem,
            status: 'deleted_project' as const,
            new_runs: [],
            new_run_count: 0,
            new_steps: [],
            new_step_run_count: 0,
            new_alerts: [],
            new_alert_count: 0,
            renamed_runs: [],
            deleted_runs: [],
            runs_changed_untracked: false,
          })
    return { cursor: encodeCursor(next), since: before?.time ?? null, now, changed: projects.length > 0, projects, summary: before ? null : summary }
  },
})
