import { z } from 'zod'
import { defineTool } from './core/define'

export default defineTool({
  name: 'get_registry_buckets',
  description: 'The Hugging Face buckets the dashboard may read artifact registries from, and the default one.',
  notes:
    'A self-hosted server holds no Hugging Face credentials, so it lists only the default bucket named by ' +
    '`TRACKIO_REGISTRY_BUCKET_ID` (if set), as Trackio does when no token is available. Local registries: get_registries.',
  input: z.object({}),
  output: z.object({ buckets: z.array(z.string()), default_bucket_id: z.string().nullable() }),
  result: 'object',
  access: 'read',
  httpOnly: true,
  example: {},
  handler: () => {
    const id = process.env.TRACKIO_REGISTRY_BUCKET_ID || null
    return { buckets: id ? [id] : [], default_bucket_id: id }
  },
})
