import { z } from 'zod'
import { withFloats } from '../analysis/numbers'
import { metricAggregates, metricNames, pickRuns, requireProject, type PickedRun } from '../analysis/runs'
import { byStep, readSeries, type NumericSeries } from '../analysis/series'
import { AGGREGATES, directionOf, type Aggregates } from '../analysis/stats'
import { BadRequestError } from '../errors'
import { stringify } from '../json/serialize'
import type { Json, JsonObject } from '../json/values'
import type { ProjectDb } from '../storage/db/connection'
import { runConfig } from '../storage/read/metrics'
import { defineTool, projectArg } from './core/define'

/** Metrics compared when the caller names none: those every run has, first N in name order. */
export const DEFAULT_COMPARED_METRICS = 20
/** Consecutive common steps a difference must persist to count as divergence (fewer at the very end). */
export const DIVERGENCE_CONFIRM = 3

/**
 * The first step from which `other` differs from `ref` by more than `tolerance` x the reference's
 * finite range over the common steps, at that step and the next DIVERGENCE_CONFIRM - 1 common
 * steps (or every remaining one). A NaN/Inf on one side and a finite value on the other differ.
 */
export function firstDivergence(ref: NumericSeries, other: NumericSeries, tolerance: number): { step: number | null; common: number; ref: number | null; value: number | null } {
  const at = new Map<number, number>()
  for (let i = 0; i < ref.steps.length; i++) at.set(ref.steps[i]!, ref.values[i]!)
  const pairs: [number, number, number][] = []
  const seen = new Set<number>()
  for (let i = other.steps.length - 1; i >= 0; i--) {
    const s = other.steps[i]!
    if (seen.has(s) || !at.has(s)) continue
    seen.add(s)
    pairs.push([s, at.get(s)!, other.values[i]!])
  }
  pairs.reverse()
  let lo = Infinity
  let hi = -Infinity
  for (const [, r] of pairs)
    if (Number.isFinite(r)) {
      lo = Math.min(lo, r)
      hi = Math.max(hi, r)
    }
  const range = hi > lo ? hi - lo : Number.isFinite(lo) ? Math.max(Math.abs(lo), 1e-12) : 1
  const limit = tolerance * range
  const differs = ([, r, v]: [number, number, number]): boolean => {
    if (Number.isFinite(r) !== Number.isFinite(v)) return true
    if (!Number.isFinite(r)) return !Object.is(r, v) && !(Number.isNaN(r) && Number.isNaN(v))
    return Math.abs(v - r) > limit
  }
  for (let i = 0; i < pairs.length; i++) {
    if (!differs(pairs[i]!)) continue
    let held = true
    for (let j = i + 1; j < Math.min(pairs.length, i + DIVERGENCE_CONFIRM); j++) if (!differs(pairs[j]!)) held = false
    if (held) {
      const [step, r, v] = pairs[i]!
      return { step, common: pairs.length, ref: Number.isFinite(r) ? r : null, value: Number.isFinite(v) ? v : null }
    }
  }
  return { step: null, common: pairs.length, ref: null, value: null }
}

const EMPTY: Aggregates = { count: 0, nan_count: 0, inf_count: 0, first: null, last: null, last_step: null, min: null, min_step: null, max: null, max_step: null, mean: null }

const canonical = (v: Json | undefined): string => (v === undefined ? '\u0000missing' : stringify(v, {}))

/** Config keys whose values are not the same in every run (Trackio's `_`-prefixed keys left out). */
function configDiff(configs: (JsonObject | null)[]): { key: string; values: Json[] }[] {
  const keys: string[] = []
  for (const c of configs) for (const k of c?.keys() ?? []) if (!k.startsWith('_') && !keys.includes(k)) keys.push(k)
  const out: { key: string; values: Json[] }[] = []
  for (const key of keys) {
    const vals = configs.map((c) => c?.get(key))
    if (new Set(vals.map(canonical)).size > 1) out.push({ key, values: vals.map((v) => (v === undefined ? null : v)) })
  }
  return out
}

/** The run with the best last value for the metric's direction (null when unknown or none). */
function bestRun(metric: string, runs: PickedRun[], aggs: (Aggregates | null)[]): string | null {
  const dir = directionOf(metric)
  if (dir === 'unknown') return null
  let best = -1
  for (let i = 0; i < runs.length; i++) {
    const v = aggs[i]?.last
    if (v === null || v === undefined) continue
    const b = aggs[best]?.last
    if (best < 0 || (dir === 'lower' ? v < b! : v > b!)) best = i
  }
  return best < 0 ? null : runs[best]!.name
}

function commonMetrics(p: ProjectDb, runs: PickedRun[]): string[] {
  const sets = runs.map((r) => new Set(metricNames(p, r)))
  return [...sets[0]!].filter((m) => sets.every((s) => s.has(m))).slice(0, DEFAULT_COMPARED_METRICS)
}

export default defineTool({
  name: 'compare_runs',
  description:
    'Compare 2 or more runs in one call: the config keys that differ, each metric\'s summary side by side (last, min, max, mean, steps of min/max, NaN counts), ' +
    'which run is best on the last value, and the first step where each run diverges from the first run beyond a stated tolerance. ' +
    'Use it for "what differs between these runs" and "where do they diverge"; use get_metric_history to see the curves. Cost: reads each compared metric once per run; the answer is small.',
  notes:
    `Divergence: steps both runs logged are paired; the difference counts when it exceeds \`tolerance\` x the first run's value range over those steps, at that step and the next ${DIVERGENCE_CONFIRM - 1} common steps ` +
    "(a single noisy step is not a divergence). A NaN/Inf against a finite value differs. Without `metrics`, the metrics every run has are compared " +
    `(first ${DEFAULT_COMPARED_METRICS} by name). Trackio's \`_\`-prefixed config keys (_Created, _Username, _Group) are not diffed. "Best" follows the metric name (loss/error lower, acc/f1/reward higher) and is null when unknown.`,
  input: z.object({
    project: projectArg,
    runs: z.array(z.string()).max(20).default([]).describe('Run names (the latest-created run of each name); the first is the reference.'),
    metrics: z.array(z.string()).max(50).nullable().default(null).describe('Metrics to compare (default: those every run has).'),
    run_ids: z.array(z.string()).max(20).default([]).describe('Run ids, after the named runs.'),
    tolerance: z.number().min(0).max(100).default(0.05).describe("Divergence threshold as a fraction of the reference run's value range (default 0.05)."),
  }),
  output: z.object({
    project: z.string(),
    runs: z.array(z.object({ name: z.string(), id: z.string().nullable() })),
    config_diff: z.array(z.object({ key: z.string(), values: z.array(z.unknown()).describe('One value per run, in `runs` order (null: not set).') })),
    metrics: z.array(
      z.object({
        metric: z.string(),
        direction: z.enum(['lower', 'higher', 'unknown']),
        best_run: z.string().nullable(),
        summaries: z
          .array(z.object({ run: z.string(), run_id: z.string().nullable(), ...Object.fromEntries(AGGREGATES.map((k) => [k, z.number().nullable()])) }))
          .describe('One per run, in `runs` order; a run without the metric has count 0 and nulls.'),
        divergence: z.object({
          reference: z.string(),
          tolerance: z.number(),
          runs: z.array(
            z.object({ run: z.string(), run_id: z.string().nullable(), first_step: z.number().nullable(), common_steps: z.int(), reference_value: z.number().nullable(), value: z.number().nullable() }),
          ),
        }),
      }),
    ),
  }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  example: { project: 'mnist-classifier', runs: ['baseline', 'high-lr'] },
  handler: (a, ctx) => {
    const p = requireProject(ctx.storage, a.project)
    return withFloats(
      p.read(() => {
        const runs = pickRuns(p, a.runs, a.run_ids)
        if (runs.length < 2) throw new BadRequestError("Invalid value for 'runs': compare_runs needs at least two different runs (runs and/or run_ids)")
        const metrics = a.metrics ? [...new Set(a.metrics)] : commonMetrics(p, runs)
        const configs = runs.map((r) => runConfig(p, r.filter, r.name))
        return {
          project: a.project,
          runs: runs.map((r) => ({ name: r.name, id: r.id })),
          config_diff: configDiff(configs),
          metrics: metrics.map((metric) => {
            const aggs = runs.map((r) => metricAggregates(p, r, metric))
            const series = runs.map((r) => byStep(readSeries(p, r.filter, metric)))
            return {
              metric,
              direction: directionOf(metric),
              best_run: bestRun(metric, runs, aggs),
              summaries: runs.map((r, i) => ({ run: r.name, run_id: r.id, ...(aggs[i] ?? EMPTY) })),
              divergence: {
                reference: runs[0]!.name,
                tolerance: a.tolerance,
                runs: runs.slice(1).map((r, i) => {
                  const d = firstDivergence(series[0]!, series[i + 1]!, a.tolerance)
                  return { run: r.name, run_id: r.id, first_step: d.step, common_steps: d.common, reference_value: d.ref, value: d.value }
                }),
              },
            }
          }),
        }
      }),
    )
  },
})
