import { z } from 'zod'
import { allRuns } from '../analysis/runs'
import { runConfig, runStats } from '../storage/read/metrics'
import { lastValues } from '../storage/read/last-values'
import { chartKeys } from '../storage/read/nested'
import { traceSteps } from '../storage/read/traces'
import { defineTool, looseObject, projectArg } from './core/define'
import { readProject } from './core/read-project'

/** Last values as JSON: NaN and ±Infinity become null, as every answer carries them. */
function finite(values: Map<string, number>): Map<string, number | null> {
  const out = new Map<string, number | null>()
  for (const [k, v] of values) out.set(k, Number.isFinite(v) ? v : null)
  return out
}

export default defineTool({
  name: 'get_runs_overview',
  description:
    'Every run of a project in one call, as a dashboard lists them: id, name, created_at, number of logged rows, last step, config, the metric names a chart can draw with each one\'s last value, and how many traces it logged.',
  notes:
    '`metrics` holds the top-level keys with a numeric value (NaN/Infinity included) and, for nested dicts, each numeric leaf named by its keys joined with `/` ' +
    '(`{"val": {"loss": 1.0}}` gives `val/loss`; a top-level key of the same name wins). Those names work in get_metric_history, list_runs, compare_runs, ' +
    'diagnose_run and plot_metrics. `last_values` maps each of those names to its value at the highest step the run logged it at ' +
    '(of several rows at that step, the last in timestamp order: the last point of get_metric_history), `null` when that value is NaN or ±Infinity. ' +
    'Trackio typed values (media, histograms, tables) and list items are not metrics. Runs in creation order; unknown project: no runs.',
  input: z.object({ project: projectArg }),
  output: z.object({
    project: z.string(),
    runs: z.array(
      z.object({
        id: z.string().nullable(),
        name: z.string(),
        created_at: z.string().nullable(),
        num_logs: z.int(),
        last_step: z.int().nullable(),
        config: looseObject.nullable(),
        metrics: z.array(z.string()),
        last_values: z
          .record(z.string(), z.number().nullable())
          .describe('Each metric\'s value at the highest step holding it (NaN and ±Infinity as null), in `metrics` order.'),
        traces: z.int().describe('Traces (trackio.Trace) the run logged; get_traces lists them.'),
      }),
    ),
  }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  httpOnly: true,
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) =>
    readProject(ctx, project, { project, runs: [] }, (p) => ({
      project,
      runs: allRuns(p).map((r) => {
        const stats = runStats(p, r.filter)
        const keys = stats.count ? chartKeys(p, r.filter) : { numeric: [], nested: new Map() }
        return {
          id: r.id,
          name: r.name,
          created_at: r.created_at,
          num_logs: stats.count,
          last_step: stats.lastStep,
          config: runConfig(p, r.filter, r.name),
          metrics: [...keys.numeric, ...keys.nested.keys()],
          last_values: finite(lastValues(p, r.filter, keys)),
          traces: traceSteps(p, r.name, r.id).total,
        }
      }),
    })),
})
