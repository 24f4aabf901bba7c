import { Elysia } from 'elysia'
import { extname } from 'node:path'
import { BadRequestError, NotFoundError, TrackioError } from '../../errors'
import { findMediaFile } from '../../storage/read/media-files'
import logoDark from './assets/trackio_logo_type_dark_transparent.png' with { type: 'file' }
import logoLight from './assets/trackio_logo_type_light_transparent.png' with { type: 'file' }
import { errorResponse } from './respond'

/** The logo files get_settings advertises (`/file?path=<name>`), embedded in the binary. */
const EMBEDDED: Record<string, string> = {
  'trackio_logo_type_light_transparent.png': logoLight,
  'trackio_logo_type_dark_transparent.png': logoDark,
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.avi': 'video/x-msvideo',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.obj': 'model/obj',
  '.stl': 'model/stl',
  '.ply': 'application/octet-stream',
  '.splat': 'application/octet-stream',
}

export function contentTypeOf(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** 416 with the header RFC 9110 asks for. */
class RangeNotSatisfiableError extends TrackioError {
  override readonly status = 416
}

/**
 * The byte range a `Range` header asks for, or null to send the whole file (no header, another
 * unit, several ranges, or syntax we do not read: all allowed to be ignored). Throws 416 when the
 * one range asked for lies past the end.
 */
export function byteRange(header: string | null, size: number): { start: number; end: number } | null {
  if (header === null) return null
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (!m || (m[1] === '' && m[2] === '')) return null
  let start: number
  let end: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) throw new RangeNotSatisfiableError(`Range not satisfiable: file has ${size} bytes`)
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    if (m[2] !== '' && Number(m[2]) < start) return null
  }
  if (start >= size) throw new RangeNotSatisfiableError(`Range not satisfiable: file has ${size} bytes`)
  return { start, end }
}

/** Media and some text (html, svg) are user content: served sandboxed so a logged page cannot act as this origin. */
function contentHeaders(type: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': type, 'x-content-type-options': 'nosniff', 'accept-ranges': 'bytes' }
  if (type.startsWith('text/html') || type === 'image/svg+xml') h['content-security-policy'] = 'sandbox allow-scripts'
  return h
}

function serve(request: Request, path: string, size: number, type: string, extra: Record<string, string> = {}): Response {
  const headers = { ...contentHeaders(type), ...extra }
  const file = Bun.file(path)
  const head = request.method === 'HEAD'
  let range
  try {
    range = byteRange(request.headers.get('range'), size)
  } catch (err) {
    return new Response(JSON.stringify({ error: (err as Error).message }), {
      status: 416,
      headers: { 'content-type': 'application/json', 'content-range': `bytes */${size}` },
    })
  }
  if (!range) return new Response(head ? null : file, { status: 200, headers: { ...headers, 'content-length': String(size) } })
  const length = range.end - range.start + 1
  return new Response(head ? null : file.slice(range.start, range.end + 1), {
    status: 206,
    headers: { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': String(length) },
  })
}

/**
 * `GET /file?path=…` (spec 6.1): a logged media file, by the absolute path Trackio's dashboard
 * sends or by the `file_path` stored in a value (relative to the media directory), or one of our
 * embedded logo files. Anything else, database files and anything outside the media directory
 * (links resolved) included, is 404. Single `Range` requests are answered (206 / 416) for audio
 * and video seeking.
 */
export function fileRoute(mediaDir: string) {
  const handler = ({ request }: { request: Request }) => {
    try {
      const raw = new URL(request.url).searchParams.get('path')
      if (raw === null) throw new BadRequestError('Missing path')
      let requested = raw
      // Trackio percent-decodes once more after the query decoding.
      try {
        requested = decodeURIComponent(raw)
      } catch {}
      const embedded = Object.hasOwn(EMBEDDED, requested) ? EMBEDDED[requested]! : null
      if (embedded) {
        const size = Bun.file(embedded).size
        return serve(request, embedded, size, 'image/png', { 'cache-control': 'max-age=86400' })
      }
      const found = findMediaFile(mediaDir, requested)
      if (!found) throw new NotFoundError('Not found')
      return serve(request, found.path, found.size, contentTypeOf(found.path), { 'last-modified': new Date(found.mtimeMs).toUTCString() })
    } catch (err) {
      return errorResponse(err)
    }
  }
  const detail = {
    tags: ['files'],
    summary: 'A logged media file or an embedded logo.',
    description:
      '`path` is the absolute path of a file under the media directory (as Trackio\'s dashboard sends it) or a `file_path` ' +
      'as stored in a logged value (relative to the media directory), or the name of a logo get_settings advertises. ' +
      'Only regular files under the media directory (every link resolved) are served; database files never. ' +
      'A single `Range: bytes=…` is answered with 206 (416 past the end). HTML and SVG are served with `Content-Security-Policy: sandbox allow-scripts`.',
    parameters: [{ name: 'path', in: 'query' as const, required: true, schema: { type: 'string' as const } }],
    responses: { 200: { description: 'The file' }, 206: { description: 'Part of the file' }, 400: { description: 'Missing path' }, 404: { description: 'Not found' }, 416: { description: 'Range not satisfiable' } },
  }
  return new Elysia({ name: 'trackio-file' }).get('/file', handler, { detail }).head('/file', handler, { detail: { hide: true } })
}
