import { expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { ROOT } from '../helpers'

/**
 * Imports run one way, top to bottom (docs/structure.md): a module may import from its own folder
 * or from a lower layer, never from a higher one. Inside storage, `db` is the floor the other wings
 * stand on.
 */
const RANK: Record<string, number> = {
  'errors.ts': 0,
  'version.ts': 0,
  'assets.d.ts': 0,
  json: 1,
  storage: 2,
  ingest: 3,
  analysis: 3,
  tools: 4,
  web: 5,
  transports: 6,
  cli: 7,
}
const SRC = join(ROOT, 'src')

function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f)).map((f) => join(dir, f))
}

function topOf(file: string): string {
  const top = relative(SRC, file).split('/')[0]!
  return top === 'errors' || top === 'version' ? `${top}.ts` : top
}

test('every src/ module imports only from its own layer or below', () => {
  const violations: string[] = []
  for (const file of files(SRC)) {
    const top = topOf(file)
    if (!(top in RANK)) violations.push(`${relative(SRC, file)}: folder '${top}' has no layer in this test`)
    for (const m of readFileSync(file, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!)
      if (!target.startsWith(SRC)) continue // package.json (the version)
      const to = topOf(target)
      if (to !== top && (RANK[to] ?? 99) >= (RANK[top] ?? 99)) violations.push(`${relative(SRC, file)} → ${relative(SRC, target)}`)
      const inStorageDb = relative(SRC, file).startsWith('storage/db/')
      if (inStorageDb && relative(SRC, target).startsWith('storage/') && !relative(SRC, target).startsWith('storage/db/'))
        violations.push(`${relative(SRC, file)} → ${relative(SRC, target)} (storage/db is the floor)`)
    }
  }
  expect(violations).toEqual([])
})

test('every src/ module has a test at the mirrored path, or is exercised through one named here', () => {
  // Modules tested through the tool or transport that uses them (their behaviour is asserted there).
  const covered = new Set(['version.ts', 'assets.d.ts',
    // The dashboard's browser code runs in headless Chromium in test/web/dashboard.test.ts; its build-time
    // bundler is asserted through the route in test/transports/http/dashboard.test.ts.
    'web/bundle.ts', 'web/main.ts', 'web/api.ts', 'web/chart.ts', 'web/dom.ts', 'web/dialogs.ts', 'web/markdown.ts',
    'web/model.ts', 'web/panels.ts', 'web/runs-table.ts', 'web/traces.ts'])
  const missing: string[] = []
  for (const file of files(SRC)) {
    const rel = relative(SRC, file)
    if (covered.has(rel)) continue
    const mirror = join(ROOT, 'test', rel.replace(/\.tsx?$/, '.test.ts'))
    const folder = join(ROOT, 'test', dirname(rel))
    let siblings: string[] = []
    try {
      siblings = readdirSync(folder)
    } catch {}
    if (!siblings.includes(mirror.split('/').pop()!)) missing.push(rel)
  }
  // A ratchet: the list may only shrink. New modules come with their test.
  console.log(`modules without a mirrored test: ${missing.length}: ${missing.join(', ')}`)
  expect(missing.length).toBeLessThanOrEqual(MISSING_BUDGET)
})

const MISSING_BUDGET = 0
