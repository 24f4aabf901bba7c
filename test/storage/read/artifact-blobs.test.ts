import { expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blobPath, blobsPresent, blobsRoot, isDigest } from '../../../src/storage/read/artifact-blobs'
import { tempDir } from '../../helpers'
import { sha } from '../../tools/artifact-helpers'

test('digests are exactly 64 lowercase hex characters', () => {
  expect(isDigest(sha('x'))).toBe(true)
  for (const bad of [sha('x').toUpperCase(), sha('x').slice(1), `${sha('x')}0`, `../${sha('x').slice(3)}`, 5, null]) expect(isDigest(bad)).toBe(false)
})

test('blob paths live under artifacts/{canonical}/blobs/sha256/{2 hex}', () => {
  const d = sha('x')
  expect(blobsRoot('/data', 'a/../b c')).toBe('/data/artifacts/abc/blobs/sha256')
  expect(blobPath('/data', '../../etc', d)).toBe(`/data/artifacts/etc/blobs/sha256/${d.slice(0, 2)}/${d}`)
  expect(() => blobPath('/data', 'p', '../../x')).toThrow()
})

test('present: only stored regular files, each digest once; bad digests and over-long projects are absent', () => {
  const dir = tempDir()
  const a = sha('a')
  const b = sha('b')
  mkdirSync(join(dir, 'artifacts', 'p', 'blobs', 'sha256', a.slice(0, 2)), { recursive: true })
  writeFileSync(blobPath(dir, 'p', a), 'a')
  mkdirSync(blobPath(dir, 'p', b), { recursive: true }) // a directory is not a blob
  expect([...blobsPresent(dir, 'p', [a, b, a, 'nope'])]).toEqual([a])
  expect(blobsPresent(dir, 'x'.repeat(300), [a]).size).toBe(0)
})
