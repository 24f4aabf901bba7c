import { z } from 'zod'
import { withFloats } from '../analysis/numbers'
import { compareBy, evaluate, fieldsOf, parseFilter, parseOrderBy, type Field, type Literal } from '../analysis/filter'
import { hash } from '../analysis/changes'
import { allRuns, metricAggregates, metricNames, requireProject } from '../analysis/runs'
import { numberOf } from '../analysis/series'
import { AGGREGATES, type Aggregates } from '../analysis/stats'
import { BadRequestError } from '../errors'
import { stringify } from '../json/serialize'
import type { Json, JsonObject } from '../json/values'
import { runConfig } from '../storage/read/metrics'
import { defineTool, looseObject, projectArg } from './core/define'

/** Metrics summarised when the caller names none (and the filter/order_by name none). */
export const DEFAULT_METRICS = 5
/** Config keys shown when the caller names none. */
export const DEFAULT_CONFIG_KEYS = 20

const aggregates = z.object(Object.fromEntries(AGGREGATES.map((a) => [a, z.number().nullable()])))

/** `offset` as an opaque page token, tied to the query (filter and order) it pages through. */
function encodeCursor(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: hash(query) })).toString('base64url')
}

function decodeCursor(cursor: string, query: string): number {
  let c: { o?: unknown; q?: unknown } | null = null
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown }
  } catch {}
  if (c === null || typeof c !== 'object' || typeof c.o !== 'number' || !Number.isSafeInteger(c.o) || c.o < 0)
    throw new BadRequestError("Invalid value for 'cursor': not a cursor returned by list_runs (pass next_cursor as given)")
  if (c.q !== hash(query)) throw new BadRequestError("Invalid value for 'cursor': it pages through another filter or order_by; repeat them unchanged")
  return c.o
}

/** A config value as a filter literal: numbers, strings, booleans and null as themselves; lists and dicts as JSON text. */
function literalOf(v: Json | undefined): Literal {
  if (v === undefined || v === null) return null
  if (typeof v === 'string' || typeof v === 'boolean') return v
  const n = numberOf(v)
  if (n !== undefined) return Number.isFinite(n) ? n : null
  return stringify(v as Json, {})
}

/** `key` in a config: the top-level key as written, else a dotted path into nested dicts. */
export function configValue(config: JsonObject | null, key: string): Json | undefined {
  if (!config) return undefined
  if (config.has(key)) return config.get(key)
  const parts = key.split('.')
  let cur: Json | undefined = config
  for (const part of parts) {
    if (!(cur instanceof Map)) return undefined
    cur = cur.get(part)
  }
  return cur
}

export default defineTool({
  name: 'list_runs',
  description:
    'Find and rank runs in one call: each run with chosen config values and per-metric aggregates (last, min, max, mean, count, nan_count, steps of min/max). ' +
    "Filter like `config.lr > 0.01 and acc.last > 0.8`, order like `loss.min asc` ('best run' = order_by plus limit 1). " +
    'Use it before get_metric_history / diagnose_run to pick runs. Cost: reads each listed metric of every run once (cached until new data arrives); the answer is small (limit rows).',
  notes:
    'Filter language: `and`, `or`, `not`, parentheses; operators = != < <= > >=; values are numbers, quoted strings, true, false, null. ' +
    'Fields: `config.<key>` (dotted paths look inside dict values), `run.name`, `run.id`, `run.created_at`, and `<metric>.<aggregate>` with an aggregate among ' +
    `${AGGREGATES.join(', ')}. Names with other characters than letters, digits and \`_ / - : @\` go in backticks (\`\\\`val loss\\\`.last\`). ` +
    'A comparison with a missing value is false (except `= null`); NaN/Inf last values count as missing. `order_by` is `field [asc|desc], …`, missing values last. ' +
    `Without \`metrics\`, the metrics named in filter/order_by are summarised, or else the first ${DEFAULT_METRICS} metric names of the project; without \`config_keys\`, the keys named in the filter, or else up to ${DEFAULT_CONFIG_KEYS} keys (Trackio's own \`_\`-prefixed keys left out). ` +
    'Paging: pass `next_cursor` back as `cursor` for the next `limit` runs. Bad expressions are a 400 naming the token and its position.',
  input: z.object({
    project: projectArg,
    filter: z.string().nullable().default(null).describe('Expression over config.<key>, run.name and <metric>.<aggregate>, e.g. `config.lr > 0.01 and acc.last > 0.8`.'),
    order_by: z.string().nullable().default(null).describe('e.g. `loss.min asc` or `acc.last desc, run.created_at`; default: creation order.'),
    metrics: z.array(z.string()).max(50).nullable().default(null).describe('Metrics to summarise (default: see notes).'),
    config_keys: z.array(z.string()).max(100).nullable().default(null).describe('Config keys to show (default: see notes).'),
    limit: z.int().min(1).max(1000).default(50).describe('Runs per page.'),
    cursor: z.string().nullable().default(null).describe('`next_cursor` of the previous page.'),
  }),
  output: z.object({
    project: z.string(),
    total_runs: z.int().describe('Runs in the project.'),
    matched: z.int().describe('Runs the filter kept.'),
    metrics: z.array(z.string()).describe('Metrics summarised.'),
    config_keys: z.array(z.string()).describe('Config keys shown.'),
    runs: z.array(
      z.object({
        name: z.string(),
        id: z.string().nullable(),
        created_at: z.string().nullable(),
        config: looseObject,
        metrics: z.record(z.string(), aggregates.nullable()).describe('Metric → aggregates (null: the run has no numeric value of it).'),
      }),
    ),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  }),
  result: 'object',
  access: 'read',
  readsRunList: true,
  answerScope: 'project',
  example: { project: 'mnist-classifier', filter: 'acc.last > 0.5', order_by: 'loss.min asc', limit: 5 },
  handler: (a, ctx) => {
    const filter = a.filter === null || a.filter.trim() === '' ? null : parseFilter(a.filter)
    const order = a.order_by === null || a.order_by.trim() === '' ? [] : parseOrderBy(a.order_by)
    const query = JSON.stringify([a.filter, a.order_by])
    const offset = a.cursor === null ? 0 : decodeCursor(a.cursor, query)
    const p = requireProject(ctx.storage, a.project)
    return withFloats(
      p.read(() => {
        const runs = allRuns(p)
        const named = [...fieldsOf(filter), ...order.map((o) => o.field)]
        const namedMetrics = named.flatMap((f) => (f.kind === 'metric' ? [f.metric] : []))
        const namedKeys = named.flatMap((f) => (f.kind === 'config' ? [f.key] : []))
        let metrics = a.metrics ?? [...new Set(namedMetrics)]
        if (a.metrics === null && metrics.length === 0) {
          const all = new Set<string>()
          for (const r of runs) for (const m of metricNames(p, r)) all.add(m)
          metrics = [...all].sort().slice(0, DEFAULT_METRICS)
        }
        const configs = runs.map((r) => runConfig(p, r.filter, r.name))
        let keys = a.config_keys ?? [...new Set(namedKeys)]
        if (a.config_keys === null && keys.length === 0) {
          const all = new Set<string>()
          for (const c of configs) for (const k of c?.keys() ?? []) if (!k.startsWith('_')) all.add(k)
          keys = [...all].slice(0, DEFAULT_CONFIG_KEYS)
        }
        const aggs = new Map<string, Aggregates | null>()
        const aggOf = (metric: string, i: number): Aggregates | null => {
          const key = `${i}\u0000${metric}`
          let v = aggs.get(key)
          if (v === undefined) aggs.set(key, (v = metricAggregates(p, runs[i]!, metric)))
          return v
        }
        const lookup = (i: number, f: Field): Literal => {
          const r = runs[i]!
          if (f.kind === 'run') return f.key === 'name' ? r.name : f.key === 'id' ? r.id : r.created_at
          if (f.kind === 'config') return literalOf(configValue(configs[i]!, f.key))
          return aggOf(f.metric, i)?.[f.agg] ?? null
        }
        let rows = runs.map((_, i) => i)
        if (filter) rows = rows.filter((i) => evaluate(filter, (f) => lookup(i, f)))
        if (order.length) rows.sort(compareBy(order, lookup))
        const page = rows.slice(offset, offset + a.limit)
        return {
          project: a.project,
          total_runs: runs.length,
          matched: rows.length,
          metrics,
          config_keys: keys,
          runs: page.map((i) => {
            const r = runs[i]!
            const config: Record<string, Json> = {}
            for (const k of keys) {
              const v = configValue(configs[i]!, k)
              config[k] = v === undefined ? null : v
            }
            const m: Record<string, Json> = {}
            // A copy: the aggregates are memoised, and the answer's numbers are adjusted in place (withFloats).
            for (const metric of metrics) {
              const agg = aggOf(metric, i)
              m[metric] = agg ? ({ ...agg } as unknown as Json) : null
            }
            return { name: r.name, id: r.id, created_at: r.created_at, config, metrics: m }
          }),
          next_cursor: offset + a.limit < rows.length ? encodeCursor(offset + a.limit, query) : null,
        }
      }),
    )
  },
})
