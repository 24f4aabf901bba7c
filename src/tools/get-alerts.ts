import { z } from 'zod'
import { BadRequestError } from '../errors'
import { parseInstant } from '../storage/db/timestamps'
import { alerts } from '../storage/read/alerts'
import { resolveRun } from '../storage/read/runs'
import { defineTool, projectArg, runArg, runIdArg } from './core/define'
import { readProject } from './core/read-project'

const alert = z.object({
  timestamp: z.string(),
  run: z.string(),
  title: z.string(),
  text: z.string().nullable(),
  level: z.string(),
  step: z.int().nullable(),
})

export default defineTool({
  name: 'get_alerts',
  description: 'Fetch alerts for a project, optionally filtered by run or level.',
  notes:
    'Newest first. `level` is an exact match (`info`, `warn`, `error`); `since` keeps alerts logged after it, compared as instants ' +
    '(`2026-01-31T12:00:00+01:00`, `2026-01-31`, `2026-01` or `2026` all work; Trackio compares the text). An unparseable `since` is a 400.',
  input: z.object({
    project: projectArg,
    run: runArg,
    run_id: runIdArg,
    level: z.string().nullable().default(null).describe('Exact level: info, warn or error.'),
    since: z.string().nullable().default(null).describe('ISO 8601 time (or date, year-month, year); only alerts logged after it.'),
  }),
  output: z.array(alert),
  result: 'list',
  access: 'read',
  answerScope: 'project',
  example: { project: 'mnist-classifier', level: 'warn' },
  handler: ({ project, run, run_id, level, since }, ctx) => {
    const after = since === null ? null : sinceInstant(since)
    return readProject(ctx, project, [], (p) => {
      let filter = null
      if (run !== null || run_id !== null) {
        filter = resolveRun(p, 'alerts', run, run_id)
        if (!filter) return []
      }
      return alerts(p, { run: filter, level, since: after })
    })
  },
})

/** `since` as an instant: a full ISO 8601 time, a date, a year-month or a year. */
function sinceInstant(since: string): number {
  const s = since.trim()
  const t = parseInstant(/^\d{4}$/.test(s) ? `${s}-01-01` : /^\d{4}-\d{2}$/.test(s) ? `${s}-01` : s)
  if (t === null) throw new BadRequestError(`Invalid value for 'since': '${since.slice(0, 64)}' is not an ISO 8601 time such as 2026-01-31T12:00:00Z`)
  return t
}
