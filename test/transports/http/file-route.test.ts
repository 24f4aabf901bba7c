import { describe, expect, test } from 'bun:test'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { byteRange } from '../../../src/transports/http/file-route'
import { inProcessApp, tempDir } from '../../helpers'

async function setup() {
  const dir = tempDir()
  const media = join(dir, 'media', 'p', 'r', '0')
  mkdirSync(media, { recursive: true })
  const audio = new Uint8Array(1000).map((_, i) => i % 251)
  writeFileSync(join(media, 'a.wav'), audio)
  writeFileSync(join(media, 'v.MP4'), 'video')
  writeFileSync(join(media, 'page.html'), '<script>1</script>')
  writeFileSync(join(media, 'blob.xyz'), 'x')
  writeFileSync(join(dir, 'p.db'), 'SQLite format 3')
  const { app, call } = await inProcessApp(dir)
  const get = (path: string | null, headers: Record<string, string> = {}, method = 'GET') =>
    app.handle(new Request(`http://localhost/file${path === null ? '' : `?path=${encodeURIComponent(path)}`}`, { method, headers }))
  return { dir, audio, get, call }
}

describe('GET /file (spec 6.1)', () => {
  test('content types by extension; unknown is octet-stream; nosniff', async () => {
    const { get } = await setup()
    const cases: [string, string][] = [
      ['p/r/0/a.wav', 'audio/wav'],
      ['p/r/0/v.MP4', 'video/mp4'],
      ['p/r/0/page.html', 'text/html; charset=utf-8'],
      ['p/r/0/blob.xyz', 'application/octet-stream'],
    ]
    for (const [p, type] of cases) {
      const r = await get(p)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe(type)
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(r.headers.get('accept-ranges')).toBe('bytes')
    }
    expect((await get('p/r/0/page.html')).headers.get('content-security-policy')).toBe('sandbox allow-scripts')
  })

  test('the absolute path Trackio\'s dashboard sends, percent-encoded twice as Trackio decodes it twice', async () => {
    const { dir, get } = await setup()
    const abs = join(dir, 'media', 'p', 'r', '0', 'a.wav')
    expect((await get(abs)).status).toBe(200)
    expect((await get(encodeURIComponent(abs))).status).toBe(200)
  })

  test('missing path is 400; outside, database files and links out are 404 JSON', async () => {
    const { dir, get } = await setup()
    const missing = await get(null)
    expect(missing.status).toBe(400)
    expect(await missing.json()).toEqual({ error: 'Missing path' })
    symlinkSync(join(dir, 'p.db'), join(dir, 'media', 'p', 'link.png'))
    for (const p of [join(dir, 'p.db'), '../p.db', '../../etc/passwd', '/etc/passwd', 'p/link.png', 'p/r/0', 'nope.png']) {
      const r = await get(p)
      expect(r.status).toBe(404)
      expect(await r.json()).toEqual({ error: 'Not found' })
    }
  })

  test('Range: 206 with Content-Range for a slice, an open range and a suffix; 416 past the end; HEAD has no body', async () => {
    const { audio, get } = await setup()
    const part = await get('p/r/0/a.wav', { range: 'bytes=10-19' })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 10-19/1000')
    expect(part.headers.get('content-length')).toBe('10')
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(audio.slice(10, 20))
    const open = await get('p/r/0/a.wav', { range: 'bytes=990-' })
    expect(open.headers.get('content-range')).toBe('bytes 990-999/1000')
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(audio.slice(990))
    const suffix = await get('p/r/0/a.wav', { range: 'bytes=-5' })
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(audio.slice(995))
    const past = await get('p/r/0/a.wav', { range: 'bytes=1000-' })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe('bytes */1000')
    const multi = await get('p/r/0/a.wav', { range: 'bytes=0-1,5-6' })
    expect(multi.status).toBe(200)
    expect((await multi.arrayBuffer()).byteLength).toBe(1000)
    const head = await get('p/r/0/a.wav', {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe('1000')
    expect((await head.arrayBuffer()).byteLength).toBe(0)
  })

  test('byteRange edge cases', () => {
    expect(byteRange(null, 10)).toBeNull()
    expect(byteRange('items=0-1', 10)).toBeNull()
    expect(byteRange('bytes=5-2', 10)).toBeNull()
    expect(byteRange('bytes=0-100', 10)).toEqual({ start: 0, end: 9 })
    expect(byteRange('bytes=-100', 10)).toEqual({ start: 0, end: 9 })
    expect(() => byteRange('bytes=-0', 10)).toThrow(/not satisfiable/)
    expect(() => byteRange('bytes=0-', 0)).toThrow(/not satisfiable/)
  })

  test('the logo URLs get_settings advertises are served from the binary', async () => {
    const { get, call } = await setup()
    const s = (await call('get_settings')).json.data
    for (const url of [s.logo_urls.light, s.logo_urls.dark]) {
      const r = await get(decodeURIComponent(new URL(url, 'http://x').searchParams.get('path')!))
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('image/png')
      const bytes = new Uint8Array(await r.arrayBuffer())
      expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])
    }
  })
})
