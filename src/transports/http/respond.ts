import { messageOf, statusOf } from '../../errors'
import { stringify } from '../../json/serialize'
import type { Json } from '../../json/values'

/** JSON as Trackio's server writes it: compact, Python float spelling, non-finite as null. */
export function jsonResponse(body: Json, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(stringify(body, { style: 'python' }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** `{"error": message}` with the status of our error classes; anything else is a bug of ours (500). */
export function errorResponse(err: unknown): Response {
  const status = statusOf(err)
  if (status >= 500) console.error('trackio: internal error:', err)
  return jsonResponse({ error: messageOf(err) }, status)
}
