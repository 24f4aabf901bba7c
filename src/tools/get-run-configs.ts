import { z } from 'zod'
import { allRunConfigs } from '../storage/read/configs'
import { defineTool, looseObject, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_run_configs',
  description: 'The config of every run of a project, keyed by run id.',
  notes: 'Keys are run ids (run names in databases that predate run ids). Reserved keys (`_Username`, `_Created`, `_Group`) included. Unknown project: `{}`.',
  input: z.object({ project: projectArg }),
  output: z.record(z.string(), looseObject),
  result: 'object',
  access: 'read',
  answerScope: 'project',
  httpOnly: true,
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) => readProject(ctx, project, new Map(), (p) => allRunConfigs(p)),
})
