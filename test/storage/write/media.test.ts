import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NotFoundError } from '../../../src/errors'
import { Storage } from '../../../src/storage/db/connection'
import { applySteps, planMediaMove, rollBack, safeMediaName } from '../../../src/storage/write/media-move'
import { rewriteFilePaths, rewriteStoredJson } from '../../../src/storage/db/media-paths'
import { renameRun } from '../../../src/storage/write/rename-run'
import { mutateProject } from '../../../src/storage/write/transaction'
import { appendMetrics } from '../../../src/storage/write/append'
import { copyFixtures, tempDir } from '../../helpers'

const P = [['p/old/', 'p/new/']] as const

describe('rewriteFilePaths', () => {
  test('only file_path values with the prefix change; every other byte is kept', () => {
    const src = '{"a":1.0,"img":{"_type":"trackio.image","file_path":"p/old/0/x.png"},"n":"NaN","t":[{"file_path":"p/old/1/y.png"}],"other":{"file_path":"q/old/0/z.png"}}'
    expect(rewriteFilePaths(src, P)).toBe(src.replaceAll('"p/old/', '"p/new/'))
    expect(rewriteFilePaths('{"x":1e-7,"y":NaN}', P)).toBeNull()
    expect(rewriteFilePaths('{"file_path":"q/x"}', P)).toBeNull()
  })

  test('a "file_path" that is a value, not a key, is left alone; non-string values too', () => {
    expect(rewriteFilePaths('{"k":"file_path","v":"p/old/0/x"}', P)).toBeNull()
    expect(rewriteFilePaths('{"caption":"\\"file_path\\":\\"p/old/x\\"","file_path":null}', P)).toBeNull()
  })

  test('old json.dumps rows keep their spacing and ASCII escaping', () => {
    const src = '{"img": {"file_path": "p/old/0/caf\\u00e9.png", "caption": "x"}}'
    const out = rewriteFilePaths(src, [['p/old/', 'p/nëw/']])
    expect(out).toBe('{"img": {"file_path": "p/n\\u00ebw/0/caf\\u00e9.png", "caption": "x"}}')
    expect(JSON.parse(out!).img.file_path).toBe('p/nëw/0/café.png')
  })

  test('stored BLOBs stay bytes; undecodable bytes are left alone', () => {
    const blob = new TextEncoder().encode('{"file_path":"p/old/ü.png","x":1}')
    const out = rewriteStoredJson(blob, P)
    expect(out).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(out as Uint8Array)).toBe('{"file_path":"p/new/ü.png","x":1}')
    expect(rewriteStoredJson(new Uint8Array([0x7b, 0xff, 0x7d]), P)).toBeNull()
    expect(rewriteStoredJson('{"file_path":"p/old/a"}', P)).toBe('{"file_path":"p/new/a"}')
  })
})

describe('media folders', () => {
  test('safeMediaName refuses names that would leave the project folder', () => {
    for (const ok of ['run', 'a/b', 'run with spaces', '..x', 'ünï']) expect(safeMediaName(ok)).toBe(true)
    for (const bad of ['..', '../x', 'a/../b', '/abs', 'a//b', 'a/', '.', 'a\0b']) expect(safeMediaName(bad)).toBe(false)
  })

  test('a failed transaction moves the folder back and leaves the rows', async () => {
    const dir = copyFixtures('edge')
    const storage = new Storage(dir)
    const from = join(dir, 'media', 'media-project', 'media-run')
    const to = join(dir, 'media', 'media-project', 'deep', 'new')
    const err = await mutateProject(storage, 'media-project', (p, undo) => {
      p.db.run("UPDATE metrics SET run_name = 'gone'")
      const steps = planMediaMove(join(dir, 'media', 'media-project'), from, to, 'hop')
      undo.push(() => rollBack(steps))
      applySteps(steps)
      expect(existsSync(to)).toBe(true)
      throw new Error('boom after the move')
    }).catch((e: unknown) => e)
    expect((err as Error).message).toBe('boom after the move')
    expect(existsSync(from)).toBe(true)
    expect(existsSync(join(dir, 'media', 'media-project', 'deep'))).toBe(false)
    const db = new Database(join(dir, 'media-project.db'), { readonly: true })
    expect(db.query("SELECT COUNT(*) AS n FROM metrics WHERE run_name = 'gone'").get()).toEqual({ n: 0 })
    db.close()
    expect(await mutateProject(storage, 'no-such', () => 1).catch((e: unknown) => e)).toBeInstanceOf(NotFoundError)
  })

  test('rows using the raw or the canonical project name are both rewritten, both folders move', async () => {
    const dir = tempDir()
    const img = (path: string) => ({ img: { _type: 'trackio.image', file_path: path } })
    await appendMetrics(dir, 'my.proj', 'r', 'rid', [
      { metrics: img('my.proj/r/0/a.png'), step: 0 },
      { metrics: img('myproj/r/1/b.png'), step: 1 },
    ])
    for (const f of ['my.proj/r/0/a.png', 'myproj/r/1/b.png']) {
      mkdirSync(join(dir, 'media', f, '..'), { recursive: true })
      writeFileSync(join(dir, 'media', f), 'png')
    }
    const storage = new Storage(dir)
    await renameRun(storage, 'my.proj', 'r', 's', null)
    const db = new Database(join(dir, 'myproj.db'), { readonly: true })
    const rows = db.query('SELECT run_name, CAST(metrics AS TEXT) AS m FROM metrics ORDER BY id').all() as { run_name: string; m: string }[]
    db.close()
    expect(rows.map((r) => r.run_name)).toEqual(['s', 's'])
    expect(rows.map((r) => JSON.parse(r.m).img.file_path)).toEqual(['my.proj/s/0/a.png', 'myproj/s/1/b.png'])
    for (const r of rows) expect(existsSync(join(dir, 'media', JSON.parse(r.m).img.file_path))).toBe(true)
    storage.close()
  })
})
