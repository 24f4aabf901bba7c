import { z } from 'zod'
import { deleteRun } from '../storage/write/delete-run'
import { defineTool, projectArg, runArg, runIdArg } from './core/define'

export default defineTool({
  name: 'delete_run',
  description: 'Delete a run. On Spaces, pass an hf_token with write access.',
  notes:
    'Needs the write token. Removes the run from every table (metrics, config, system metrics, alerts, traces, artifact links) in one ' +
    'transaction; media files are kept. Returns true when a run was deleted (a run with only system metrics, alerts or traces ' +
    'counts), false (as Trackio) when the project or the run does not exist and nothing was deleted.',
  input: z.object({ project: projectArg, run: runArg, run_id: runIdArg }),
  output: z.boolean(),
  result: 'boolean',
  access: 'write',
  writeKind: 'mutation',
  destructive: true,
  mcpOmit: ['run_id'],
  mcpRequire: ['run'],
  example: { project: 'mnist-classifier', run: 'baseline' },
  mcpNote: (deleted) => (deleted === false ? 'Nothing was deleted: the project or the run does not exist.' : null),
  handler: async ({ project, run, run_id }, ctx) => {
    return (await deleteRun(ctx.storage, project, run, run_id)) !== null
  },
})
