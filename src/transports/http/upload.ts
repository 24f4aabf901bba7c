import { Elysia } from 'elysia'
import { BadRequestError } from '../../errors'
import type { UploadStaging } from '../../storage/write/upload-staging'
import { MAX_BODY_BYTES, readBodyBytes } from './body'
import { errorResponse, jsonResponse } from './respond'

/**
 * `POST /api/upload` (spec 8.2): multipart form, field `files` repeatable (other fields ignored).
 * Each file is staged and its absolute path returned, `{"paths": [...]}`, for a following
 * `bulk_upload_media` to claim. Authorised as bulk_upload_media is (the write token locally); the body
 * limit applies to the whole form.
 */
export function uploadRoute(staging: UploadStaging, authorize: (request: Request) => void | Promise<void>, maxBodyBytes: number = MAX_BODY_BYTES) {
  return new Elysia({ name: 'trackio-upload' }).post(
    '/api/upload',
    async ({ request }) => {
      try {
        // Whoever may call bulk_upload_media may stage its files.
        await authorize(request)
        const type = request.headers.get('content-type') ?? ''
        if (!/^multipart\/form-data\s*;.*boundary=/i.test(type))
          throw new BadRequestError("Expected a multipart/form-data body with the files in field 'files'")
        const bytes = await readBodyBytes(request, maxBodyBytes)
        let form: Awaited<ReturnType<Response['formData']>>
        try {
          form = await new Response(bytes, { headers: { 'content-type': type } }).formData()
        } catch {
          throw new BadRequestError('The multipart/form-data body could not be parsed')
        }
        const files = (form.getAll('files') as unknown[]).map((f, i) => {
          if (!(f instanceof Blob)) throw new BadRequestError(`files[${i}]: expected a file part, got a text field`)
          return { name: (f as File).name ?? '', data: f }
        })
        return jsonResponse({ paths: await staging.stage(files) })
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
          `The whole request is limited like any body (413 past ${maxBodyBytes} bytes); staged files not claimed within ` +
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
