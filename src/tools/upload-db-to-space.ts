import { z } from 'zod'
import { clientWrite, defineTool, projectArg } from './core/define'
import { needsSpace } from './core/spaces-only'

export default defineTool({
  name: 'upload_db_to_space',
  description: 'Replace a project database on a Trackio Space with an uploaded one (what `trackio sync` uses). Not offered here.',
  notes:
    'Needs the write token; then always 400. Overwriting a whole project database from a client is how `trackio sync` seeds a ' +
    'Hugging Face Space; a self-hosted server takes data through the logging endpoints instead (trackio.init(server_url=...)), ' +
    'which merge with what is stored rather than replacing it.',
  input: z.object({
    project: projectArg,
    uploaded_db: z.unknown().describe('Gradio FileData of a staged database file.'),
    hf_token: z.string().nullable().optional(),
  }),
  ...clientWrite,
  example: { project: 'mnist-classifier', uploaded_db: { path: '/tmp/trackio-upload-x.db' }, hf_token: null },
  handler: () => {
    throw needsSpace(
      'upload_db_to_space (replacing a project database with an uploaded file, as `trackio sync` does to seed a Space)',
      'Log to this server with trackio.init(project=..., server_url="http://HOST:PORT/?write_token=...") instead.',
    )
  },
})
