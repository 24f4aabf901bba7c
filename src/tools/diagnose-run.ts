import { z } from 'zod'
import { withFloats } from '../analysis/numbers'
import { nonFinite } from '../analysis/downsample'
import { metricNames, pickRuns, requireProject } from '../analysis/runs'
import { byStep, numberOf, readSeries } from '../analysis/series'
import { aggregate, directionOf, MAX_SPIKES, spikes, trend, type Direction } from '../analysis/stats'
import { systemFindings } from '../analysis/system'
import { BadRequestError } from '../errors'
import { alerts } from '../storage/read/alerts'
import { resolveRun } from '../storage/read/runs'
import { systemRows } from '../storage/read/system'
import { defineTool, projectArg } from './core/define'

/** Metrics diagnosed when the caller names none (the run's numeric metrics, by name). */
export const DEFAULT_DIAGNOSED_METRICS = 30
/** Latest alerts listed (the summary counts them all). */
export const LATEST_ALERTS = 5

const num = z.number().nullable()
const TRENDS = ['improving', 'plateaued', 'diverging', 'oscillating', 'insufficient_data'] as const

function best(direction: Direction, a: ReturnType<typeof aggregate>): { value: number | null; step: number | null } {
  if (direction === 'higher') return { value: a.max, step: a.max_step }
  if (direction === 'lower') return { value: a.min, step: a.min_step }
  return { value: null, step: null }
}

export default defineTool({
  name: 'diagnose_run',
  description:
    'Health check of one run in one call: per metric the trend (improving / plateaued / diverging / oscillating), spikes (step and size, robust rolling median + MAD), ' +
    'the first NaN/Inf, best vs last value; GPU system metrics near their limits (memory, utilisation, temperature, power, throttling); an alerts summary; and plain-language findings. ' +
    'Use it for "is this run healthy / did loss spike / did it diverge". Cost: reads every point of each metric (not downsampled, so nothing is missed); the answer is small.',
  notes:
    'Deterministic rules (documented in src/analysis/stats.ts and system.ts): a spike is a point more than 6 robust standard deviations (1.4826 x MAD) from the median of its 20 neighbours and more than 5% of the series range; ' +
    'trend compares the median of the last quarter with the quarter before it (less than 5% of the range: plateaued), with "better" taken from the metric name (loss/error lower, acc/f1/reward higher, else the early direction); ' +
    'a NaN/Inf last value is diverging; 3 or more reversals of 40% of the range (after a rolling median) in the second half is oscillating. ' +
    `Without \`metrics\`, the run's numeric metrics (first ${DEFAULT_DIAGNOSED_METRICS} by name) are diagnosed.`,
  input: z.object({
    project: projectArg,
    run: z.string().nullable().default(null).describe('Run name (the latest-created run of that name).'),
    metrics: z.array(z.string()).max(50).nullable().default(null).describe('Metrics to diagnose (default: every numeric metric of the run).'),
    run_id: z.string().nullable().default(null).describe('Run id; wins over `run`.'),
  }),
  output: z.object({
    project: z.string(),
    run: z.string(),
    run_id: z.string().nullable(),
    findings: z.array(z.string()).describe('The notable facts, one sentence each (empty: nothing unusual).'),
    metrics: z.array(
      z.object({
        metric: z.string(),
        points: z.int(),
        trend: z.enum(TRENDS),
        direction: z.enum(['lower', 'higher', 'unknown']),
        recent_change: num,
        spike_count: z.int(),
        spikes: z.array(z.object({ step: z.number(), value: z.number(), baseline: z.number(), size: z.number(), z: num })).describe(`The ${MAX_SPIKES} largest, in step order.`),
        nan_count: z.int(),
        inf_count: z.int(),
        first_nonfinite_step: num,
        best: z.object({ value: num, step: num }).describe('min for lower-is-better metrics, max for higher; null when unknown.'),
        last: z.object({ value: num, step: num }),
        min: z.object({ value: num, step: num }),
        max: z.object({ value: num, step: num }),
      }),
    ),
    system: z.array(z.object({ metric: z.string(), status: z.string(), mean: num, max: num, last: num, note: z.string() })),
    alerts: z.object({
      count: z.int(),
      by_level: z.record(z.string(), z.int()),
      latest: z.array(z.object({ timestamp: z.string().nullable(), title: z.string().nullable(), level: z.string().nullable(), step: z.number().nullable() })),
    }),
  }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  example: { project: 'mnist-classifier', run: 'high-lr' },
  handler: (a, ctx) => {
    if (a.run === null && a.run_id === null) throw new BadRequestError("Invalid value for 'run': give a run name or a run_id")
    const p = requireProject(ctx.storage, a.project)
    return withFloats(
      p.read(() => {
        const run = pickRuns(p, a.run_id === null ? [a.run!] : [], a.run_id === null ? [] : [a.run_id])[0]!
        const findings: string[] = []
        const names = a.metrics ? [...new Set(a.metrics)] : metricNames(p, run)
        const metrics = []
        for (const metric of names) {
          if (metrics.length >= (a.metrics ? Infinity : DEFAULT_DIAGNOSED_METRICS)) break
          const s = byStep(readSeries(p, run.filter, metric))
          if (s.values.length === 0) {
            if (a.metrics) findings.push(`${metric}: no numeric values in this run.`)
            continue
          }
          const agg = aggregate(s.steps, s.values)
          const nf = nonFinite(s.steps, s.values)
          const sp = spikes(s.steps, s.values)
          const tr = trend(metric, s.values)
          const direction = directionOf(metric)
          const b = best(tr.direction, agg)
          metrics.push({
            metric,
            points: s.values.length,
            trend: tr.trend,
            direction: tr.direction,
            recent_change: tr.recent_change,
            spike_count: sp.count,
            spikes: sp.spikes,
            ...nf,
            best: b,
            last: { value: agg.last, step: agg.last_step },
            min: { value: agg.min, step: agg.min_step },
            max: { value: agg.max, step: agg.max_step },
          })
          if (nf.first_nonfinite_step !== null)
            findings.push(`${metric}: first NaN/Inf at step ${nf.first_nonfinite_step} (${nf.nan_count} NaN, ${nf.inf_count} Inf).`)
          if (sp.count > 0) {
            const top = [...sp.spikes].sort((x, y) => Math.abs(y.size) - Math.abs(x.size))[0]!
            findings.push(`${metric}: ${sp.count} spike${sp.count > 1 ? 's' : ''}; largest at step ${top.step} (${top.value} vs ~${round(top.baseline)}).`)
          }
          // A schedule (lr warm-up then decay) is not a divergence: only metrics with a known direction count.
          if (tr.trend === 'oscillating' || (tr.trend === 'diverging' && (direction !== 'unknown' || nf.first_nonfinite_step !== null)))
            findings.push(`${metric}: ${tr.trend}.`)
          if (direction !== 'unknown' && b.value !== null && agg.last !== null && b.step !== agg.last_step) {
            const gap = Math.abs(agg.last - b.value)
            const range = (agg.max ?? 0) - (agg.min ?? 0)
            if (range > 0 && gap > 0.1 * range) findings.push(`${metric}: last ${agg.last} at step ${agg.last_step} is worse than the best ${b.value} at step ${b.step}.`)
          }
        }
        const sys = new Map<string, number[]>()
        const sf = resolveRun(p, 'system_metrics', run.name, p.hasRunIds('system_metrics') ? run.id : null)
        if (sf)
          for (const row of systemRows(p, sf))
            for (const [k, v] of row.metrics) {
              const n = numberOf(v)
              if (n === undefined) continue
              let list = sys.get(k)
              if (!list) sys.set(k, (list = []))
              list.push(n)
            }
        const system = systemFindings(sys)
        for (const f of system) if (f.status !== 'ok') findings.push(`${f.metric}: ${f.status.replace(/_/g, ' ')} (${f.note}).`)
        const af = resolveRun(p, 'alerts', run.name, p.hasRunIds('alerts') ? run.id : null)
        const list = af ? alerts(p, { run: af, level: null, since: null }) : []
        const byLevel: Record<string, number> = {}
        for (const al of list) byLevel[al.level ?? 'none'] = (byLevel[al.level ?? 'none'] ?? 0) + 1
        if (list.length) findings.push(`${list.length} alert${list.length > 1 ? 's' : ''}: ${Object.entries(byLevel).map(([l, n]) => `${n} ${l}`).join(', ')}.`)
        return {
          project: a.project,
          run: run.name,
          run_id: run.id,
          findings,
          metrics,
          system,
          alerts: {
            count: list.length,
            by_level: byLevel,
            latest: list.slice(0, LATEST_ALERTS).map((al) => ({ timestamp: al.timestamp, title: al.title, level: al.level, step: al.step === null ? null : Number(al.step) })),
          },
        }
      }),
    )
  },
})

function round(x: number): number {
  return Number(x.toPrecision(4))
}
