import { describe, expect, test } from 'bun:test'
import { rewriteFilePaths, rewriteStoredJson } from '../../../src/storage/db/media-paths'

const MOVE = [['proj/old/', 'proj/new/']] as const

describe('rewriteFilePaths', () => {
  test('only file_path values with a matching prefix change; every other byte stays', () => {
    const row = '{"img": {"_type": "trackio.image", "file_path": "proj/old/0/a.png", "caption": "proj/old/x"}, "loss": 1.0, "n": NaN}'
    expect(rewriteFilePaths(row, MOVE)).toBe('{"img": {"_type": "trackio.image", "file_path": "proj/new/0/a.png", "caption": "proj/old/x"}, "loss": 1.0, "n": NaN}')
  })

  test('several values, nested and in arrays; non-matching prefixes left alone', () => {
    const row = '{"a":[{"file_path":"proj/old/1.png"},{"file_path":"other/old/2.png"}],"b":{"file_path" : "proj/old/3.png"}}'
    expect(rewriteFilePaths(row, MOVE)).toBe('{"a":[{"file_path":"proj/new/1.png"},{"file_path":"other/old/2.png"}],"b":{"file_path" : "proj/new/3.png"}}')
  })

  test('null when nothing matches: no file_path at all, a non-string value, a key that only looks alike', () => {
    expect(rewriteFilePaths('{"loss":1}', MOVE)).toBeNull()
    expect(rewriteFilePaths('{"file_path":null}', MOVE)).toBeNull()
    expect(rewriteFilePaths('{"x":"file_path","y":"proj/old/a"}', MOVE)).toBeNull()
    expect(rewriteFilePaths('{"my_file_path":"proj/old/a"}', MOVE)).toBeNull()
  })

  test('the first matching prefix wins', () => {
    expect(rewriteFilePaths('{"file_path":"p/a/b"}', [['p/a/', 'X/'], ['p/', 'Y/']])).toBe('{"file_path":"X/b"}')
  })

  test('escaped ASCII-only values (Python json.dumps rows) stay escaped; others are written as UTF-8', () => {
    const py = '{"file_path": "proj/old/\\u00e9t\\u00e9.png"}'
    expect(rewriteFilePaths(py, MOVE)).toBe('{"file_path": "proj/new/\\u00e9t\\u00e9.png"}')
    expect(rewriteFilePaths('{"file_path":"proj/old/été.png"}', MOVE)).toBe('{"file_path":"proj/new/été.png"}')
    expect(rewriteFilePaths('{"file_path":"proj/old/a.png"}', [['proj/old/', 'prøj/']])).toBe('{"file_path":"prøj/a.png"}')
  })
})

describe('rewriteStoredJson', () => {
  test('text stays text, bytes stay bytes', () => {
    expect(rewriteStoredJson('{"file_path":"proj/old/a"}', MOVE)).toBe('{"file_path":"proj/new/a"}')
    const out = rewriteStoredJson(new TextEncoder().encode('{"file_path":"proj/old/a"}'), MOVE)
    expect(out).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(out as Uint8Array)).toBe('{"file_path":"proj/new/a"}')
  })

  test('null for unchanged values, non-text values and bytes that are not UTF-8', () => {
    expect(rewriteStoredJson('{"a":1}', MOVE)).toBeNull()
    expect(rewriteStoredJson(42, MOVE)).toBeNull()
    expect(rewriteStoredJson(null, MOVE)).toBeNull()
    expect(rewriteStoredJson(new Uint8Array([0xff, 0xfe]), MOVE)).toBeNull()
  })
})
