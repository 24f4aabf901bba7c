import { expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

describeTrackioAnswers('get_tab_availability', 'read-endpoints-expected.json')

test('files: any regular file below media/{project}/files; all false for an unknown project', async () => {
  const d = tempDir()
  const { call } = await inProcessApp(d)
  const none = { metrics: false, system: false, traces: false, media: false, reports: false, files: false, artifacts: false }
  expect((await call('get_tab_availability', { project: 'proj' })).json.data).toEqual(none)
  mkdirSync(join(d, 'media', 'proj', 'files', 'deep', 'er'), { recursive: true })
  expect((await call('get_tab_availability', { project: 'proj' })).json.data.files).toBe(false)
  writeFileSync(join(d, 'media', 'proj', 'files', 'deep', 'er', 'x.txt'), 'x')
  expect((await call('get_tab_availability', { project: 'proj' })).json.data).toEqual({ ...none, files: true })
})
