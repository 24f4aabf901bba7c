import { z } from 'zod'
import type { Json } from '../json/values'
import type { MetricsResult } from '../storage/write/append'
import { defineTool, intArg, jsonValueArg, projectArg, rawValue } from './core/define'
import { readEntry } from '../ingest/entry'
import { writeEntries } from '../ingest/write'

export default defineTool({
  name: 'log_metrics',
  description:
    'Log a dict of metric values for a run at a step, e.g. the results of an experiment you ran ' +
    '({"loss": 0.31, "accuracy": 0.92}). Creates the project and the run if they do not exist yet. ' +
    'Leave step out to append after the run\'s last step. Values may be numbers, strings, booleans or nested dicts. ' +
    'Pass a log_id to make a retry safe (a row with a stored log_id is not written twice). Requires the write token.',
  notes: 'The row gets the server\'s time. Returns the run id the row was stored under, its step, and whether it was stored.',
  input: z.object({
    project: projectArg,
    run: z.string().describe('Run name (a new run is created on first use).'),
    metrics: jsonValueArg('Metric name → value, e.g. {"loss": 0.31, "accuracy": 0.92}.'),
    step: intArg('Step; omitted or null: one after the run\'s last step (0 for a new run).').nullable().optional().default(null),
    run_id: z.string().nullable().optional().default(null).describe('Run id; defaults to the run name.'),
    config: jsonValueArg('Run configuration (hyper-parameters) to store with the run; replaces a stored one.').nullable().optional().default(null),
    log_id: z.string().nullable().optional().default(null).describe('Idempotency key for retries.'),
  }),
  output: z.object({ run_id: z.string(), step: z.int(), stored: z.boolean() }),
  result: 'object',
  access: 'write',
  example: { project: 'my-project', run: 'agent-run-1', metrics: { loss: 0.31, accuracy: 0.92 } },
  handler: async (args, ctx) => {
    const entry = new Map<string, Json>([
      ['project', args.project],
      ['run', args.run],
      ['run_id', args.run_id],
      ['metrics', rawValue(args, 'metrics') ?? null],
      ['step', args.step],
      ['config', rawValue(args, 'config') ?? null],
      ['log_id', args.log_id],
    ])
    const e = readEntry('metric', entry, '')
    const { key } = e
    const r = (await writeEntries(ctx.storage.dataDir, [e]))[0]![0] as MetricsResult
    return new Map<string, Json>([
      ['run_id', key.runId ?? key.run],
      ['step', r.steps[0]!],
      ['stored', r.insertedFlags[0]!],
    ])
  },
})
