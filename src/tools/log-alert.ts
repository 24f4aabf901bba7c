import { z } from 'zod'
import type { Json } from '../json/values'
import { isoNow } from '../storage/db/timestamps'
import type { AppendResult } from '../storage/write/append'
import { defineTool, intArg, projectArg } from './core/define'
import { targetRunId } from './core/target-run'
import { readEntry } from '../ingest/entry'
import { writeEntries } from '../ingest/write'

export default defineTool({
  name: 'log_alert',
  description:
    'Record an alert or a note on an existing run: something noteworthy about an experiment (a diverging loss, a finished sweep, ' +
    'a failure, your analysis). level is info (use it for notes), warn or error. Goes to the latest run of that name, or run_id. ' +
    'Notes are stored as alerts, which Trackio shows with the run, and never change its metrics or last step. ' +
    'Pass an alert_id to make a retry safe. Requires the write token.',
  notes: 'The alert gets the server\'s time. Read alerts back with get_alerts. A run that does not exist is a 404 naming the closest runs (create runs with log_metrics new_run: true).',
  input: z.object({
    project: projectArg,
    run: z.string().describe('Run name.'),
    title: z.string().describe('Short summary.'),
    text: z.string().nullable().optional().default(null).describe('Details.'),
    level: z.enum(['info', 'warn', 'error']).optional().default('warn').describe('info, warn (default) or error.'),
    step: intArg('The step the alert refers to.').nullable().optional().default(null),
    run_id: z.string().nullable().optional().default(null).describe('Run id of an existing run (wins over the name).'),
    alert_id: z.string().nullable().optional().default(null).describe('Idempotency key for retries.'),
  }),
  output: z.object({ run_id: z.string(), timestamp: z.string(), stored: z.boolean() }),
  result: 'object',
  access: 'write',
  example: { project: 'my-project', run: 'agent-run-1', title: 'loss diverged', text: 'loss > 1e3 at step 40', level: 'error', step: 40 },
  handler: async (args, ctx) => {
    const runId = await targetRunId(ctx, args.project, args.run, args.run_id, false)
    const now = isoNow()
    const entry = new Map<string, Json>([
      ['project', args.project],
      ['run', args.run],
      ['run_id', runId],
      ['title', args.title],
      ['text', args.text],
      ['level', args.level],
      ['step', args.step],
      ['alert_id', args.alert_id],
    ])
    const e = readEntry('alert', entry, '')
    e.timestamp = now
    const r = (await writeEntries(ctx.storage.dataDir, [e]))[0]![0] as AppendResult
    return new Map<string, Json>([
      ['run_id', runId],
      ['timestamp', now],
      ['stored', r.inserted > 0],
    ])
  },
})
