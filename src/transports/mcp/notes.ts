import { closest } from '../../analysis/runs'
import { JsonRecords, type JsonResult } from '../../json/values'
import { listRuns, resolveRun } from '../../storage/read/runs'
import { runKeys } from '../../storage/read/metrics'
import type { ToolContext, ToolDef } from '../../tools/core/define'

/**
 * A sentence for an agent reading an MCP answer: why an answer is empty (an unknown project, run or
 * metric, with the closest names) and which default a filter fell back to. The structured value
 * stays Trackio's; only the text says more.
 */

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

function field(value: JsonResult, key: string): unknown {
  if (value instanceof Map) return value.get(key)
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined
}

function isEmpty(value: JsonResult): boolean {
  if (value instanceof JsonRecords) return value.length === 0
  if (Array.isArray(value)) return value.length === 0
  return field(value, 'num_logs') === 0 || field(value, 'num_runs') === 0
}

/** Rows in a list answer, or points in a get_snapshot answer (metric → points). */
function rowCount(value: JsonResult): number | null {
  if (value instanceof JsonRecords || Array.isArray(value)) return value.length
  if (value instanceof Map) {
    let n = 0
    for (const v of value.values()) if (Array.isArray(v)) n += v.length
    return n
  }
  return null
}

const list = (names: string[]): string => names.map((n) => `'${n}'`).join(', ')

/** Why nothing came back, when a name given does not exist. */
export function missNote(ctx: ToolContext, args: Readonly<Record<string, unknown>>): string | null {
  const project = str(args.project)
  if (project === null) return null
  const p = ctx.storage.project(project)
  if (!p) {
    const near = closest(project, ctx.storage.listProjects(), 3)
    return `Project '${project}' does not exist${near.length ? `; closest projects: ${list(near)}` : ' (the data directory has no projects)'}.`
  }
  return p.read(() => {
    const run = str(args.run)
    const runId = str(args.run_id)
    if (run === null && runId === null) return null
    const f = resolveRun(p, 'metrics', run, runId)
    const runs = listRuns(p)
    const found = f && runs.some((r) => (f.column === 'run_id' ? r.id === f.value : r.name === f.value))
    if (!found) {
      const near = closest(run ?? runId ?? '', runs.map((r) => r.name), 3)
      return `${runId !== null ? `Run id '${runId}'` : `Run '${run}'`} does not exist in project '${project}'${near.length ? `; closest runs: ${list(near)}` : ' (it has no runs with metrics)'}.`
    }
    const metric = str(args.metric_name)
    if (metric === null) return null
    const keys = runKeys(p, 'metrics', f!, ['timestamp', 'step'])
    if (keys.includes(metric)) return null
    const near = closest(metric, keys, 3)
    return `Run '${run ?? runId}' has no metric '${metric}'${near.length ? `; closest metrics: ${list(near)}` : ''}.`
  })
}

/** Which filter a row query fell back to, when the arguments leave it open. */
export function filterNote(tool: ToolDef, args: Readonly<Record<string, unknown>>, rows: number | null): string | null {
  if (rows === null || (tool.name !== 'get_metric_values' && tool.name !== 'get_snapshot')) return null
  const given = (k: string) => args[k] !== undefined && args[k] !== null
  if (given('step')) return null
  if (given('around_step') && !given('window'))
    return `around_step was given without window, so every row of the run is returned (${rows} rows); pass window for the steps around it.`
  if (tool.name === 'get_snapshot' && !given('around_step') && !given('at_time'))
    return `No step, around_step or at_time was given: every row of the run is returned (${rows} rows).`
  return null
}

/** The note for one answer: the reason it is empty, else the filter default it used. */
export function answerNote(ctx: ToolContext, tool: ToolDef, args: Readonly<Record<string, unknown>>, value: JsonResult): string | null {
  if (tool.access !== 'read') return null
  if (isEmpty(value)) {
    const miss = missNote(ctx, args)
    if (miss) return miss
  }
  return filterNote(tool, args, rowCount(value))
}
