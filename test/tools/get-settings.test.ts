import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { Storage } from '../../src/storage/db/connection'
import { createApp } from '../../src/transports/http/app'
import { DEFAULT_PALETTE, settingsFromEnv } from '../../src/tools/core/settings'
import { inProcessApp, tempDir } from '../helpers'

// python3 oracles are spawned per test: allow for a loaded machine
setDefaultTimeout(30_000)

async function settingsFor(env: Record<string, string>, dataDir = tempDir()) {
  const app = createApp({
    ctx: { storage: new Storage(dataDir), settings: settingsFromEnv(env, dataDir) },
    version: 'test',
    writeToken: 'tok',
    mcp: { enabled: false, path: '/mcp' },
  })
  const r = await app.handle(new Request('http://localhost/api/get_settings', { method: 'POST', body: '{}' }))
  const text = await r.text()
  return { status: r.status, text, json: JSON.parse(text) }
}

describe('get_settings', () => {
  test('defaults: key order, palette, empty plot order, 250, media dir under the data dir, no space id', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const r = await call('get_settings')
    expect(r.status).toBe(200)
    expect(Object.keys(r.json.data)).toEqual(['logo_urls', 'color_palette', 'plot_order', 'table_truncate_length', 'media_dir', 'space_id'])
    expect(Object.keys(r.json.data.logo_urls)).toEqual(['light', 'dark'])
    expect(r.json.data.logo_urls.light).toStartWith('/file?path=')
    expect(r.json.data.logo_urls.dark).toStartWith('/file?path=')
    expect(r.json.data.color_palette).toEqual(['#A8769B', '#E89957', '#3B82F6', '#10B981', '#EF4444', '#8B5CF6', '#14B8A6', '#F59E0B', '#EC4899', '#06B6D4'])
    expect(r.json.data.color_palette).toEqual(DEFAULT_PALETTE)
    expect(r.text).toContain(`"plot_order":[],"table_truncate_length":250,"media_dir":${JSON.stringify(join(dir, 'media'))},"space_id":null}}`)
  })

  test('positional or extra-less bodies: [] and null work too', async () => {
    const { call } = await inProcessApp(tempDir())
    const a = await call('get_settings', [])
    const b = await call('get_settings', 'null')
    const c = await call('get_settings', '')
    expect(a.status).toBe(200)
    expect(b.text).toBe(a.text)
    expect(c.text).toBe(a.text)
  })

  test('env overrides: logos, palette (trimmed, empties kept), plot order (trimmed, empties dropped), length, space id', async () => {
    const r = await settingsFor({
      TRACKIO_LOGO_LIGHT_URL: 'https://x/l.png',
      TRACKIO_LOGO_DARK_URL: 'https://x/d.png',
      TRACKIO_COLOR_PALETTE: ' #111 ,#222,, #333',
      TRACKIO_PLOT_ORDER: ' train/* , ,val/*,',
      TRACKIO_TABLE_TRUNCATE_LENGTH: '40',
      SPACE_ID: 'user/space',
    })
    expect(r.json.data).toEqual({
      logo_urls: { light: 'https://x/l.png', dark: 'https://x/d.png' },
      color_palette: ['#111', '#222', '', '#333'],
      plot_order: ['train/*', 'val/*'],
      table_truncate_length: 40,
      media_dir: expect.any(String),
      space_id: 'user/space',
    })
  })

  test('empty env values fall back to defaults', async () => {
    const r = await settingsFor({ TRACKIO_COLOR_PALETTE: '', TRACKIO_TABLE_TRUNCATE_LENGTH: '', SPACE_ID: '', TRACKIO_PLOT_ORDER: '' })
    expect(r.json.data.color_palette).toEqual(DEFAULT_PALETTE)
    expect(r.json.data.table_truncate_length).toBe(250)
    expect(r.json.data.space_id).toBeNull()
    expect(r.json.data.plot_order).toEqual([])
  })

  test('relative data dir gives a relative media_dir', async () => {
    const r = await settingsFor({}, 'rel/data')
    expect(r.json.data.media_dir).toBe(join('rel/data', 'media'))
  })

  test('a non-integer TRACKIO_TABLE_TRUNCATE_LENGTH is refused', () => {
    expect(() => settingsFromEnv({ TRACKIO_TABLE_TRUNCATE_LENGTH: 'abc' }, '/d')).toThrow(/TRACKIO_TABLE_TRUNCATE_LENGTH/)
    expect(settingsFromEnv({ TRACKIO_TABLE_TRUNCATE_LENGTH: ' 12 ' }, '/d').tableTruncateLength).toBe(12)
  })
})
