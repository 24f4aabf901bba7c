import { Elysia } from 'elysia'
import { BadRequestError } from '../../errors'
import { DEFAULT_MAX_UPLOAD_BYTES, type UploadStaging } from '../../storage/write/upload-staging'
import { checkContentLength } from './body'
import { multipartBoundary, readMultipart } from './multipart'
import { errorResponse, jsonResponse } from './respond'

/**
 * `POST /api/upload` (spec 8.2): multipart form, field `files` repeatable (other fields ignored).
 * Each file is staged and its absolute path returned, `{"paths": [...]}`, for a following
 * `bulk_upload_media` / `bulk_upload_artifact_blob` to claim. Authorised as bulk_upload_media is (the
 * write token locally). Files are written to the staging folder as they arrive (memory does not grow
 * with their size) under their own limit, `maxUploadBytes` for the whole form (artifact files may be
 * far larger than the JSON body limit); staging bounds its total files and bytes.
 */
export function uploadRoute(staging: UploadStaging, authorize: (request: Request) => void | Promise<void>, maxUploadBytes: number = DEFAULT_MAX_UPLOAD_BYTES) {
  return new Elysia({ name: 'trackio-upload' }).post(
    '/api/upload',
    async ({ request }) => {
      try {
        // Whoever may call bulk_upload_media may stage its files.
        await authorize(request)
        const boundary = multipartBoundary(request.headers.get('content-type') ?? '')
        if (boundary === null) throw new BadRequestError("Expected a multipart/form-data body with the files in field 'files'")
        checkContentLength(request, maxUploadBytes)
        const writer = staging.begin()
        try {
          let index = 0
          await readMultipart(
            request,
            boundary,
            async (head) => {
              if (head.name !== 'files') return null
              const i = index++
              if (head.filename === null) throw new BadRequestError(`files[${i}]: expected a file part, got a text field`)
              await writer.open(head.filename)
              return { write: (chunk) => writer.write(chunk), end: () => {} }
            },
            maxUploadBytes,
          )
          return jsonResponse({ paths: await writer.finish() })
        } catch (err) {
          await writer.abort()
          throw err
        }
      } catch (err) {
        return errorResponse(err)
      }
    },
    {
      parse: 'none',
      detail: {
        tags: ['upload'],
        summary: 'Stage files for bulk_upload_media (Trackio client endpoint).',
        description:
          "Multipart form with one or more parts named `files`. Answers `{\"paths\": [absolute staged paths]}`; pass each path as " +
          '`uploaded_file.path` to `bulk_upload_media`, which stores the file and deletes the staged copy. Needs the write token. ' +
          `Files are written to disk as they arrive; the whole request may hold ${maxUploadBytes} bytes (413 past that; ` +
          '`--max-upload-bytes`), more than the JSON body limit, so artifact files fit. Staged files not claimed within ' +
          `${Math.round(staging.limits.ttlMs / 1000)} s are deleted, and staging holds at most ${staging.limits.maxFiles} files / ` +
          `${staging.limits.maxBytes} bytes at once (503 until some are claimed).`,
        requestBody: {
          content: {
            'multipart/form-data': {
              schema: { type: 'object', properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } }, required: ['files'] },
            },
          },
        },
        responses: {
          200: { description: 'Staged paths', content: { 'application/json': { schema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } } } } } },
          400: { description: 'Not a multipart body' },
          401: { description: 'No write token' },
          413: { description: 'Body over the limit' },
          503: { description: 'Staging full' },
        },
      },
    },
  )
}
