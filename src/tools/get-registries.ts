import { z } from 'zod'
import { listRegistries } from '../storage/read/registries'
import { defineTool } from './core/define'
import { needsSpace } from './core/spaces-only'

export default defineTool({
  name: 'get_registries',
  description: 'List the artifact registries stored locally (registry-{name}.db beside the projects), by name.',
  notes: 'Registries are created with the Python library (`trackio.Api().create_registry(...)`). A `bucket_id` (a registry in a Hugging Face bucket) is refused with 400: this server does not read Hugging Face buckets.',
  input: z.object({ bucket_id: z.string().nullable().optional().default(null).describe('Must be null here (bucket registries need Hugging Face).') }),
  output: z.array(z.object({ name: z.string(), description: z.string().nullable(), created_at: z.string() })),
  result: 'list',
  access: 'read',
  httpOnly: true,
  example: {},
  handler: ({ bucket_id }, ctx) => {
    if (bucket_id !== null) throw needsSpace(`Reading registries from the bucket '${bucket_id}'`, 'Call get_registries without bucket_id for the local registries.')
    return listRegistries(ctx.storage)
  },
})
