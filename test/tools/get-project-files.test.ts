import { describe, expect, test } from 'bun:test'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

// Trackio's `path` is absolute under its own data directory: compare names and sizes.
describeTrackioAnswers('get_project_files', 'read-endpoints-expected.json', (d: { name: string; size: number }[]) => d.map((f) => ({ name: f.name, size: f.size })))

describe('get_project_files', () => {
  test('lists regular files below media/{project}/files in Path order, skipping symbolic links', async () => {
    const d = tempDir()
    const files = join(d, 'media', 'proj', 'files')
    mkdirSync(join(files, 'a'), { recursive: true })
    writeFileSync(join(files, 'a', 'b.txt'), 'bb')
    writeFileSync(join(files, 'a-c.txt'), 'c')
    writeFileSync(join(files, 'Z.txt'), '')
    symlinkSync('/etc/passwd', join(files, 'link'))
    const { call: c } = await inProcessApp(d)
    const r = await c('get_project_files', { project: 'proj' })
    expect(r.json.data).toEqual([
      { name: 'Z.txt', path: join(files, 'Z.txt'), size: 0 },
      { name: 'a/b.txt', path: join(files, 'a', 'b.txt'), size: 2 },
      { name: 'a-c.txt', path: join(files, 'a-c.txt'), size: 1 },
    ])
    expect((await c('get_tab_availability', { project: 'proj' })).json.data.files).toBe(true)
    expect((await c('get_project_files', { project: '../../etc' })).json.data).toEqual([])
  })
})

