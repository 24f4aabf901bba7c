import { z } from 'zod'
import { registryDetails } from '../storage/read/registries'
import { defineTool, looseObject } from './core/define'
import { needsSpace } from './core/spaces-only'

export default defineTool({
  name: 'get_registry_details',
  description: 'One local artifact registry: its collections (each with its linked artifact versions and aliases) and its event log.',
  notes: 'Collections by type then name, links newest first, events oldest first. An unknown registry, a bad name, or a `bucket_id`: 400.',
  input: z.object({
    registry: z.string().describe('Registry name (letters, digits, `_`, `-`).'),
    bucket_id: z.string().nullable().optional().default(null).describe('Must be null here (bucket registries need Hugging Face).'),
  }),
  output: z.object({ name: z.string(), description: z.string().nullable(), created_at: z.string(), bucket_id: z.null(), collections: z.array(looseObject), events: z.array(looseObject) }),
  result: 'object',
  access: 'read',
  httpOnly: true,
  example: { registry: 'models' },
  handler: ({ registry, bucket_id }, ctx) => {
    if (bucket_id !== null) throw needsSpace(`Reading the registry '${registry}' from the bucket '${bucket_id}'`, 'Leave bucket_id null for a local registry.')
    return registryDetails(ctx.storage, registry)
  },
})
