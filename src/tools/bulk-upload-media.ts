import { z } from 'zod'
import { BadRequestError } from '../errors'
import { mediaTargetPath, storeMedia } from '../storage/write/media-upload'
import { clientWrite, defineTool, hfTokenArg } from './core/define'

const uploadEntry = z.object({
  project: z.string(),
  run: z.string().nullable().optional().describe('The run whose media this is; null/empty: a project file (`media/{project}/files/…`).'),
  run_id: z.string().nullable().optional().describe('Accepted and unused (media folders are named by run name, as in Trackio).'),
  step: z.int().nullable().optional().describe('The step folder of a run\'s media; must be null without a run.'),
  relative_path: z.string().nullable().optional().describe('Project files only: the folder below `files/` to put the file in.'),
  uploaded_file: z
    .object({
      path: z.unknown().optional().describe('A path returned by POST /api/upload.'),
      orig_name: z.string().nullable().optional().describe('The client\'s media file name; its last segment names the stored file.'),
      meta: z.unknown().optional(),
    })
    .catchall(z.unknown())
    .nullable()
    .optional(),
})

export default defineTool({
  name: 'bulk_upload_media',
  description: 'Store files staged with POST /api/upload under the media directory (Trackio client endpoint).',
  notes:
    'Trackio\'s body: `{"args":[],"kwargs":{"uploads":[{"project","run","run_id","step","relative_path",' +
    '"uploaded_file":{"path":<a path from /api/upload>,"orig_name","meta"}}],"hf_token":null}}`. ' +
    'A run\'s file goes to `media/{canonical project}/{run}/{step}/{basename(orig_name)}`, the path its logged `file_path` names; ' +
    'without a run it goes into the folder `media/{canonical project}/files/{relative_path}/` under its staged name. ' +
    'Every entry is checked before anything is stored: each staged path must have been handed out by this server and not claimed yet ' +
    '(400 "Uploaded file was not created by this Trackio server."), run names and relative paths must be plain relative paths. ' +
    'Staged files are deleted once stored. A file already at the target is replaced (retries are idempotent).',
  input: z.object({
    uploads: z.array(uploadEntry).describe('UploadEntry objects.'),
    hf_token: hfTokenArg,
  }),
  ...clientWrite,
  example: {
    uploads: [{ project: 'my-project', run: 'run-1', run_id: null, step: 0, relative_path: null, uploaded_file: { path: '/tmp/trackio-uploads-x/trackio-upload-abc.png', orig_name: 'a.png' } }],
    hf_token: null,
  },
  handler: (args, ctx) => {
    const staging = ctx.uploads
    const plans = args.uploads.map((u, i) => {
      const where = `uploads[${i}]`
      const path = u.uploaded_file?.path
      if (typeof path !== 'string' || path === '') throw new BadRequestError('Expected uploaded file metadata with a valid path.')
      if (!staging?.has(path)) throw new BadRequestError('Uploaded file was not created by this Trackio server.')
      const target = mediaTargetPath(
        ctx.storage.dataDir,
        { project: u.project, run: u.run ?? null, step: u.step ?? null, relativePath: u.relative_path ?? null, origName: u.uploaded_file?.orig_name ?? null },
        path,
        where,
      )
      return { path, target }
    })
    if (new Set(plans.map((p) => p.path)).size !== plans.length) throw new BadRequestError('Each uploaded file can be used once: a path is repeated')
    const claimed: string[] = []
    try {
      for (const p of plans) claimed.push(staging!.claim(p.path))
      plans.forEach((p, i) => storeMedia(ctx.storage.dataDir, p.target.dir, p.target.file, claimed[i]!))
    } finally {
      for (const c of claimed) staging!.discard(c)
    }
    return null
  },
})
