import { BadRequestError } from '../../errors'
import { bodyTooLarge, readChunk, releaseBuffer } from './body'

/**
 * multipart/form-data read as it arrives: each part's bytes go to a sink as soon as they are known
 * not to hold the next boundary, so a 2 GiB file costs a few chunks of memory, never its size.
 */

export interface PartHead {
  /** The form field name (`name="…"` of Content-Disposition). */
  name: string
  /** `filename="…"` when the part is a file, else null. */
  filename: string | null
}

/** Where a part's bytes go; `write` is awaited before the next chunk is read. */
export interface PartSink {
  write(chunk: Uint8Array): Promise<void> | void
  end(): Promise<void> | void
}

/** Longest header block of one part (a Content-Disposition and a Content-Type need far less). */
const MAX_PART_HEADER_BYTES = 16 * 1024

/** The boundary of a multipart/form-data Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^\s*multipart\/form-data\s*;/i.test(contentType)) return null
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType)
  return m ? (m[1] ?? m[2]!) : null
}

/** The `name` and `filename` of a part's headers (Content-Disposition: form-data; name="files"; filename="a.png"). */
function partHead(headers: string): PartHead {
  const disposition = headers.split('\r\n').find((line) => /^content-disposition\s*:/i.test(line))
  if (!disposition) throw new BadRequestError('A multipart part has no Content-Disposition header')
  const param = (key: string): string | null => {
    const m = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(disposition)
    if (!m) return null
    return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!
  }
  return { name: param('name') ?? '', filename: param('filename') }
}

/**
 * Read the multipart body of `request` (boundary `boundary`): `onPart` is called with each part's
 * head and gives the sink for its bytes, or null to drop them. More than `limit` bytes of body is a
 * 413 (nothing more is read); a body that is not multipart as declared is a 400.
 */
export async function readMultipart(
  request: Request,
  boundary: string,
  onPart: (head: PartHead) => PartSink | null | Promise<PartSink | null>,
  limit: number,
): Promise<void> {
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  if (request.body === null) throw new BadRequestError('The multipart/form-data body could not be parsed: it is empty')
  const reader = request.body.getReader()
  // The first delimiter has no CRLF before it: start as if the body began with one.
  let buf: Buffer = Buffer.from('\r\n')
  let total = 0
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'data' | 'done' = 'preamble'
  let sink: PartSink | null = null
  const bad = (why: string) => new BadRequestError(`The multipart/form-data body could not be parsed: ${why}`)
  try {
    for (;;) {
      const { value, done } = await readChunk(reader)
      if (done) break
      total += value.byteLength
      if (total > limit) throw bodyTooLarge(limit)
      if (state === 'done') continue
      const joined = buf.length > 0
      buf = joined ? Buffer.concat([buf, value]) : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      const work = buf
      // Consume as much of `buf` as can be decided now.
      for (;;) {
        if (state === 'preamble') {
          const at = buf.indexOf(delimiter)
          if (at < 0) {
            buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1))
            break
          }
          buf = buf.subarray(at + delimiter.length)
          state = 'after-delimiter'
        } else if (state === 'after-delimiter') {
          if (buf.length < 2) break
          if (buf[0] === 45 && buf[1] === 45) {
            state = 'done'
            break
          }
          const eol = buf.indexOf('\r\n')
          if (eol < 0) {
            if (buf.length > 256) throw bad('no line end after a boundary')
            break
          }
          if (buf.subarray(0, eol).toString('latin1').trim() !== '') throw bad('unexpected text after a boundary')
          buf = buf.subarray(eol + 2)
          state = 'headers'
        } else if (state === 'headers') {
          const end = buf.indexOf('\r\n\r\n')
          if (end < 0) {
            if (buf.length > MAX_PART_HEADER_BYTES) throw bad('part headers too long')
            break
          }
          const head = partHead(buf.subarray(0, end).toString('utf8'))
          buf = buf.subarray(end + 4)
          sink = await onPart(head)
          state = 'data'
        } else if (state === 'data') {
          const at = buf.indexOf(delimiter)
          // Without a delimiter, all but its length - 1 last bytes are surely data.
          const upto = at >= 0 ? at : Math.max(0, buf.length - delimiter.length + 1)
          if (upto > 0 && sink) await sink.write(buf.subarray(0, upto))
          if (at < 0) {
            buf = Buffer.from(buf.subarray(upto))
            break
          }
          if (sink) await sink.end()
          sink = null
          buf = buf.subarray(at + delimiter.length)
          state = 'after-delimiter'
        } else break
      }
      // Keep no view into the chunk: what is left is at most a boundary's or a header block's length.
      if (buf.buffer === value.buffer || buf.buffer === work.buffer) buf = Buffer.from(buf)
      // Written (each write is awaited) and copied: free both now, not at the next collection.
      releaseBuffer(value)
      if (joined) releaseBuffer(new Uint8Array(work.buffer, work.byteOffset, work.byteLength))
    }
  } catch (err) {
    reader.cancel().catch(() => {})
    throw err
  }
  if (state !== 'done') throw bad('the body ended before its closing boundary')
}
