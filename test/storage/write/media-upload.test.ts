import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequestError } from '../../../src/errors'
import { mediaBasename, mediaTargetPath, storeMedia } from '../../../src/storage/write/media-upload'
import { tempDir } from '../../helpers'

const staged = '/tmp/trackio-uploads-x/trackio-upload-abcdefgh.png'
const target = (over: Record<string, unknown>) => ({ project: 'My Project!', run: 'r1', step: 3, relativePath: null, origName: 'a.png', ...over })

describe('media targets (spec 1.4, 8.2)', () => {
  test("a run's file: media/{canonical}/{run}/{step}/{basename(orig_name)}", () => {
    expect(mediaTargetPath('/d', target({}), staged, 'uploads[0]')).toEqual({ dir: '/d/media/MyProject/r1/3', file: 'a.png' })
    expect(mediaTargetPath('/d', target({ run: 'a/b', step: null }), staged, 'w')).toEqual({ dir: '/d/media/MyProject/a/b', file: 'a.png' })
  })
  test('project files: a folder under files/, keeping the staged name', () => {
    expect(mediaTargetPath('/d', target({ run: null, step: null }), staged, 'w')).toEqual({ dir: '/d/media/MyProject/files', file: 'trackio-upload-abcdefgh.png' })
    expect(mediaTargetPath('/d', target({ run: '', step: null, relativePath: 'ckpt/x.bin' }), staged, 'w')).toEqual({ dir: '/d/media/MyProject/files/ckpt/x.bin', file: 'trackio-upload-abcdefgh.png' })
  })
  test('orig_name: last segment of either separator; empty, . and .. fall back to the staged name', () => {
    expect(mediaBasename('../../etc/passwd', staged)).toBe('passwd')
    expect(mediaBasename('C:\\x\\y.png', staged)).toBe('y.png')
    for (const bad of ['', '.', '..', 'a/..', 'a/', null, 'x\0y']) expect(mediaBasename(bad, staged)).toBe('trackio-upload-abcdefgh.png')
  })
  test('names that are not plain relative paths are a 400 naming the entry', () => {
    for (const run of ['..', '../x', 'a/../b', '/abs', 'a//b', 'a\0']) expect(() => mediaTargetPath('/d', target({ run }), staged, 'uploads[2]')).toThrow(/^uploads\[2\]: run name/)
    for (const relativePath of ['..', '/etc', 'a/./b']) expect(() => mediaTargetPath('/d', target({ run: null, step: null, relativePath }), staged, 'w')).toThrow(/relative_path/)
    expect(() => mediaTargetPath('/d', target({ run: null }), staged, 'w')).toThrow(/a step needs a run/)
  })
})

describe('storeMedia', () => {
  test('copies the bytes, replacing a file of the same name (retries), leaving no temporary file', () => {
    const dir = tempDir()
    const src = join(dir, 'src.png')
    writeFileSync(src, 'one')
    const out = join(dir, 'media', 'p', 'r', '0')
    storeMedia(dir, out, 'a.png', src)
    writeFileSync(src, 'two')
    storeMedia(dir, out, 'a.png', src)
    expect(readFileSync(join(out, 'a.png'), 'utf8')).toBe('two')
    expect(readdirSync(out)).toEqual(['a.png'])
    expect(readFileSync(src, 'utf8')).toBe('two')
  })
  test('a folder that is a link out of the media directory is refused', () => {
    const dir = tempDir()
    const outside = tempDir()
    mkdirSync(join(dir, 'media', 'p'), { recursive: true })
    symlinkSync(outside, join(dir, 'media', 'p', 'r'))
    const src = join(dir, 'src.png')
    writeFileSync(src, 'x')
    expect(() => storeMedia(dir, join(dir, 'media', 'p', 'r', '0'), 'a.png', src)).toThrow(BadRequestError)
    expect(existsSync(join(outside, '0', 'a.png'))).toBe(false)
  })
  test('a file where a folder must go is a 400', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'media', 'p'), { recursive: true })
    writeFileSync(join(dir, 'media', 'p', 'r'), 'file')
    const src = join(dir, 'src.png')
    writeFileSync(src, 'x')
    expect(() => storeMedia(dir, join(dir, 'media', 'p', 'r', '0'), 'a.png', src)).toThrow(/a file and a folder/)
  })
})
