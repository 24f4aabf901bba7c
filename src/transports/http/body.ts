import { BadRequestError, PayloadTooLargeError } from '../../errors'
import { JsonSyntaxError, parseJson, parseJsonAsync } from '../../json/parse'
import type { Json } from '../../json/values'

/** Deepest nesting a request body may have; Trackio's payloads need a handful of levels. */
export const MAX_BODY_DEPTH = 64

/** Largest request body accepted (bulk logging batches included); larger ones get 413 with a JSON error. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024

/**
 * Bun's own limit, set far above ours: Bun answers a Content-Length over its limit with an empty
 * 413 before any handler runs, so ours (Content-Length checked in onRequest, streams counted while
 * read) must always be the one that trips for clients to get JSON. Routes that read bodies
 * themselves go through `readBodyBytes` or `limitedRequest`.
 */
export function serverBodyLimit(_limit: number): number {
  return Number.MAX_SAFE_INTEGER
}

/**
 * `request` with a body that fails with 413 past `limit` bytes, for handlers that read bodies
 * themselves (MCP). Only chunked bodies need it: a Content-Length was already checked.
 */
export function limitedRequest(request: Request, limit: number = MAX_BODY_BYTES): Request {
  if (request.body === null || request.headers.has('content-length')) return request
  const reader = request.body.getReader()
  let total = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      const { value, done } = await readChunk(reader)
      if (done) return c.close()
      total += value.byteLength
      if (total > limit) {
        reader.cancel().catch(() => {})
        return c.error(bodyTooLarge(limit))
      }
      c.enqueue(value)
    },
    cancel: (why) => reader.cancel(why),
  })
  return new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal, duplex: 'half' } as RequestInit)
}

/**
 * The client closed the connection before its body was complete: its own doing, so a 400 that
 * is not logged (nobody reads the answer), never an internal error.
 */
export class RequestAbortedError extends BadRequestError {
  constructor() {
    super('Request body incomplete: the client closed the connection')
  }
}

/** Whether a body read failed because the connection went away (Bun raises an AbortError). */
export function isAbortedBody(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null
  return e?.name === 'AbortError' || e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE'
}

/** `read()` of a body reader, with a dropped connection turned into RequestAbortedError. */
export async function readChunk(reader: { read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }> }): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }> {
  try {
    return await reader.read()
  } catch (err) {
    throw isAbortedBody(err) ? new RequestAbortedError() : err
  }
}

/** A whole body as text, with a dropped connection turned into RequestAbortedError. */
export async function readText(request: Request): Promise<string> {
  try {
    return await request.text()
  } catch (err) {
    throw isAbortedBody(err) ? new RequestAbortedError() : err
  }
}

export function bodyTooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`Request body too large: limit is ${limit} bytes`)
}

/** Throws 413 when the declared Content-Length is over `limit` (checked before reading anything); the declared length, if any. */
export function checkContentLength(request: Request, limit: number = MAX_BODY_BYTES): number | null {
  const declared = declaredLength(request)
  if (declared !== null && declared > limit) throw bodyTooLarge(limit)
  return declared
}

/** Declared bodies up to this size are read in one piece. */
const WHOLE_BODY_BYTES = 1024 * 1024

/** The request's Content-Length when it is a plain number, else null. */
function declaredLength(request: Request): number | null {
  const declared = request.headers.get('content-length')
  return declared !== null && /^\s*\d+\s*$/.test(declared) ? Number(declared) : null
}

/**
 * Free the memory of a buffer we are done with now rather than at the next collection: a 10 MB
 * body would otherwise be held three times over (Bun's 64 KiB chunks, their copy, its text) until
 * then. Only a view that spans its whole buffer is released (a slice of a shared one is not ours).
 */
export function releaseBuffer(view: Uint8Array): void {
  if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) return
  try {
    ;(view.buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0)
  } catch {
    /* not transferable: left to the collector */
  }
}

/**
 * The body's bytes, reading at most `limit` + 1 of them (chunked bodies have no Content-Length to
 * trust). A small body with a Content-Length is read whole; a larger one is copied chunk by chunk
 * into one buffer of that size, each chunk released at once (a 10 MB body is then held once).
 */
export async function readBodyBytes(request: Request, limit: number = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = checkContentLength(request, limit)
  if (request.body === null) return new Uint8Array(0)
  // A small declared body is read whole, without a stream reader (the common case, and the cheapest).
  if (declared !== null && declared <= WHOLE_BODY_BYTES) {
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await request.arrayBuffer())
    } catch (err) {
      throw isAbortedBody(err) ? new RequestAbortedError() : err
    }
    // Over HTTP the framing holds a body to its length; an in-process Request may carry more.
    if (bytes.byteLength > limit) throw bodyTooLarge(limit)
    return bytes
  }
  const reader = request.body.getReader()
  let out = declared !== null ? new Uint8Array(declared) : null
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { value, done } = await readChunk(reader)
    if (done) break
    const n = value.byteLength
    if (total + n > limit) {
      reader.cancel().catch(() => {})
      throw bodyTooLarge(limit)
    }
    if (out && total + n <= out.byteLength) {
      out.set(value, total)
      releaseBuffer(value)
    } else {
      // no Content-Length (or more bytes than it said): collect, join at the end
      if (out) chunks.push(out.subarray(0, total))
      out = null
      chunks.push(value)
    }
    total += n
  }
  if (out) return total === out.byteLength ? out : out.subarray(0, total)
  if (chunks.length === 1) return chunks[0]!
  const joined = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    joined.set(c, at)
    at += c.byteLength
    releaseBuffer(c)
  }
  return joined
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Bodies longer than this are parsed with yields to the event loop. */
const ASYNC_PARSE_CHARS = 1024 * 1024

/**
 * A request body as our lossless JSON (any Content-Type, as Trackio); empty means no arguments.
 * Bare NaN, Infinity and -Infinity are read as Python's json reads them: Trackio's client sends
 * them (json.dumps(allow_nan=True)) in configs and metrics, and storage spells them as strings.
 */
export async function readJsonBody(request: Request, limit: number = MAX_BODY_BYTES): Promise<Json> {
  return parseBodyText(decodeBody(await readBodyBytes(request, limit)))
}

/** A body's bytes as text (400 when they are not UTF-8); the bytes are released once decoded. */
export function decodeBody(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new BadRequestError('Request body is not valid UTF-8')
  } finally {
    releaseBuffer(bytes)
  }
}

/**
 * A body's text as our lossless JSON, as `readJsonBody` reads it. Lists under the member names
 * `deferLists` (of the body or of its `kwargs`) come back as `JsonListText`: checked like the rest, not built.
 */
export async function parseBodyText(text: string, deferLists: readonly string[] = []): Promise<Json> {
  if (text.trim() === '') return null
  try {
    const options = { allowNonFinite: true, maxDepth: MAX_BODY_DEPTH }
    // A large body (a client's backlog) is parsed in slices so other requests are served meanwhile;
    // entry lists stay text, read one entry at a time by the tool (ingest/entry-list.ts).
    if (deferLists.length) return await parseJsonAsync(text, { ...options, deferLists })
    return text.length > ASYNC_PARSE_CHARS ? await parseJsonAsync(text, options) : parseJson(text, options)
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new BadRequestError(`Request body is not valid JSON: ${err.message}`)
    throw err
  }
}
