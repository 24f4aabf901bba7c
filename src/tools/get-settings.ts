import { z } from 'zod'
import { defineTool } from './core/define'

export default defineTool({
  name: 'get_settings',
  description: 'Return Trackio dashboard settings and asset configuration.',
  input: z.object({}),
  output: z.object({
    logo_urls: z.object({ light: z.string(), dark: z.string() }),
    color_palette: z.array(z.string()),
    plot_order: z.array(z.string()),
    table_truncate_length: z.int(),
    media_dir: z.string(),
    space_id: z.string().nullable(),
  }),
  result: 'object',
  access: 'read',
  example: {},
  handler: (_args, { settings: s }) => ({
    logo_urls: { light: s.logoLight, dark: s.logoDark },
    color_palette: s.colorPalette,
    plot_order: s.plotOrder,
    table_truncate_length: s.tableTruncateLength,
    media_dir: s.mediaDir,
    space_id: s.spaceId,
  }),
})
