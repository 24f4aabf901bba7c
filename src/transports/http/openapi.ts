import { openapi } from '@elysiajs/openapi'
import { z } from 'zod'
import type { ToolDef } from '../../tools/core/define'
import { MAX_BODY_BYTES, MAX_BODY_DEPTH } from './body'
import { SWAGGER_BUNDLE_PATH, SWAGGER_CSS_PATH } from './swagger-assets'

const errorBody = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] }

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

const BODY_FORMS =
  'Arguments go in a JSON body as a flat object (shown), as `{"kwargs": {...}}`, as `{"args": [...]}` in the ' +
  'positional order of the schema, or as `{"data": [...]}`. `hf_token` and `write_token` are accepted by every tool.'

/** The OpenAPI operation of one tool, derived from its registry entry. */
export function operationFor(tool: ToolDef): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    200: {
      description: 'The result, as `{"data": ...}`.',
      content: {
        'application/json': {
          schema: { type: 'object', properties: { data: schemaOf(tool.output, 'output') }, required: ['data'] },
        },
      },
    },
    400: { description: 'Bad arguments or body; the message names the field.', content: { 'application/json': { schema: errorBody } } },
    413: { description: `Body over ${MAX_BODY_BYTES} bytes.`, content: { 'application/json': { schema: errorBody } } },
  }
  if (tool.access === 'write') {
    responses[401] = { description: 'No write token presented.', content: { 'application/json': { schema: errorBody } } }
    responses[403] = { description: 'Wrong write token.', content: { 'application/json': { schema: errorBody } } }
  }
  return {
    summary: tool.description,
    description: [tool.description, tool.notes, BODY_FORMS].filter(Boolean).join('\n\n'),
    tags: [tool.access === 'write' ? 'write' : 'read'],
    operationId: tool.name,
    requestBody: {
      required: false,
      content: { 'application/json': { schema: schemaOf(tool.input, 'input'), example: tool.example } },
    },
    responses,
    ...(tool.access === 'write' ? { security: [{ writeToken: [] }, { bearer: [] }] } : {}),
  }
}

/** Swagger UI at /swagger and the document at /swagger/json, with the UI's assets served locally. */
export function openapiPlugin(version: string) {
  return openapi({
    path: '/swagger',
    provider: 'swagger-ui',
    exclude: { paths: [/^\/mcp/, /^\/swagger-assets/, '/api/:name'] },
    documentation: {
      info: {
        title: 'Trackio server',
        version,
        description:
          'Trackio experiment data over HTTP: every tool is `POST /api/{tool}` and answers `{"data": ...}` or `{"error": "..."}`. ' +
          'Read tools are open; write tools need the write token printed at startup (header `X-Trackio-Write-Token`, ' +
          '`Authorization: Bearer`, cookie `trackio_write_token` or query `?write_token=`). ' +
          `Request bodies are limited to ${MAX_BODY_BYTES} bytes (larger: 413 \`{"error": "Request body too large: limit is ${MAX_BODY_BYTES} bytes"}\`) ` +
          `and ${MAX_BODY_DEPTH} levels of nesting.`,
      },
      tags: [
        { name: 'read', description: 'Read experiment data' },
        { name: 'write', description: 'Change data (write token required)' },
        { name: 'server', description: 'Server information' },
      ],
      components: {
        securitySchemes: {
          writeToken: { type: 'apiKey', in: 'header', name: 'X-Trackio-Write-Token' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    swagger: { cdn: SWAGGER_BUNDLE_PATH, theme: SWAGGER_CSS_PATH, url: '/swagger/json' } as Record<string, string>,
  })
}
