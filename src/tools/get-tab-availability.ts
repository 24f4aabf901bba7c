import { z } from 'zod'
import { stemTooLong } from '../storage/db/paths'
import { projectFiles } from '../storage/read/project-files'
import { NO_TABS, tabFlags } from '../storage/read/tabs'
import { defineTool, projectArg } from './core/define'
import { readProject } from './core/read-project'

export default defineTool({
  name: 'get_tab_availability',
  description: 'Which dashboard tabs have data for a project: metrics, system, traces, media, reports, files, artifacts.',
  notes: '`reports` is true for markdown reports or any alert; `files` for any file below `media/{project}/files`.',
  input: z.object({ project: projectArg }),
  output: z.object({ metrics: z.boolean(), system: z.boolean(), traces: z.boolean(), media: z.boolean(), reports: z.boolean(), files: z.boolean(), artifacts: z.boolean() }),
  result: 'object',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) => {
    const flags = readProject(ctx, project, NO_TABS, (p) => tabFlags(p))
    const paths = ctx.storage.paths(project)
    const files = !stemTooLong(paths.stem) && projectFiles(paths.mediaDir, 1).length > 0
    return { metrics: flags.metrics, system: flags.system, traces: flags.traces, media: flags.media, reports: flags.reports || flags.alerts, files, artifacts: flags.artifacts }
  },
})
