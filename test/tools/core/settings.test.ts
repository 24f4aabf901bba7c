import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { DEFAULT_PALETTE, settingsFromEnv } from '../../../src/tools/core/settings'

describe('settingsFromEnv', () => {
  test('an empty environment gives Trackio defaults', () => {
    expect(settingsFromEnv({}, '/data')).toEqual({
      logoLight: '/file?path=trackio_logo_type_light_transparent.png',
      logoDark: '/file?path=trackio_logo_type_dark_transparent.png',
      colorPalette: DEFAULT_PALETTE,
      plotOrder: [],
      tableTruncateLength: 250,
      mediaDir: join('/data', 'media'),
      spaceId: null,
    })
    expect(DEFAULT_PALETTE).toHaveLength(10)
  })

  test('each variable is read; lists are split on commas and trimmed, empty plot-order items dropped', () => {
    const s = settingsFromEnv(
      {
        TRACKIO_LOGO_LIGHT_URL: 'https://x/l.png',
        TRACKIO_LOGO_DARK_URL: 'https://x/d.png',
        TRACKIO_COLOR_PALETTE: '#111, #222 ,#333',
        TRACKIO_PLOT_ORDER: ' train/* , ,val/loss,',
        TRACKIO_TABLE_TRUNCATE_LENGTH: ' 40 ',
        SPACE_ID: 'me/space',
      },
      '/d',
    )
    expect(s).toEqual({
      logoLight: 'https://x/l.png',
      logoDark: 'https://x/d.png',
      colorPalette: ['#111', '#222', '#333'],
      plotOrder: ['train/*', 'val/loss'],
      tableTruncateLength: 40,
      mediaDir: join('/d', 'media'),
      spaceId: 'me/space',
    })
  })

  test('empty strings fall back to the defaults', () => {
    const s = settingsFromEnv({ TRACKIO_LOGO_LIGHT_URL: '', TRACKIO_COLOR_PALETTE: '', TRACKIO_TABLE_TRUNCATE_LENGTH: '', SPACE_ID: '' }, '/d')
    expect(s.logoLight).toBe('/file?path=trackio_logo_type_light_transparent.png')
    expect(s.colorPalette).toEqual(DEFAULT_PALETTE)
    expect(s.tableTruncateLength).toBe(250)
    expect(s.spaceId).toBeNull()
  })

  test('truncate length parses as Python int() does: sign allowed, anything else stops startup', () => {
    expect(settingsFromEnv({ TRACKIO_TABLE_TRUNCATE_LENGTH: '+7' }, '/d').tableTruncateLength).toBe(7)
    expect(settingsFromEnv({ TRACKIO_TABLE_TRUNCATE_LENGTH: '-1' }, '/d').tableTruncateLength).toBe(-1)
    for (const bad of ['1.5', 'abc', '1e3', '0x10'])
      expect(() => settingsFromEnv({ TRACKIO_TABLE_TRUNCATE_LENGTH: bad }, '/d')).toThrow(`TRACKIO_TABLE_TRUNCATE_LENGTH must be an integer, got '${bad}'`)
  })
})
