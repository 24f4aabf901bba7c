import { z } from 'zod'
import { TRACE_SORTS, traces, type TraceSort } from '../storage/read/traces'
import { defineTool, looseObject, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'

/** Most traces one call answers (Trackio has no cap; the dashboard pages with limit/offset). */
export const MAX_TRACES = 10_000

/** Python's int() of a request value, or null when it has none (Trackio then ignores the argument). */
function pyInt(v: unknown): number | bigint | null {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'bigint') return v
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null
  if (typeof v === 'string' && /^\s*[-+]?\d+(_\d+)*\s*$/.test(v)) {
    const b = BigInt(v.trim().replace(/_/g, ''))
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b
  }
  return null
}

const loose = (description: string) => z.unknown().optional().describe(description).meta({ type: ['integer', 'string', 'null'] })

export default defineTool({
  name: 'get_traces',
  description: 'List the traces (LLM conversations logged with trackio.Trace) of a run, newest first by default.',
  notes:
    `Sorts: ${Object.keys(TRACE_SORTS).join(', ')} (anything else: request_time_desc). \`search\` is a case-insensitive substring ` +
    'of the trace text; `step` keeps one step; `limit`/`offset` page (values that are not integers are ignored, as Trackio does). ' +
    `At most ${MAX_TRACES} traces per call.`,
  input: z.object({
    project: projectArg,
    run: runArg,
    run_id: runIdArg,
    search: z.string().nullable().optional().default(null).describe('Text to look for (case-insensitive).'),
    sort: z.string().nullable().optional().default(null).describe('request_time_desc (default), request_time_asc, step_asc or step_desc.'),
    limit: loose('Most traces to answer.'),
    offset: loose('Traces to skip (default 0).'),
    step: loose('Only traces logged at this step.'),
  }),
  output: z.array(looseObject).describe('Items `{id, key, index, run, run_id, step, timestamp, messages, metadata}`.'),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier', run: 'baseline', sort: 'step_asc', limit: 20 },
  handler: (a, ctx) => {
    const limitIn = a.limit === null || a.limit === undefined ? null : pyInt(a.limit)
    const limit = limitIn === null ? MAX_TRACES : Math.min(Math.max(0, Number(limitIn)), MAX_TRACES)
    const offsetIn = a.offset === null || a.offset === undefined ? 0 : pyInt(a.offset)
    const offset = offsetIn === null ? 0 : Math.max(0, Number(offsetIn))
    const step = a.step === null || a.step === undefined ? null : pyInt(a.step)
    const sort: TraceSort = a.sort !== null && a.sort in TRACE_SORTS ? (a.sort as TraceSort) : 'request_time_desc'
    return readProject(ctx, a.project, [], (p) => traces(p, { run: a.run, runId: a.run_id, search: a.search, sort, limit, offset, step }))
  },
})
