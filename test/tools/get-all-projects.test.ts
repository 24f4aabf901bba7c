import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, appCaller, inProcessApp, tempDir } from '../helpers'
import { EDGE_STEM, envelope, py } from './oracle'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

const dir = copyFixtures('basic', 'edge')
const call = appCaller(dir)

describe('get_all_projects', () => {
  test('lists the *.db stems of the data directory in code-point order', async () => {
    const r = await call('get_all_projects')
    expect(r.status).toBe(200)
    const stems = readdirSync(dir)
      .filter((n) => n.endsWith('.db'))
      .map((n) => n.slice(0, -3))
    const sorted = JSON.parse(py('dump(sorted(json.loads(sys.argv[1])))', JSON.stringify(stems)))
    expect(r.json.data).toEqual(sorted)
    expect(r.json.data).toContain(EDGE_STEM)
    expect(r.json.data).toContain('日本語プロジェクト')
    // code-point order: uppercase 'E' first, CJK last
    expect(r.json.data[0]).toBe(EDGE_STEM)
    expect(r.json.data.at(-1)).toBe('日本語プロジェクト')
    expect(r.text).toBe(envelope(JSON.stringify(sorted)))
  })

  test('ignores non-.db files and sidecars, includes registry-* and empty .db files', async () => {
    const d = tempDir()
    copyFileSync(join(dir, 'collision.db'), join(d, 'zeta.db'))
    writeFileSync(join(d, 'registry-models.db'), '')
    writeFileSync(join(d, 'a.db-wal'), '')
    writeFileSync(join(d, 'b.lock'), '')
    writeFileSync(join(d, 'notes.txt'), 'x')
    mkdirSync(join(d, 'sub'))
    writeFileSync(join(d, 'sub', 'nested.db'), '')
    writeFileSync(join(d, 'Éclair.db'), '')
    writeFileSync(join(d, 'Zed.db'), '')
    const { call: c } = await inProcessApp(d)
    const r = await c('get_all_projects')
    expect(r.json.data).toEqual(['Zed', 'registry-models', 'zeta', 'Éclair'])
  })

  test('missing data directory → []', async () => {
    const { call: c } = await inProcessApp(join(tempDir(), 'does-not-exist'))
    const r = await c('get_all_projects')
    expect(r.status).toBe(200)
    expect(r.text).toBe('{"data":[]}')
  })
})
