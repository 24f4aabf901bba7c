import { Elysia } from 'elysia'
import { presentedToken, tokenMatches } from '../../tools/core/write-token'
import { jsonResponse } from './respond'

/**
 * `POST /api/get_run_mutation_status`: whether this caller may rename or delete runs (the
 * dashboard greys its buttons out otherwise). Locally that is "does the request carry the write
 * token" (header, Bearer, cookie or `write_token` query), answered as Trackio does:
 * `{"spaces": false, "allowed": true|false, "auth": "local"|"none"}`. It needs the caller's request,
 * which tools do not see, so it is a route of its own; it takes no arguments and never fails.
 */
export function runMutationStatusRoute(writeToken: string) {
  return new Elysia({ name: 'trackio-run-mutation-status' }).post(
    '/api/get_run_mutation_status',
    ({ request }) => {
      const presented = presentedToken(request, null)
      const allowed = presented !== null && presented !== '' && tokenMatches(writeToken, presented)
      return jsonResponse({ data: { spaces: false, allowed, auth: allowed ? 'local' : 'none' } })
    },
    {
      parse: 'none',
      detail: {
        tags: ['server'],
        summary: 'Whether the caller may rename or delete runs (carries the write token).',
        description:
          'Takes no arguments (a body is ignored). Answers `{"data": {"spaces": false, "allowed": <bool>, "auth": "local" | "none"}}`: ' +
          '`allowed` is true when the request presents the write token (X-Trackio-Write-Token header, Authorization: Bearer, ' +
          'the trackio_write_token cookie, or the write_token query parameter).',
        responses: {
          200: {
            description: 'Mutation status',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { data: { type: 'object', properties: { spaces: { type: 'boolean' }, allowed: { type: 'boolean' }, auth: { type: 'string', enum: ['local', 'none'] } } } },
                },
              },
            },
          },
        },
      },
    },
  )
}
