import { z } from 'zod'
import { isoNow } from '../storage/db/timestamps'
import { defineTool, rawArg, rawValue } from './core/define'
import { alertItem, entryDoc, entryList, groupByRun, MAX_ENTRIES, writeGroups } from '../ingest/log-entries'

const alertEntry = z.object({
  project: z.string(),
  run: z.string(),
  run_id: z.string().nullable().optional().describe('Defaults to the run name.'),
  title: z.string(),
  text: z.string().nullable().optional(),
  level: z.string().describe('Stored verbatim; Trackio writes info, warn or error.'),
  step: z.int().nullable().optional(),
  timestamp: z.string().nullable().optional().describe('Stored verbatim; absent/null: the server\'s time (Trackio drops such alerts).'),
  alert_id: z.string().nullable().optional().describe('Idempotency key: an alert whose alert_id is already stored is skipped.'),
})

export default defineTool({
  name: 'bulk_alert',
  description: 'Record alerts for one or more runs (Trackio client endpoint).',
  notes:
    'Entries are grouped by (project, run, run_id); an alert_id already stored is skipped, so retries are idempotent. ' +
    `Every entry is validated before anything is written; at most ${MAX_ENTRIES} per request; all groups of one project ` +
    'are one transaction, projects are written one after another (a later failure names the projects already stored).',
  input: z.object({
    alerts: rawArg(z.array(z.unknown()).meta({ items: entryDoc(alertEntry) }).describe('AlertEntry objects.')),
    hf_token: z.string().nullable().describe('Required by Trackio; null is fine.'),
  }),
  output: z.null(),
  result: 'null',
  access: 'write',
  httpOnly: true,
  example: { alerts: [{ project: 'my-project', run: 'run-1', title: 'loss spike', text: 'loss > 10', level: 'warn', step: 12 }], hf_token: null },
  handler: async (args, ctx) => {
    const now = isoNow()
    const items = entryList(rawValue(args, 'alerts'), 'alerts').map((o, i) => alertItem(o, `alerts[${i}]`, now))
    const groups = groupByRun(items).map(({ key, items }) => ({
      key,
      op: { kind: 'alerts' as const, runName: key.run, runId: key.runId, alerts: items.map((i) => i.entry) },
    }))
    await writeGroups(ctx.storage.dataDir, groups)
    return null
  },
})
