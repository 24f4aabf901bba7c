import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blobPath } from '../../../src/storage/read/artifact-blobs'
import { storeBlobFromFile, storeBlobFromFileAsync } from '../../../src/storage/write/artifact-blobs'
import { tempDir } from '../../helpers'
import { seedBlob, sha } from '../../tools/artifact-helpers'

const dir = tempDir()
const seed = (project: string, bytes: string) => seedBlob(dir, project, bytes)

describe('blob store', () => {
  test('a blob whose bytes do not hash to the claimed digest is refused and leaves nothing', () => {
    const src = join(tempDir(), 'f')
    writeFileSync(src, 'hello')
    const wrong = sha('other')
    expect(() => storeBlobFromFile(dir, 'p', wrong, src)).toThrow(/Digest mismatch: claimed [0-9a-f]{64}, computed [0-9a-f]{64}/)
    expect(existsSync(blobPath(dir, 'p', wrong))).toBe(false)
    expect(readdirSync(join(dir, 'artifacts', 'p', 'blobs', 'sha256', wrong.slice(0, 2)))).toEqual([])
  })

  test('stored at artifacts/{canonical}/blobs/sha256/{2 hex}/{digest}', () => {
    const { digest } = seed('My Project!', 'abc')
    const path = join(dir, 'artifacts', 'MyProject', 'blobs', 'sha256', digest.slice(0, 2), digest)
    expect(readFileSync(path, 'utf8')).toBe('abc')
  })

  test('a digest that is not 64 lowercase hex never becomes a path', () => {
    for (const d of ['../../etc/passwd', 'A'.repeat(64), 'ab', '']) expect(() => blobPath(dir, 'p', d)).toThrow()
  })
})

test('an existing blob is kept as is; a project name too long for a file name is refused', () => {
  const { digest } = seed('p', 'same')
  const src = join(tempDir(), 'f')
  writeFileSync(src, 'same')
  expect(storeBlobFromFile(dir, 'p', digest, src)).toBe(false)
  expect(() => storeBlobFromFile(dir, 'x'.repeat(300), digest, src)).toThrow('Project name is too long')
})

test('storeBlobFromFileAsync: the same blob and errors, with other work running while a large file is hashed', async () => {
  const src = join(tempDir(), 'f')
  const bytes = new Uint8Array(24 * 1024 * 1024).map((_, i) => (i * 31) & 255)
  writeFileSync(src, bytes)
  const digest = sha(bytes)
  let ticks = 0
  const timer = setInterval(() => ticks++, 0)
  expect(await storeBlobFromFileAsync(dir, 'async', digest, src)).toBe(true)
  clearInterval(timer)
  expect(ticks).toBeGreaterThan(0)
  expect(sha(readFileSync(blobPath(dir, 'async', digest)))).toBe(digest)
  expect(await storeBlobFromFileAsync(dir, 'async', digest, src)).toBe(false)
  await expect(storeBlobFromFileAsync(dir, 'async', sha('other'), src)).rejects.toThrow('Digest mismatch')
})
