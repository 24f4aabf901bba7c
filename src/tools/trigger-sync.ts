import { z } from 'zod'
import { importInbox } from '../ingest/inbox'
import { exportParquet } from '../storage/sync/parquet'
import { defineTool, type ToolDef } from './core/define'

const input = z.object({})

/** The shared definition of trigger_sync and its HTTP alias force_sync (compat §5, §10). */
export function syncTool(name: string, httpOnly: boolean): ToolDef<typeof input> {
  return defineTool({
    name,
    description: 'Trigger a Trackio export/sync pass. On Spaces, pass an hf_token with write access.',
    notes:
      'Needs the write token (Trackio leaves /api/force_sync open). First imports the JSONL inbox (TRACKIO_DIR/inbox; errors are only logged), ' +
      'then writes the parquet side files of every project: {project}.parquet, {project}_system.parquet, {project}_configs.parquet ' +
      '(table columns plus one column per JSON key) and {project}_traces.parquet, skipping empty tables and files newer than their database. ' +
      'A project that cannot be exported (unreadable or corrupt database; a name such as x_system whose files would overwrite those of project x) ' +
      'is skipped and named on the server\'s stderr; the others are exported. Returns true.',
    input,
    output: z.boolean(),
    result: 'boolean',
    access: 'write',
    writeKind: 'mutation',
    httpOnly,
    example: {},
    handler: async (_args, ctx) => {
      await importInbox(ctx.storage.dataDir)
      await exportParquet(ctx.storage)
      return true
    },
  })
}

export default syncTool('trigger_sync', false)
