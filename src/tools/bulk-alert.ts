import { z } from 'zod'
import { clientWrite, defineTool, entryListArg, hfTokenArg, rawValue } from './core/define'
import { entrySchema } from '../ingest/entry'
import { readEntryListAsync } from '../ingest/entry-list'
import { writeEntries } from '../ingest/write'

export default defineTool({
  name: 'bulk_alert',
  description: 'Record alerts for one or more runs (Trackio client endpoint).',
  notes:
    'Entries are grouped by (project, run, run_id); an alert_id already stored is skipped, so retries are idempotent. ' +
    'Every entry is validated before anything is written; no entry count limit (the body limit applies); all groups of one project ' +
    'are one transaction, projects are written one after another (a later failure names the projects already stored).',
  input: z.object({
    alerts: entryListArg(z.array(z.unknown()).meta({ items: entrySchema('alert') }).describe('AlertEntry objects.')),
    hf_token: hfTokenArg,
  }),
  ...clientWrite,
  example: { alerts: [{ project: 'my-project', run: 'run-1', title: 'loss spike', text: 'loss > 10', level: 'warn', step: 12 }], hf_token: null },
  handler: async (args, ctx) => {
    await writeEntries(ctx.storage.dataDir, await readEntryListAsync('alert', rawValue(args, 'alerts'), 'alerts'))
    return null
  },
})
