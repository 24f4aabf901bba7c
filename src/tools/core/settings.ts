import { join } from 'node:path'

/** Dashboard settings Trackio derives from the environment (compat §11), read once at startup. */
export interface Settings {
  logoLight: string
  logoDark: string
  colorPalette: string[]
  plotOrder: string[]
  tableTruncateLength: number
  mediaDir: string
  spaceId: string | null
}

export const DEFAULT_PALETTE = ['#A8769B', '#E89957', '#3B82F6', '#10B981', '#EF4444', '#8B5CF6', '#14B8A6', '#F59E0B', '#EC4899', '#06B6D4']

export function settingsFromEnv(env: Record<string, string | undefined>, dataDir: string): Settings {
  const palette = env.TRACKIO_COLOR_PALETTE
  return {
    logoLight: env.TRACKIO_LOGO_LIGHT_URL || '/file?path=trackio_logo_type_light_transparent.png',
    logoDark: env.TRACKIO_LOGO_DARK_URL || '/file?path=trackio_logo_type_dark_transparent.png',
    colorPalette: palette ? palette.split(',').map((s) => s.trim()) : DEFAULT_PALETTE,
    plotOrder: (env.TRACKIO_PLOT_ORDER ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    tableTruncateLength: parseTruncateLength(env.TRACKIO_TABLE_TRUNCATE_LENGTH || '250'),
    mediaDir: join(dataDir, 'media'),
    spaceId: env.SPACE_ID || null,
  }
}

/** Python's int() on TRACKIO_TABLE_TRUNCATE_LENGTH; a bad value stops startup with this message. */
function parseTruncateLength(raw: string): number {
  const t = raw.trim()
  if (!/^[-+]?\d+$/.test(t)) throw new Error(`TRACKIO_TABLE_TRUNCATE_LENGTH must be an integer, got '${raw}'`)
  return Number(t)
}
