import { z } from 'zod'
import { stemTooLong } from '../storage/db/paths'
import { MAX_PROJECT_FILES, projectFiles } from '../storage/read/project-files'
import { defineTool, projectArg } from './core/define'

export default defineTool({
  name: 'get_project_files',
  description: 'List the files saved to a project (trackio.save / uploads without a run), with their paths and sizes.',
  notes:
    'Files below `media/{project}/files`, sorted by relative path; `path` is the absolute path the dashboard passes to `GET /file`. ' +
    `Symbolic links are skipped; at most ${MAX_PROJECT_FILES} files.`,
  input: z.object({ project: projectArg }),
  output: z.array(z.object({ name: z.string(), path: z.string(), size: z.int() })),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: { project: 'mnist-classifier' },
  handler: ({ project }, ctx) => {
    const paths = ctx.storage.paths(project)
    if (stemTooLong(paths.stem)) return []
    return projectFiles(paths.mediaDir).map((f) => ({ name: f.name, path: f.path, size: f.size }))
  },
})
