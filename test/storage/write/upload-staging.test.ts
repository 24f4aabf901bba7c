import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { StorageError } from '../../../src/errors'
import { removeOrphans, uploadSuffix, UploadStaging } from '../../../src/storage/write/upload-staging'
import { tempDir } from '../../helpers'

const blob = (s: string) => new Blob([s])

describe('UploadStaging', () => {
  test('stages files under a private folder with Trackio-like names and hands each out once', async () => {
    const s = new UploadStaging(undefined, tempDir())
    const [a, b] = await s.stage([{ name: 'x.png', data: blob('AAA') }, { name: 'noext', data: blob('BB') }])
    expect(a).toMatch(/\/trackio-upload-[A-Za-z0-9_-]{8}\.png$/)
    expect(b).toMatch(/\/trackio-upload-[A-Za-z0-9_-]{8}$/)
    expect(readFileSync(a!, 'utf8')).toBe('AAA')
    expect(s.count).toBe(2)
    expect(s.stagedBytes).toBe(5)
    expect(s.claim(a!)).toBe(a!)
    expect(() => s.claim(a!)).toThrow('Uploaded file was not created by this Trackio server.')
    expect(() => s.claim('/etc/passwd')).toThrow('Uploaded file was not created by this Trackio server.')
    s.discard(a!)
    expect(existsSync(a!)).toBe(false)
    expect(s.count).toBe(1)
    s.close()
    expect(existsSync(dirname(b!))).toBe(false)
  })

  test('a staged file that vanished is "missing"', async () => {
    const s = new UploadStaging(undefined, tempDir())
    const [a] = await s.stage([{ name: 'x.wav', data: blob('A') }])
    unlinkSync(a!)
    expect(() => s.claim(a!)).toThrow('Uploaded file is missing.')
    s.close()
  })

  test('unclaimed files expire and are deleted', async () => {
    let now = 1000
    const s = new UploadStaging({ maxFiles: 10, maxBytes: 100, ttlMs: 5000 }, tempDir(), () => now)
    const [a] = await s.stage([{ name: 'x.png', data: blob('A') }])
    now += 4999
    expect(s.has(a!)).toBe(true)
    now += 1
    expect(s.has(a!)).toBe(false)
    s.sweep()
    expect(existsSync(a!)).toBe(false)
    expect(s.count).toBe(0)
    s.close()
  })

  test('staging is bounded in files and bytes (503, nothing written)', async () => {
    const parent = tempDir()
    const s = new UploadStaging({ maxFiles: 2, maxBytes: 10, ttlMs: 60_000 }, parent)
    await s.stage([{ name: 'a', data: blob('12345') }])
    await expect(s.stage([{ name: 'b', data: blob('123456') }])).rejects.toBeInstanceOf(StorageError)
    await s.stage([{ name: 'b', data: blob('1') }])
    await expect(s.stage([{ name: 'c', data: blob('1') }])).rejects.toThrow(/Upload staging is full/)
    expect(s.count).toBe(2)
    expect(readdirSync(readdirSync(parent).map((d) => `${parent}/${d}`)[0]!)).toHaveLength(2)
    s.close()
  })

  test('only a plain suffix of the client name is kept', () => {
    expect(uploadSuffix('a.png')).toBe('.png')
    expect(uploadSuffix('dir/a.tar.GZ')).toBe('.GZ')
    expect(uploadSuffix('..\\..\\evil.html')).toBe('.html')
    expect(uploadSuffix('.png')).toBe('')
    expect(uploadSuffix('a.p/ng')).toBe('')
    expect(uploadSuffix('a.$(x)')).toBe('')
    expect(uploadSuffix('')).toBe('')
  })
})

describe('UploadStaging folder', () => {
  test('exists only while something is staged', async () => {
    const parent = tempDir()
    const s = new UploadStaging(undefined, parent)
    expect(readdirSync(parent)).toEqual([])
    const [a, b] = await s.stage([{ name: 'a', data: blob('1') }, { name: 'b', data: blob('2') }])
    expect(readdirSync(parent)).toHaveLength(1)
    s.discard(s.claim(a!))
    expect(readdirSync(parent)).toHaveLength(1)
    s.discard(s.claim(b!))
    expect(readdirSync(parent)).toEqual([])
    const [c] = await s.stage([{ name: 'c', data: blob('3') }])
    expect(readFileSync(c!, 'utf8')).toBe('3')
    s.close()
    expect(readdirSync(parent)).toEqual([])
  })
})

describe('UploadStaging at process exit', () => {
  test('a folder still holding unclaimed files is removed when the process exits', async () => {
    const parent = tempDir()
    const script = `
      import { UploadStaging } from ${JSON.stringify(`${import.meta.dir}/../../../src/storage/write/upload-staging.ts`)}
      const s = new UploadStaging(undefined, ${JSON.stringify(parent)})
      await s.stage([{ name: 'a.png', data: new Blob(['x']) }])
      console.log(require('node:fs').readdirSync(${JSON.stringify(parent)}).length)
    `
    const p = Bun.spawn(['bun', '-e', script], { stdout: 'pipe', stderr: 'inherit' })
    expect((await new Response(p.stdout).text()).trim()).toBe('1')
    expect(await p.exited).toBe(0)
    expect(readdirSync(parent)).toEqual([])
  })
})

describe('folders a killed server left behind', () => {
  test('removed when their process is gone and they are older than the staging time; others stay', () => {
    const parent = tempDir()
    const gone = Bun.spawnSync(['true']).pid
    const old = (Date.now() - 20 * 60 * 1000) / 1000
    const make = (name: string, aged: boolean): string => {
      const p = join(parent, name)
      mkdirSync(p)
      writeFileSync(join(p, 'trackio-upload-x'), 'staged')
      if (aged) utimesSync(p, old, old)
      return p
    }
    const orphan = make(`trackio-uploads-${gone}-abc123`, true)
    const fresh = make(`trackio-uploads-${gone}-def456`, false)
    const alive = make(`trackio-uploads-1-ghi789`, true)
    const mine = make(`trackio-uploads-${process.pid}-jkl012`, true)
    const other = make('trackio-uploads-old-style', true)
    removeOrphans(parent, 10 * 60 * 1000, Date.now())
    expect(existsSync(orphan)).toBe(false)
    for (const kept of [fresh, alive, mine, other]) expect(existsSync(kept)).toBe(true)
  })

  test('a staging folder is named for its process, and orphans are swept when one is made', async () => {
    const parent = tempDir()
    const gone = Bun.spawnSync(['true']).pid
    const orphan = join(parent, `trackio-uploads-${gone}-zzz999`)
    mkdirSync(orphan)
    const old = (Date.now() - 20 * 60 * 1000) / 1000
    utimesSync(orphan, old, old)
    const staging = new UploadStaging(undefined, parent)
    try {
      await staging.stage([{ name: 'a.txt', data: blob('hello') }])
      expect(existsSync(orphan)).toBe(false)
      expect(readdirSync(parent).filter((n) => n.startsWith(`trackio-uploads-${process.pid}-`))).toHaveLength(1)
    } finally {
      staging.close()
    }
  })
})
