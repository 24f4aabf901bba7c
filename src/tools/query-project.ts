import { z } from 'zod'
import { NotFoundError } from '../errors'
import { checkReadOnlyQuery, QUERY_MAX_BYTES, QUERY_MAX_ROWS, QUERY_MAX_RSS_BYTES, QUERY_TIME_LIMIT_MS, READ_ONLY_PRAGMAS, runReadOnlyQuery, stableQuery } from '../storage/read/query'
import { defineTool, looseObject, projectArg } from './core/define'

export default defineTool({
  name: 'query_project',
  description: 'Run a read-only SQL query (SELECT, WITH, or a table/index-info PRAGMA) against a Trackio project database.',
  notes:
    'The tables are Trackio\'s (metrics, configs, system_metrics, alerts, traces, artifacts, artifact_versions, artifact_aliases, ' +
    'run_artifact_links, project_metadata): JSON columns such as `metrics.metrics` are BLOBs and come back as hex; read them with ' +
    "`json_extract(CAST(metrics AS TEXT), '$.loss')`. One statement only; anything that is not a read is refused with 400 and the " +
    `reason (allowed PRAGMAs: ${[...READ_ONLY_PRAGMAS].join(', ')}). At most ${QUERY_MAX_ROWS} rows (400 past that: add a LIMIT), ` +
    `${QUERY_MAX_BYTES / 1024 / 1024} MiB of data, ${QUERY_MAX_RSS_BYTES / 1024 / 1024} MiB of memory and ${QUERY_TIME_LIMIT_MS / 1000} s: a query past them is stopped (400) without holding ` +
    'the server, which keeps answering other calls meanwhile. Over HTTP the answer to the same query is given again while the ' +
    'database is unchanged, unless the SQL names the clock, randomness or the connection (random(), date/time functions, ' +
    'changes(), sqlite_*()). Unknown project: 404. Answers ' +
    '`{"project", "query" (normalised), "columns", "rows": [{column: value}], "row_count"}`.',
  input: z.object({
    project: projectArg,
    query: z.string().describe('One SQL statement; trailing semicolons are ignored.'),
  }),
  output: z.object({
    project: z.string(),
    query: z.string(),
    columns: z.array(z.string()),
    rows: z.array(looseObject),
    row_count: z.int(),
  }),
  result: 'object',
  access: 'read',
  answerScope: 'project',
  // a query naming the clock, randomness or the connection is run every time
  keepAnswer: (args) => stableQuery(String(args.get('query') ?? '')),
  example: { project: 'mnist-classifier', query: 'SELECT run_name, COUNT(*) AS n, MAX(step) AS last_step FROM metrics GROUP BY run_id' },
  handler: async ({ project, query }, ctx) => {
    const paths = ctx.storage.paths(project)
    if (!ctx.storage.project(project)) throw new NotFoundError(`Project '${project}' not found.`)
    const normalized = checkReadOnlyQuery(query)
    const { columns, rows } = await runReadOnlyQuery(paths.db, normalized)
    return { project, query: normalized, columns, rows, row_count: rows.length }
  },
})
