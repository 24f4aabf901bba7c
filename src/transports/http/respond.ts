import { messageOf, statusOf, TrackioError } from '../../errors'
import { stringify } from '../../json/serialize'
import type { JsonResult } from '../../json/values'

/** JSON as Trackio's server writes it: compact, Python float spelling, non-finite as null. */
export function jsonResponse(body: JsonResult, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(stringify(body, { style: 'python' }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** `{"error": message}` with the status of our error classes; anything else is a bug of ours (500). */
export function errorResponse(err: unknown): Response {
  const status = statusOf(err)
  // A stack only for our bugs; a project that cannot be used right now (503) gets one line.
  if (!(err instanceof TrackioError)) console.error('trackio: internal error:', err)
  else if (status >= 500) console.error(`trackio: ${messageOf(err)}`)
  return jsonResponse({ error: messageOf(err) }, status)
}
