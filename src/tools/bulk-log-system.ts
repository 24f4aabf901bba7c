import { z } from 'zod'
import { clientWrite, defineTool, entryListArg, hfTokenArg, rawValue } from './core/define'
import { entrySchema } from '../ingest/entry'
import { readEntryListAsync } from '../ingest/entry-list'
import { writeEntries } from '../ingest/write'

export default defineTool({
  name: 'bulk_log_system',
  description: 'Log system-metric rows (GPU, CPU…) for one or more runs (Trackio client endpoint).',
  notes:
    'Entries are grouped by (project, run, run_id); each keeps its own timestamp; a log_id already stored is skipped. ' +
    'Every entry is validated before anything is written; no entry count limit (the body limit applies); all groups of one project ' +
    'are one transaction, projects are written one after another (a later failure names the projects already stored).',
  input: z.object({
    logs: entryListArg(z.array(z.unknown()).meta({ items: entrySchema('system') }).describe('SystemLogEntry objects.')),
    hf_token: hfTokenArg,
  }),
  ...clientWrite,
  example: {
    logs: [{ project: 'my-project', run: 'run-1', metrics: { 'gpu/0/utilization': 87 }, timestamp: '2026-01-01T12:00:00+00:00' }],
    hf_token: null,
  },
  handler: async (args, ctx) => {
    await writeEntries(ctx.storage.dataDir, await readEntryListAsync('system', rawValue(args, 'logs'), 'logs'))
    return null
  },
})
