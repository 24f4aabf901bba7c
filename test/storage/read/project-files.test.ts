import { expect, test } from 'bun:test'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectFiles } from '../../../src/storage/read/project-files'
import { tempDir } from '../../helpers'

test('regular files in Python Path order (by segment, code point), symbolic links skipped, bounded by the limit', () => {
  const media = tempDir()
  const files = join(media, 'files')
  mkdirSync(join(files, 'a', 'z'), { recursive: true })
  writeFileSync(join(files, 'a', 'z', '1'), '1')
  writeFileSync(join(files, 'a-b'), '22')
  writeFileSync(join(files, 'é'), '')
  writeFileSync(join(files, 'B'), '')
  symlinkSync(join(files, 'B'), join(files, 'link'))
  symlinkSync('/', join(files, 'root'))
  expect(projectFiles(media).map((f) => [f.name, f.size])).toEqual([
    ['B', 0],
    ['a/z/1', 1],
    ['a-b', 2],
    ['é', 0],
  ])
  expect(projectFiles(media, 2)).toHaveLength(2)
  expect(projectFiles(join(media, 'nope'))).toEqual([])
})
