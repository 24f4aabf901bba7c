import { z } from 'zod'
import { defineTool } from './core/define'

export default defineTool({
  name: 'get_all_projects',
  description: 'List all Trackio projects available on this server.',
  input: z.object({}),
  output: z.array(z.string()).describe('Database file stems (canonical project names), in code-point order.'),
  result: 'list',
  access: 'read',
  answerScope: 'projects',
  example: {},
  handler: (_args, ctx) => ctx.storage.listProjects(),
})
