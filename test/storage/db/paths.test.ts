import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { homedir } from 'node:os'
import { canonicalProjectName, projectPaths, resolveTrackioDir, stemTooLong } from '../../../src/storage/db/paths'
import { python3 } from '../../helpers'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

describe('canonicalProjectName (compat §1)', () => {
  test('observed examples', () => {
    const cases: [string, string][] = [
      ['my.proj', 'myproj'],
      ['my!proj', 'myproj'],
      ['a b', 'ab'],
      ['a/b', 'ab'],
      ['../x', 'x'],
      ['...', 'default'],
      ['', 'default'],
      ['trailing ', 'trailing'],
      ['A-_z', 'A-_z'],
      ['???', 'default'],
      ['col.lision', 'collision'],
      ['Edge Cases: ünïcødé/with.dots & spaces', 'EdgeCasesünïcødéwithdotsspaces'],
      ['日本語プロジェクト', '日本語プロジェクト'],
      ['café', 'café'],
      ['x²', 'x²'],
      ['Ⅻ', 'Ⅻ'],
      ['Proj', 'Proj'],
      ['a\u0000b', 'ab'],
      ['emoji 🚀 run', 'emojirun'],
      ['..\\..\\etc', 'etc'],
    ]
    for (const [input, out] of cases) expect(canonicalProjectName(input)).toBe(out)
  })

  test("agrees with Python's str.isalnum() on every code point assigned in Python's Unicode", () => {
    const r = Bun.spawnSync(
      [
        python3(),
        '-c',
        'import unicodedata\nprint("".join("-" if unicodedata.category(chr(c)) == "Cn" else ("1" if (chr(c).isalnum() or chr(c) in "-_") else "0") for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF))',
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    )
    expect(r.exitCode).toBe(0)
    const py = r.stdout.toString().trim()
    let j = 0
    const mismatches: string[] = []
    let compared = 0
    for (let c = 0; c < 0x110000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue
      const want = py[j++]
      if (want === '-') continue // unassigned in Python's Unicode version: parity unknown (compat §1)
      compared++
      const ch = String.fromCodePoint(c)
      const kept = canonicalProjectName('a' + ch) === 'a' + ch
      if (kept !== (want === '1')) mismatches.push(c.toString(16))
    }
    expect(compared).toBeGreaterThan(200000)
    expect(mismatches).toEqual([])
  })

  test('result never contains a path separator, dot or NUL', () => {
    for (const name of ['../../x', '/abs/path', 'a\\b', '.hidden', 'a\u0000', 'C:\\win', '%2e%2e']) {
      const c = canonicalProjectName(name)
      expect(c).not.toMatch(/[/\\.\u0000:%]/)
    }
  })

  test('projectPaths and stem length guard', () => {
    const p = projectPaths('/data', 'my.proj')
    expect(p).toEqual({ stem: 'myproj', db: '/data/myproj.db', lock: '/data/myproj.lock', mediaDir: '/data/media/myproj' })
    expect(stemTooLong('a'.repeat(200))).toBe(false)
    expect(stemTooLong('a'.repeat(201))).toBe(true)
    expect(stemTooLong('é'.repeat(101))).toBe(true) // bytes, not characters
  })
})

/** huggingface_hub's HF_HOME + Trackio's TRACKIO_DIR rule, evaluated by Python under `env`. */
function pythonTrackioDir(env: Record<string, string>): string {
  const script = `
import os
default_home = os.path.join(os.path.expanduser("~"), ".cache")
HF_HOME = os.path.expandvars(os.path.expanduser(os.getenv("HF_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", default_home), "huggingface"))))
print(os.environ.get("TRACKIO_DIR") or os.path.join(HF_HOME, "trackio"), end="")`
  const r = Bun.spawnSync([python3(), '-c', script], { env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(r.stderr.toString())
  return r.stdout.toString()
}

describe('resolveTrackioDir (compat §1)', () => {
  const HOME = '/home/tester'
  const cases: [string, Record<string, string>, string][] = [
    ['TRACKIO_DIR verbatim', { HOME, TRACKIO_DIR: '/srv/trackio' }, '/srv/trackio'],
    ['TRACKIO_DIR: no ~ expansion', { HOME, TRACKIO_DIR: '~/t' }, '~/t'],
    ['TRACKIO_DIR: no $VAR expansion', { HOME, TRACKIO_DIR: '$HOME/t' }, '$HOME/t'],
    ['TRACKIO_DIR relative', { HOME, TRACKIO_DIR: 'rel/dir' }, 'rel/dir'],
    ['TRACKIO_DIR wins over HF_HOME', { HOME, TRACKIO_DIR: '/a', HF_HOME: '/b' }, '/a'],
    ['empty TRACKIO_DIR falls through to HF_HOME', { HOME, TRACKIO_DIR: '', HF_HOME: '/hf' }, '/hf/trackio'],
    ['empty TRACKIO_DIR and nothing else → default', { HOME, TRACKIO_DIR: '' }, '/home/tester/.cache/huggingface/trackio'],
    ['default', { HOME }, '/home/tester/.cache/huggingface/trackio'],
    ['HF_HOME', { HOME, HF_HOME: '/hf' }, '/hf/trackio'],
    ['HF_HOME with ~', { HOME, HF_HOME: '~/hf' }, '/home/tester/hf/trackio'],
    ['HF_HOME with $VAR and ${VAR}', { HOME, HF_HOME: '$BASE/x/${SUB}', BASE: '/b', SUB: 's' }, '/b/x/s/trackio'],
    ['HF_HOME with an unknown $VAR keeps it', { HOME, HF_HOME: '/x/$NOPE' }, '/x/$NOPE/trackio'],
    ['empty HF_HOME counts as set → relative trackio', { HOME, HF_HOME: '' }, 'trackio'],
    ['HF_HOME wins over XDG_CACHE_HOME', { HOME, HF_HOME: '/hf', XDG_CACHE_HOME: '/xdg' }, '/hf/trackio'],
    ['XDG_CACHE_HOME', { HOME, XDG_CACHE_HOME: '/xdg' }, '/xdg/huggingface/trackio'],
    ['XDG_CACHE_HOME with ~', { HOME, XDG_CACHE_HOME: '~/c' }, '/home/tester/c/huggingface/trackio'],
    ['empty XDG_CACHE_HOME counts as set (os.getenv)', { HOME, XDG_CACHE_HOME: '' }, 'huggingface/trackio'],
  ]
  for (const [name, env, want] of cases) {
    test(name, () => {
      expect(resolveTrackioDir(env)).toBe(want)
      expect(pythonTrackioDir(env)).toBe(want)
    })
  }

  test('without HOME in env, ~ is the account home directory', () => {
    expect(resolveTrackioDir({})).toBe(`${homedir()}/.cache/huggingface/trackio`)
  })
})
