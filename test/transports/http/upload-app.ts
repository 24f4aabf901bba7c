import { Storage } from '../../../src/storage/db/connection'
import { UploadStaging } from '../../../src/storage/write/upload-staging'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { createApp } from '../../../src/transports/http/app'
import { tempDir } from '../../helpers'

/** An in-process app with its own upload staging: POST /api/upload and bulk_upload_media against a temporary data directory. */
export const TOKEN = 'test-token'

export function makeApp(maxUploadBytes?: number) {
  const dir = tempDir()
  const uploads = new UploadStaging(undefined, tempDir())
  const app = createApp({ ctx: { storage: new Storage(dir), settings: settingsFromEnv({}, dir), uploads }, version: 't', writeToken: TOKEN, mcp: { enabled: false, path: '/mcp' }, maxUploadBytes })
  const upload = (files: [string, string][], headers: Record<string, string> = { 'x-trackio-write-token': TOKEN }, field = 'files') => {
    const form = new FormData()
    for (const [name, text] of files) form.append(field, new File([text], name))
    return app.handle(new Request('http://localhost/api/upload', { method: 'POST', headers, body: form }))
  }
  const call = async (tool: string, body: unknown, headers: Record<string, string> = { 'x-trackio-write-token': TOKEN }) => {
    const r = await app.handle(new Request(`http://localhost/api/${tool}`, { method: 'POST', headers, body: JSON.stringify(body) }))
    return { status: r.status, json: (await r.json()) as any }
  }
  const entry = (path: string, over: Record<string, unknown> = {}) => ({ project: 'p', run: 'r', run_id: 'x', step: 0, relative_path: null, uploaded_file: { path, orig_name: 'a.png', meta: { _type: 'gradio.FileData' } }, ...over })
  const media = (uploads: unknown[], headers?: Record<string, string>) => call('bulk_upload_media', { args: [], kwargs: { uploads, hf_token: null } }, headers)
  return { dir, uploads, app, upload, call, entry, media }
}
