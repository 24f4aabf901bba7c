import { z } from 'zod'
import type { Json } from '../json/values'
import { clientWrite, defineTool, hfTokenArg, intArg, jsonValueArg, projectArg, rawValue, runIdArg } from './core/define'
import { readEntry } from '../ingest/entry'
import { writeEntries } from '../ingest/write'

export default defineTool({
  name: 'log',
  description: 'Log one metrics row (Trackio\'s legacy single-row endpoint).',
  notes: 'No log_id, so a retry stores the row again. The row gets the server\'s time; a null step is the run\'s MAX(step)+1.',
  input: z.object({
    project: projectArg,
    run: z.string().describe('Run name.'),
    metrics: jsonValueArg('Metric values, stored exactly.'),
    step: intArg('Step; null: the run\'s next step.').nullable(),
    hf_token: hfTokenArg,
    run_id: runIdArg,
  }),
  ...clientWrite,
  example: { project: 'my-project', run: 'run-1', metrics: { loss: 0.5 }, step: null, hf_token: null },
  handler: async (args, ctx) => {
    const entry = new Map<string, Json>([
      ['project', args.project],
      ['run', args.run],
      ['run_id', args.run_id],
      ['metrics', rawValue(args, 'metrics') ?? null],
      ['step', args.step],
    ])
    await writeEntries(ctx.storage.dataDir, [readEntry('metric', entry, '')])
    return null
  },
})
