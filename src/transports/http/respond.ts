import { messageOf, statusOf, TrackioError } from '../../errors'
import { stringify } from '../../json/serialize'
import { JsonRecords, type JsonResult } from '../../json/values'

/** Rows per chunk when a large answer is streamed. */
const STREAM_ROWS = 8192

/** JSON as Trackio's server writes it: compact, Python float spelling, non-finite as null. */
export function jsonResponse(body: JsonResult, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(jsonBody(body), { status, headers: { 'content-type': 'application/json', ...headers } })
}

/** The text `jsonResponse` sends, or a stream for a large answer (written chunk by chunk). */
export function jsonBody(body: JsonResult): string | ReadableStream<Uint8Array> {
  const data = (body as { data?: unknown }).data
  const single = data !== undefined && Object.keys(body as object).length === 1
  if (single) {
    if (data instanceof JsonRecords && data.length > STREAM_ROWS) return streamRecords(data)
    const groups = recordGroups(data)
    if (groups && groups.rows > STREAM_ROWS) return streamGroups(groups.map)
    // A cached answer that keeps its own spelling (storage/read/answer-cache.ts) is not spelled again.
    const spelled = (data as { pythonText?(): string } | null)?.pythonText?.()
    if (spelled !== undefined) return `{"data":${spelled}}`
  }
  return stringify(body, { style: 'python' })
}

/**
 * `{"data": [...]}` for a large answer (200,000 metric points), written chunk by chunk: the client
 * reads while later rows are still being spelled, and no 17 MB string is ever built. The rows are
 * already read (the read transaction is over), so a slow client holds no database snapshot.
 */
function streamRecords(records: JsonRecords): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let next = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const start = next
      next = Math.min(records.length, start + STREAM_ROWS)
      // Records that can spell themselves (a cached series, through the native JSON.stringify) do so.
      const fast = (records as { pythonJson?(a: number, b: number): string | null }).pythonJson?.(start, next)
      const rows = fast ?? stringify(records.slice(start, next), { style: 'python' }).slice(1, -1)
      const head = start === 0 ? '{"data":[' : ','
      const tail = next === records.length ? ']}' : ''
      controller.enqueue(encoder.encode(head + rows + tail))
      if (next === records.length) controller.close()
    },
  })
}

/** A Map of JsonRecords (get_snapshot's answer) and its total row count; null for anything else. */
function recordGroups(data: unknown): { map: Map<string, JsonRecords>; rows: number } | null {
  if (!(data instanceof Map)) return null
  let rows = 0
  for (const v of data.values()) {
    if (!(v instanceof JsonRecords)) return null
    rows += v.length
  }
  return { map: data as Map<string, JsonRecords>, rows }
}

/** `{"data": {"key": [...], ...}}` written chunk by chunk, STREAM_ROWS rows at a time across keys. */
function streamGroups(groups: Map<string, JsonRecords>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const entries = [...groups]
  let g = 0
  let next = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let out = g === 0 && next === 0 ? '{"data":{' : ''
      let budget = STREAM_ROWS
      while (budget > 0 && g < entries.length) {
        const [key, records] = entries[g]!
        if (next === 0) out += (g ? ',' : '') + JSON.stringify(key) + ':['
        const end = Math.min(records.length, next + budget)
        if (end > next) out += (next ? ',' : '') + stringify(records.slice(next, end), { style: 'python' }).slice(1, -1)
        budget -= end - next
        next = end
        if (next === records.length) {
          out += ']'
          g++
          next = 0
        }
      }
      if (g === entries.length) out += '}}'
      controller.enqueue(encoder.encode(out))
      if (g === entries.length) controller.close()
    },
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
