import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from '../../src/cli/args'
import { serverConfig } from '../../src/cli/config'
import { accessLogLine } from '../../src/transports/http/app'
import { BINARY, copyFixtures, ensureBinary, startServer, tempDir } from '../helpers'

const SHOW = { values: ['host', 'port', 'project', 'allowed-hosts', 'cors-origin'], switches: ['mcp-server', 'log-requests'] }
const cfg = (argv: string[], env: Record<string, string>) => serverConfig(parseArgs(argv, SHOW, 'show'), env)

describe('GRADIO_MCP_SERVER', () => {
  test("only 'True' turns MCP on; values that look like yes warn and say what to set", () => {
    expect(cfg([], { GRADIO_MCP_SERVER: 'True' })).toMatchObject({ mcpEnabled: true, warnings: [] })
    for (const v of ['true', '1', 'yes', 'TRUE', 'on']) {
      const c = cfg([], { GRADIO_MCP_SERVER: v })
      expect(c.mcpEnabled).toBe(false)
      expect(c.warnings.length).toBe(1)
      expect(c.warnings[0]).toContain(`GRADIO_MCP_SERVER=${v}`)
      expect(c.warnings[0]).toContain('GRADIO_MCP_SERVER=True')
      expect(c.warnings[0]).toContain('--mcp-server')
    }
    for (const v of ['False', '0', 'no', '']) expect(cfg([], { GRADIO_MCP_SERVER: v })).toMatchObject({ mcpEnabled: false, warnings: [] })
    // --mcp-server settles it: nothing to warn about.
    expect(cfg(['--mcp-server'], { GRADIO_MCP_SERVER: 'true' })).toMatchObject({ mcpEnabled: true, warnings: [] })
  })

  test('the binary prints the warning on stderr and serves without MCP', async () => {
    const s = await startServer(copyFixtures('basic'), [], { GRADIO_MCP_SERVER: 'true' })
    try {
      const errors = s.errors()
      await Bun.sleep(200)
      expect(s.errors() || errors).toContain('trackio: warning: GRADIO_MCP_SERVER=true leaves MCP off')
      expect(s.output()).not.toContain('MCP server:')
      expect((await fetch(`${s.url}/version`).then((r) => r.json()) as { mcp_enabled: boolean }).mcp_enabled).toBe(false)
    } finally {
      await s.stop()
    }
  })
})

describe('trackio demo', () => {
  test('names the binary as it was invoked', async () => {
    await ensureBinary()
    const dir = tempDir()
    mkdirSync(join(dir, 'bin'))
    const copy = join(dir, 'bin', 'trackio')
    await Bun.write(copy, Bun.file(BINARY))
    chmodSync(copy, 0o755)
    for (const [cmd, shown] of [['./bin/trackio', './bin/trackio']] as const) {
      const p = Bun.spawn([cmd, 'demo', 'my data'], { cwd: dir, env: { PATH: '/usr/bin:/bin', HOME: dir }, stdout: 'pipe', stderr: 'pipe' })
      const out = await new Response(p.stdout).text()
      expect(await p.exited).toBe(0)
      expect(out).toContain(`Serve it with:  TRACKIO_DIR='my data' ${shown} show`)
    }
  })
})

describe('--log-requests', () => {
  test('one line per request: method, path, status, time; never the token', async () => {
    const s = await startServer(copyFixtures('basic'), ['--log-requests'], { TRACKIO_WRITE_TOKEN: 'sekrit-token' })
    try {
      await fetch(`${s.url}/api/get_all_projects`, { method: 'POST' })
      await fetch(`${s.url}/api/delete_run?write_token=sekrit-token&x=1`, { method: 'POST', body: '{"project": "nope", "run": "r"}' })
      await fetch(`${s.url}/api/trigger_sync`, { method: 'POST', headers: { 'x-trackio-write-token': 'sekrit-token' } })
      await fetch(`${s.url}/version`, { headers: { host: 'evil.example' } })
      await fetch(`${s.url}/nope`)
      await Bun.sleep(300)
      const lines = s.output().split('\n').filter((l) => /^(GET|POST) /.test(l))
      expect(lines.length).toBe(5)
      expect(lines[0]).toMatch(/^POST \/api\/get_all_projects 200 \d+\.\dms$/)
      expect(lines[1]).toMatch(/^POST \/api\/delete_run\?write_token=\*\*\*&x=1 \d{3} \d+\.\dms$/)
      expect(lines[2]).toMatch(/^POST \/api\/trigger_sync 200 \d+\.\dms$/)
      expect(lines[3]).toMatch(/^GET \/version 421 /)
      expect(lines[4]).toMatch(/^GET \/nope 404 /)
      expect(s.output().split('\n').filter((l) => l.includes('sekrit-token')).length).toBe(1) // the startup write URL only
    } finally {
      await s.stop()
    }
  })

  test('without the flag nothing is logged per request', async () => {
    const s = await startServer(copyFixtures('basic'))
    try {
      await fetch(`${s.url}/api/get_all_projects`, { method: 'POST' })
      await Bun.sleep(200)
      expect(s.output()).not.toMatch(/^POST /m)
    } finally {
      await s.stop()
    }
  })

  test('accessLogLine redacts write_token however it is spelled and keeps lines short and printable', () => {
    expect(accessLogLine('POST', 'http://h/api/x?Write_Token=abc', 200, 1)).toBe('POST /api/x?Write_Token=*** 200 1.0ms')
    expect(accessLogLine('POST', 'http://h/api/x?write%5Ftoken=abc&a=b', 200, 1)).toBe('POST /api/x?write%5Ftoken=***&a=b 200 1.0ms')
    expect(accessLogLine('GET', '/version', 400, 0.25)).toBe('GET /version 400 0.3ms')
    expect(accessLogLine('GET', 'http://h/a\nb', 404, 1)).not.toContain('\n')
    expect(accessLogLine('GET', `http://h/${'x'.repeat(5000)}`, 404, 1).length).toBeLessThan(400)
  })
})
