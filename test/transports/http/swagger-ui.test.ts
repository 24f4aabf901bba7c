import { afterAll, beforeAll, expect, test } from 'bun:test'
import { TOOLS } from '../../../src/tools/registry'
import { copyFixtures, type Server, startServer, tempDir } from '../../helpers'

// Renders /swagger in headless Chromium with background networking off: the UI must come up from
// the assets inside the binary alone. Chromium is not on a fresh machine (Debian package
// `chromium`); without it this test is skipped and the asset test in api.test.ts still runs.
const chromium = Bun.which('chromium') ?? Bun.which('chromium-browser')

if (!chromium) console.warn('skipped: Swagger UI rendering test (no chromium on PATH; install Debian\'s chromium package)')

let server: Server
beforeAll(async () => {
  if (chromium) server = await startServer(copyFixtures('basic'))
})
afterAll(async () => {
  await server?.stop()
})

test.skipIf(!chromium)('Swagger UI renders every tool in headless Chromium with no network', () => {
  const r = Bun.spawnSync(
    [
      chromium!,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${tempDir()}`,
      '--virtual-time-budget=8000',
      '--dump-dom',
      `${server.url}/swagger`,
    ],
    { stdout: 'pipe', stderr: 'pipe', timeout: 45_000 },
  )
  const dom = r.stdout.toString()
  const paths = [...dom.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1])
  for (const tool of TOOLS.map((t) => t.name))
    expect(paths).toContain(`/api/${tool}`)
  expect(dom).toContain('Trackio server')
})
