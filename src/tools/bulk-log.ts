import { z } from 'zod'
import { BadRequestError } from '../errors'
import type { Json } from '../json/values'
import { clientWrite, defineTool, entryListArg, rawArg, rawValue } from './core/define'
import { entrySchema, normalizeTimestamp, readEntry, readObjectList, stepValue, type LogEntry } from '../ingest/entry'
import { readEntryListAsync } from '../ingest/entry-list'
import { writeEntries } from '../ingest/write'

/** The contributed JS/Go/Rust clients' flat body (compat §8) → LogEntry items. */
function flatItems(args: Record<string, unknown>): LogEntry[] {
  const { project, run } = args
  if (typeof project !== 'string' || typeof run !== 'string')
    throw new BadRequestError("Missing required parameter: logs (or the flat form's 'project', 'run' and 'metrics_list')")
  const list = readObjectList(rawValue(args, 'metrics_list'), 'metrics_list')
  const steps = rawValue(args, 'steps') ?? null
  const stamps = (args.timestamps as string[] | undefined) ?? []
  if (steps !== null && (!Array.isArray(steps) || steps.length !== list.length))
    throw new BadRequestError(`'steps' must be a list with one item per metrics_list entry (${list.length})`)
  if (stamps.length && stamps.length !== list.length)
    throw new BadRequestError(`'timestamps' must have one item per metrics_list entry (${list.length})`)
  const config = rawValue(args, 'config') ?? null
  return list.map((metrics, i) => {
    const where = `metrics_list[${i}]`
    const raw = steps === null ? null : (steps as Json[])[i]!
    const step = stepValue(raw, `steps[${i}]`, where)
    const m = new Map<string, Json>([['project', project], ['run', run], ['metrics', metrics]])
    if (step !== null && step !== -1) m.set('step', step)
    if (i === 0 && config !== null) m.set('config', config)
    const entry = readEntry('metric', m, where)
    const ts = stamps[i]
    if (ts) entry.timestamp = normalizeTimestamp(ts, `timestamps[${i}]`)
    return entry
  })
}

export default defineTool({
  name: 'bulk_log',
  description: 'Log metric rows for one or more runs (Trackio client endpoint).',
  notes:
    `Trackio's body: \`{"args":[],"kwargs":{"logs":[LogEntry…],"hf_token":null}}\` (hf_token must be present; null is fine). ` +
    'Entries are grouped by (project, run, run_id); every row of a request gets the server\'s receive time; null steps continue ' +
    'from the run\'s MAX(step)+1 in entry order (computed under the project lock); a log_id already stored is skipped, so retries ' +
    'are idempotent (a skipped entry still uses up its auto step, as in Trackio); the first non-empty config of a run is stored. ' +
    `Every entry is validated before anything is written: a bad one is a 400 such as "logs[3]: missing required key 'run'". ` +
    'No entry count limit: whatever fits under the body limit (a 50,000-entry backlog is about 10 MB). All groups of one project are written in one transaction (all or nothing); ' +
    'several projects are written one after another, and if a later one fails the error names the projects already stored ' +
    '(resend with the same log_ids). ' +
    'Also accepted (unlike Trackio): the contributed JS/Go/Rust clients\' flat body `{project, run, metrics_list, steps (-1 = unset), ' +
    'timestamps ("" = unset), config?}` without hf_token; there a given timestamp is the row\'s timestamp. ' +
    'Because of that form, a missing logs/hf_token is reported after the write-token check (Trackio: before). ' +
    'Unlike Trackio, a database failure is answered as an error (503 when the file is locked) instead of 200 and a background retry.',
  input: z.object({
    logs: entryListArg(z.array(z.unknown()).meta({ items: entrySchema('metric') }).describe('LogEntry objects.')).optional(),
    hf_token: z.string().nullable().optional().describe('Required by Trackio (null is fine); may be absent only in the flat form.'),
    project: z.string().optional().describe('Flat form (contributed clients): project of every row.'),
    run: z.string().optional().describe('Flat form: run of every row.'),
    metrics_list: rawArg(z.array(z.unknown()).meta({ items: { type: 'object' } }).describe('Flat form: one metrics object per row.')).optional(),
    steps: rawArg(z.array(z.unknown()).meta({ items: { type: 'integer' } }).describe('Flat form: step per row, -1 = next step.')).optional(),
    timestamps: z.array(z.string()).optional().describe('Flat form: ISO time per row, "" = server time.'),
    config: rawArg(z.record(z.string(), z.unknown()).nullable().describe('Flat form: run config.')).optional(),
  }),
  ...clientWrite,
  example: { logs: [{ project: 'my-project', run: 'run-1', metrics: { loss: 0.5, acc: 0.8 }, step: null }], hf_token: null },
  handler: async (args, ctx) => {
    const flat = args.metrics_list !== undefined || args.project !== undefined || args.run !== undefined
    let items: LogEntry[]
    if (args.logs === undefined) {
      if (!flat) throw new BadRequestError('Missing required parameter: logs')
      items = flatItems(args)
    } else {
      if (flat) throw new BadRequestError("Send either 'logs' or the flat form (project, run, metrics_list), not both")
      if (args.hf_token === undefined) throw new BadRequestError('Missing required parameter: hf_token')
      items = await readEntryListAsync('metric', rawValue(args, 'logs'), 'logs')
    }
    await writeEntries(ctx.storage.dataDir, items)
    return null
  },
})
