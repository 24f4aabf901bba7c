/** Most resource URIs one `subscriptions/listen` stream may name. */
export const MAX_LISTEN_URIS = 256
/** Longest resource URI accepted in a listen filter. */
export const MAX_URI_LENGTH = 2048

function invalid(id: unknown, message: string): Response {
  // In-band, as the SDK answers a listen it cannot honour (HTTP 200, JSON-RPC error): the request was well-formed.
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error: { code: -32602, message } }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })
}

/**
 * The resource URIs a 2026-07-28 `subscriptions/listen` request asks to watch: null when the
 * body is not such a request, an error response when the filter is over the bounds.
 */
export function listenUris(body: unknown): string[] | null | Response {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null
  const msg = body as { id?: unknown; method?: unknown; params?: { notifications?: { resourceSubscriptions?: unknown } } }
  if (msg.method !== 'subscriptions/listen') return null
  const subs = msg.params?.notifications?.resourceSubscriptions
  if (subs === undefined || subs === null) return []
  if (!Array.isArray(subs)) return null // the SDK answers the malformed filter itself
  if (subs.length > MAX_LISTEN_URIS)
    return invalid(msg.id, `Invalid params: resourceSubscriptions lists ${subs.length} URIs; at most ${MAX_LISTEN_URIS} per stream`)
  const uris = subs.filter((u): u is string => typeof u === 'string')
  const long = uris.find((u) => u.length > MAX_URI_LENGTH)
  if (long !== undefined) return invalid(msg.id, `Invalid params: a resourceSubscriptions URI is longer than ${MAX_URI_LENGTH} characters`)
  return uris
}
