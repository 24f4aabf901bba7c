import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ForbiddenError, UnauthorizedError } from '../../errors'

/** Where the token is found, for error messages. */
const WHERE =
  'Use the write token printed when the server started (the write-access URL carries it as ?write_token=...), ' +
  'or set TRACKIO_WRITE_TOKEN before starting it.'

/** TRACKIO_WRITE_TOKEN when set, else 32 random bytes as URL-safe base64 (43 characters), as Trackio makes it. */
export function makeWriteToken(env: Record<string, string | undefined>): string {
  return env.TRACKIO_WRITE_TOKEN || randomBytes(32).toString('base64url')
}

/**
 * The token a request presents: header `X-Trackio-Write-Token`, then `Authorization: Bearer`, then cookie
 * `trackio_write_token`, then query `write_token`, then the tool's `write_token` argument. The first
 * source present decides (Trackio's precedence for header > cookie > query; a present header is final).
 */
export function presentedToken(request: Request | null, argToken: unknown): string | null {
  if (request) {
    const h = request.headers.get('x-trackio-write-token')
    if (h !== null) return h
    const auth = request.headers.get('authorization')
    if (auth !== null && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '')
    const cookie = request.headers.get('cookie')
    if (cookie !== null) {
      for (const part of cookie.split(';')) {
        const eq = part.indexOf('=')
        if (eq > 0 && part.slice(0, eq).trim() === 'trackio_write_token') return part.slice(eq + 1).trim()
      }
    }
    const url = new URL(request.url)
    if (url.searchParams.has('write_token')) return url.searchParams.get('write_token')
  }
  return typeof argToken === 'string' ? argToken : null
}

/**
 * Constant-time comparison whatever the input: both sides are hashed first, so neither the length
 * nor the content of the presented value changes the work done, and non-ASCII cannot throw.
 */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest()
  const b = createHash('sha256').update(presented, 'utf8').digest()
  return timingSafeEqual(a, b)
}

/** Throw 401 when no token was presented, 403 when it is wrong. */
export function requireWriteToken(expected: string, presented: string | null, action: string): void {
  if (presented === null || presented === '') throw new UnauthorizedError(`A write token is required to ${action}. ${WHERE}`)
  if (!tokenMatches(expected, presented)) throw new ForbiddenError(`The write token presented is not valid for this server. ${WHERE}`)
}
