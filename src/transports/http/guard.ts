import { BadRequestError, ForbiddenError, MisdirectedRequestError } from '../../errors'
import { errorResponse } from './respond'

export interface GuardOptions {
  /** Extra Host names (`name` any port, `name:port` exactly, `*.domain` any name below it, `*` anything), from --allowed-hosts / TRACKIO_ALLOWED_HOSTS. */
  allowedHosts?: readonly string[]
  /** The one foreign Origin allowed to call this server, with CORS headers (--cors-origin). */
  corsOrigin?: string | null
  /** The address the server is bound to; a specific one (not 0.0.0.0 / ::) is accepted as a Host name. */
  bindHost?: string
}

/** Headers a browser MCP client or dashboard on the CORS origin sends and must be able to read. */
const CORS_ALLOW_HEADERS = 'content-type, accept, authorization, x-trackio-write-token, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id'
const CORS_EXPOSE_HEADERS = 'mcp-session-id, mcp-protocol-version'

/** Allowed Host headers remembered with their parsed form (the memory starts over when full). */
const KEPT_HOSTS = 64

const HOST_HINT = 'This server answers to 127.0.0.1, localhost and [::1]; allow other names with --allowed-hosts or TRACKIO_ALLOWED_HOSTS.'

function parseHost(host: string): URL | null {
  try {
    const u = new URL(`http://${host}`)
    return u.host === host.toLowerCase() || u.host === host.toLowerCase().replace(/:80$/, '') ? u : null
  } catch {
    return null
  }
}

/** The host of an absolute request URL (in-process requests); null for a bare path (no Host sent). */
function urlHost(url: string): string | null {
  try {
    return new URL(url).host || null
  } catch {
    return null
  }
}

function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '')
}

/**
 * The guard every request passes before routing (DNS-rebinding and cross-site protection for a
 * server on the user's machine): a Host that is neither a loopback name nor explicitly allowed
 * gets 421; an Origin other than the server's own (or the CORS origin) gets 403. A request let through
 * gets the CORS headers to add to its response (none unless it comes from the CORS origin).
 */
export function createGuard(o: GuardOptions): (request: Request) => Response | Record<string, string> {
  const allowed = new Set((o.allowedHosts ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean))
  const bind = (o.bindHost ?? '').toLowerCase()
  if (bind && bind !== '0.0.0.0' && bind !== '::' && bind !== '[::]') allowed.add(bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind)
  const cors = o.corsOrigin ? normalizeOrigin(o.corsOrigin) : null

  const suffixes = [...allowed].filter((h) => h.startsWith('*.')).map((h) => h.slice(1))
  const hostAllowed = (u: URL) =>
    allowed.has('*') || isLoopbackName(u.hostname) || allowed.has(u.hostname) || allowed.has(u.host) || suffixes.some((s) => u.hostname.endsWith(s) && u.hostname.length > s.length)

  /**
   * A browser's Origin is scheme + host + port: only the origin the server is reached as (the Host
   * of this very request) is its own. Other loopback names or addresses on the same port are other
   * origins to a browser. https only for a non-loopback name (a TLS proxy in front of us).
   */
  const isOwnOrigin = (origin: string, host: URL) => {
    let u: URL
    try {
      u = new URL(origin)
    } catch {
      return false
    }
    if (u.protocol === 'http:') return u.host === host.host
    return u.protocol === 'https:' && !isLoopbackName(host.hostname) && u.hostname === host.hostname
  }

  // Host headers seen and allowed, with their parsed form: a client sends the same one on every request.
  const allowedSeen = new Map<string, URL>()
  const allowedHost = (rawHost: string): URL | null => {
    let host = allowedSeen.get(rawHost) ?? null
    if (host) return host
    host = parseHost(rawHost)
    if (!host || !hostAllowed(host)) return null
    if (allowedSeen.size >= KEPT_HOSTS) allowedSeen.clear()
    allowedSeen.set(rawHost, host)
    return host
  }

  return (request) => {
    const rawHost = request.headers.get('host') ?? urlHost(request.url)
    if (rawHost === null) return errorResponse(new BadRequestError(`Missing Host header: send one (HTTP/1.1 requires it). ${HOST_HINT}`))
    const host = allowedHost(rawHost)
    if (!host) return errorResponse(new MisdirectedRequestError(`Invalid Host header '${rawHost}'. ${HOST_HINT}`))
    const origin = request.headers.get('origin')
    if (origin === null) return {}
    const fromCors = cors !== null && normalizeOrigin(origin) === cors
    if (!fromCors && !isOwnOrigin(origin, host))
      return errorResponse(new ForbiddenError(`Invalid Origin header '${origin}': cross-origin requests are not accepted${cors ? '' : ' (allow one origin with --cors-origin)'}.`))
    if (!fromCors) return {}
    const headers: Record<string, string> = {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      vary: 'Origin',
    }
    if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method'))
      return new Response(null, {
        status: 204,
        headers: {
          ...headers,
          'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
          'access-control-allow-headers': CORS_ALLOW_HEADERS,
          'access-control-max-age': '600',
        },
      })
    return headers
  }
}
