import { z } from 'zod'
import { renameRun } from '../storage/write/rename-run'
import { defineTool, projectArg, runIdArg } from './core/define'

export default defineTool({
  name: 'rename_run',
  description: 'Rename a run. On Spaces, pass an hf_token with write access.',
  notes:
    'Needs the write token. `new_name` is trimmed; empty is 400. Rows keep their ids and log_id; media paths and the media folder ' +
    'move with the run, all or nothing (a symbolic link on the way of the move is a 400; a crash mid-move is settled from a journal at the next start ' +
    'or write). Several runs may share a name (legacy name-keyed projects: 400). Unknown project or run: 404. Returns true.',
  input: z.object({
    project: projectArg,
    old_name: z.string().describe('Current run name; the latest-created run of that name is renamed unless `run_id` is given.'),
    new_name: z.string().describe('New run name (surrounding whitespace is removed).'),
    run_id: runIdArg,
  }),
  output: z.boolean(),
  result: 'boolean',
  access: 'write',
  writeKind: 'mutation',
  destructive: true,
  mcpOmit: ['run_id'],
  example: { project: 'mnist-classifier', old_name: 'baseline', new_name: 'baseline-v2' },
  handler: async ({ project, old_name, new_name, run_id }, ctx) => {
    await renameRun(ctx.storage, project, old_name, new_name, run_id)
    return true
  },
})
