import { z } from 'zod'
import type { Json } from '../json/values'
import type { MetricsResult } from '../storage/write/append'
import { defineTool, intArg, jsonValueArg, projectArg, rawValue } from './core/define'
import { targetRunId } from './core/target-run'
import { readEntry } from '../ingest/entry'
import { writeEntries } from '../ingest/write'

export default defineTool({
  name: 'log_metrics',
  description:
    'Log a dict of metric values for a run at a step, e.g. the results of an experiment you ran ' +
    '({"loss": 0.31, "accuracy": 0.92}). Writes to an existing run (the latest run of that name, or run_id); ' +
    'to start a new run pass new_run: true (the project is created when needed). A config is merged into the run\'s stored config. ' +
    'Leave step out to append after the run\'s last step. Values may be numbers, strings, booleans or nested dicts. ' +
    'Pass a log_id to make a retry safe (a row with a stored log_id is not written twice). Requires the write token.',
  notes: 'The row gets the server\'s time. Returns the run id the row was stored under, its step, and whether it was stored.',
  input: z.object({
    project: projectArg,
    run: z.string().describe('Run name: the latest run of that name receives the row (see new_run).'),
    metrics: jsonValueArg('Metric name → value, e.g. {"loss": 0.31, "accuracy": 0.92}.'),
    step: intArg('Step; omitted or null: one after the run\'s last step (0 for a new run).').nullable().optional().default(null),
    run_id: z.string().nullable().optional().default(null).describe('Run id of an existing run (wins over the name).'),
    new_run: z.boolean().optional().default(false).describe('Create a new run with this name (a fresh run id) instead of writing to an existing one.'),
    config: jsonValueArg('Run configuration (hyper-parameters): merged into the stored one, new keys win; stored keys are never dropped.').nullable().optional().default(null),
    log_id: z.string().nullable().optional().default(null).describe('Idempotency key for retries.'),
  }),
  output: z.object({ run_id: z.string(), step: z.int(), stored: z.boolean() }),
  result: 'object',
  access: 'write',
  example: { project: 'my-project', run: 'agent-run-1', metrics: { loss: 0.31, accuracy: 0.92 }, new_run: true },
  handler: async (args, ctx) => {
    const runId = await targetRunId(ctx, args.project, args.run, args.run_id, args.new_run)
    const entry = new Map<string, Json>([
      ['project', args.project],
      ['run', args.run],
      ['run_id', runId],
      ['metrics', rawValue(args, 'metrics') ?? null],
      ['step', args.step],
      ['config', rawValue(args, 'config') ?? null],
      ['log_id', args.log_id],
    ])
    const e = readEntry('metric', entry, '')
    const r = (await writeEntries(ctx.storage.dataDir, [e], { mergeConfig: true }))[0]![0] as MetricsResult
    return new Map<string, Json>([
      ['run_id', runId],
      ['step', r.steps[0]!],
      ['stored', r.insertedFlags[0]!],
    ])
  },
})
