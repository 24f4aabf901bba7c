import { z } from 'zod'
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
  notes: 'Newest first. `level` is an exact match (`info`, `warn`, `error`); `since` keeps alerts with a timestamp after it.',
  input: z.object({
    project: projectArg,
    run: runArg,
    run_id: runIdArg,
    level: z.string().nullable().default(null).describe('Exact level: info, warn or error.'),
    since: z.string().nullable().default(null).describe('ISO timestamp; only alerts after it.'),
  }),
  output: z.array(alert),
  result: 'list',
  access: 'read',
  example: { project: 'mnist-classifier', level: 'warn' },
  handler: ({ project, run, run_id, level, since }, ctx) =>
    readProject(ctx, project, [], (p) => {
      let filter = null
      if (run !== null || run_id !== null) {
        filter = resolveRun(p, 'alerts', run, run_id)
        if (!filter) return []
      }
      return alerts(p, { run: filter, level, since })
    }),
})
