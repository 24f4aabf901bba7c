import { describe, expect, test } from 'bun:test'
import { checkAliases, checkArtifactName, checkDigest, checkLogicalPath, checkManifest, checkReferenceUri, pyRepr } from '../../../src/tools/core/artifact-args'
import { sha } from '../artifact-helpers'

describe('pyRepr quotes bad input as Python would', () => {
  test('strings, None, booleans, lists', () => {
    expect(pyRepr('x')).toBe("'x'")
    expect(pyRepr("it's")).toBe(`"it's"`)
    expect(pyRepr('a\\b\n')).toBe("'a\\\\b\\n'")
    expect(pyRepr(null)).toBe('None')
    expect(pyRepr(true)).toBe('True')
    expect(pyRepr(['a', 1])).toBe("['a', 1]")
    expect(pyRepr({ k: 'v' })).toBe("{'k': 'v'}")
    expect(pyRepr('x'.repeat(500)).length).toBeLessThan(210)
  })
})

describe("Trackio's checks", () => {
  test('names and aliases: letters, digits, . _ -; vN is reserved for versions', () => {
    expect(checkArtifactName('my-model.v1_2')).toBe('my-model.v1_2')
    for (const bad of ['', 'a/b', '../x', 'a b', 'ü']) expect(() => checkArtifactName(bad)).toThrow('must match ^[A-Za-z0-9._-]+$')
    expect(checkAliases(null)).toEqual([])
    expect(checkAliases(['best', 'prod-1'])).toEqual(['best', 'prod-1'])
    expect(() => checkAliases('best')).toThrow('aliases must be a list of strings, got str.')
    expect(() => checkAliases([''])).toThrow("Alias '' must be a non-empty string.")
    expect(() => checkAliases(['v3'])).toThrow("Alias 'v3' is reserved for version pointers (vN); choose another.")
    expect(() => checkAliases(['a/b'])).toThrow("Alias 'a/b' must match")
  })

  test('logical paths are relative, without empty, . or .. segments, backslashes or NUL', () => {
    expect(checkLogicalPath('a/b.txt')).toBe('a/b.txt')
    for (const [bad, why] of [
      ['', 'must be non-empty'],
      ['/etc/passwd', 'must be relative'],
      ['C:x', 'must be relative'],
      ['a\\b', 'backslashes and NUL'],
      ['a\u0000b', 'backslashes and NUL'],
      ['a//b', "'.', '..', and empty segments"],
      ['a/./b', "'.', '..', and empty segments"],
      ['../x', "'.', '..', and empty segments"],
      ['a/', "'.', '..', and empty segments"],
    ] as const)
      expect(() => checkLogicalPath(bad)).toThrow(why)
  })

  test('reference URIs need a scheme and no whitespace; digests are sha256 hex', () => {
    expect(checkReferenceUri('s3://bucket/key%20x')).toBe('s3://bucket/key%20x')
    expect(() => checkReferenceUri('bucket/key')).toThrow('a scheme is required')
    expect(() => checkReferenceUri('s3://b/a b')).toThrow('whitespace is not allowed')
    expect(checkDigest(sha('x'))).toBe(sha('x'))
    expect(() => checkDigest('abc')).toThrow("Invalid sha256 digest: 'abc'")
  })

  test('a manifest: entries checked one by one, then as a set of paths', () => {
    const d = sha('x')
    const { entries, blobDigests } = checkManifest([
      { path: 'a', digest: d, size: 1 },
      { path: 'r', digest: 'etag', size: 2, ref: 'https://x/y' },
    ])
    expect(entries).toEqual([
      { path: 'a', digest: d, size: 1 },
      { path: 'r', digest: 'etag', size: 2, ref: 'https://x/y' },
    ])
    expect(blobDigests).toEqual([d])
    expect(() => checkManifest([])).toThrow('Artifact manifest must be a non-empty list of entries.')
    expect(() => checkManifest(['x'])).toThrow("Invalid artifact manifest entry: 'x'")
    expect(() => checkManifest([{ path: 'a', digest: d, size: 1.5 }])).toThrow('invalid size: 1.5')
    expect(() => checkManifest([{ path: 'a', digest: d, size: 1 }, { path: 'a', digest: d, size: 1 }])).toThrow("Duplicate logical path in manifest: 'a'")
    expect(() => checkManifest([{ path: 'r', size: 1, ref: 's3://x' }])).toThrow('Artifact reference entry must carry a string digest, got None')
  })
})
