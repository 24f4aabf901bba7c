import { closest } from '../../analysis/runs'
import { NotFoundError } from '../../errors'
import { retryWhileLocked } from '../../storage/db/connection'
import { text } from '../../storage/db/decode'
import { listRuns, resolveRun } from '../../storage/read/runs'
import { uuid4Hex } from '../../storage/write/traces'
import type { ToolContext } from './define'

/**
 * The run an agent's write goes to (log_metrics, log_alert): a given run id, else the latest run of
 * that name (as reads resolve a name). A new run is made only when asked (`newRun`), with a fresh
 * id as Trackio makes them, never the name as an id, so a name-based read keeps finding the run it
 * found before. Anything else is a 404 naming the closest runs.
 */
export async function targetRunId(ctx: ToolContext, project: string, run: string, runId: string | null, newRun: boolean): Promise<string> {
  if (newRun) return runId ?? uuid4Hex()
  const { existing, known } = await retryWhileLocked(() => {
    const p = ctx.storage.project(project)
    if (!p) return { existing: null, known: [] as string[] }
    return p.read(() => {
      let existing: string | null = null
      if (runId !== null) existing = p.hasRunIds('metrics') && listRuns(p).some((r) => r.id === runId) ? runId : null
      else {
        const f = resolveRun(p, 'metrics', run, null)
        existing = f?.column === 'run_id' ? text(f.value) : null
      }
      return { existing, known: existing === null ? listRuns(p).map((r) => r.name) : [] }
    })
  })
  if (existing !== null) return existing
  const what = runId !== null ? `Run id '${runId}'` : `Run '${run}'`
  const hint = known.length ? ` Closest runs: ${closest(run, known, 3).map((n) => `'${n}'`).join(', ')}.` : ''
  throw new NotFoundError(`${what} does not exist in project '${project}'. Pass new_run: true to create a new run.${hint}`)
}
