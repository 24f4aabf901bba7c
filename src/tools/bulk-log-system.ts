import { z } from 'zod'
import { isoNow } from '../storage/db/timestamps'
import { defineTool, rawArg, rawValue } from './core/define'
import { entryDoc, entryList, groupByRun, MAX_ENTRIES, systemItem, writeGroups } from '../ingest/log-entries'

const systemEntry = z.object({
  project: z.string(),
  run: z.string(),
  run_id: z.string().nullable().optional().describe('Defaults to the run name.'),
  metrics: z.record(z.string(), z.unknown()).describe('System metric values (e.g. gpu/0/utilization), stored exactly.'),
  timestamp: z.string().nullable().optional().describe('Stored verbatim; absent/null: the server\'s time (Trackio drops such rows).'),
  log_id: z.string().nullable().optional().describe('Idempotency key: a row whose log_id is already stored is skipped.'),
})

export default defineTool({
  name: 'bulk_log_system',
  description: 'Log system-metric rows (GPU, CPU…) for one or more runs (Trackio client endpoint).',
  notes:
    'Entries are grouped by (project, run, run_id); each keeps its own timestamp; a log_id already stored is skipped. ' +
    `Every entry is validated before anything is written; at most ${MAX_ENTRIES} per request; all groups of one project ` +
    'are one transaction, projects are written one after another (a later failure names the projects already stored).',
  input: z.object({
    logs: rawArg(z.array(z.unknown()).meta({ items: entryDoc(systemEntry) }).describe('SystemLogEntry objects.')),
    hf_token: z.string().nullable().describe('Required by Trackio; null is fine.'),
  }),
  output: z.null(),
  result: 'null',
  access: 'write',
  httpOnly: true,
  example: {
    logs: [{ project: 'my-project', run: 'run-1', metrics: { 'gpu/0/utilization': 87 }, timestamp: '2026-01-01T12:00:00+00:00' }],
    hf_token: null,
  },
  handler: async (args, ctx) => {
    const now = isoNow()
    const items = entryList(rawValue(args, 'logs'), 'logs').map((o, i) => systemItem(o, `logs[${i}]`, now))
    const groups = groupByRun(items).map(({ key, items }) => ({
      key,
      op: { kind: 'system' as const, runName: key.run, runId: key.runId, entries: items.map((i) => i.entry) },
    }))
    await writeGroups(ctx.storage.dataDir, groups)
    return null
  },
})
