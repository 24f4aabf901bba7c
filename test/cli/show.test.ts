import { describe, expect, test } from 'bun:test'
import type { ServerConfig } from '../../src/cli/config'
import { startServer, startupLines, type RunningServer } from '../../src/cli/show'
import { copyFixtures } from '../helpers'

function config(dataDir: string, o: Partial<ServerConfig> = {}): ServerConfig {
  return { dataDir, host: '127.0.0.1', port: 0, portTries: 1, mcpEnabled: false, project: null, allowedHosts: [], corsOrigin: null, mcpMaxTokens: 20000, maxUploadBytes: 2 ** 31, space: null, logRequests: false, warmUp: false, warnings: [], ...o }
}

const fake: RunningServer = { url: 'http://localhost:7860', port: 7860, writeToken: 'TOKEN', stop: async () => {} }

describe('startupLines', () => {
  test('Trackio-shaped URL lines, then docs and data directory; no colour when not a terminal', () => {
    expect(startupLines(config('/data', { host: 'localhost' }), fake, false)).toEqual([
      '* Trackio server running at: http://localhost:7860/',
      '',
      '* Trackio dashboard with write access at: http://localhost:7860?write_token=TOKEN',
      '* Only share this write_token with trusted users, as it allows them to write logs, rename/delete runs, and connect MCP tools.',
      '* API documentation: http://localhost:7860/swagger',
      '* Data directory: /data',
    ])
  })

  test('colour on a terminal, project in the URLs, MCP line when enabled', () => {
    const lines = startupLines(config('/d', { project: 'p', mcpEnabled: true }), fake, true)
    expect(lines[0]).toBe('\x1b[1m\x1b[38;5;208m* Trackio server running at: http://localhost:7860/?project=p\x1b[0m')
    expect(lines[2]).toBe('* Trackio dashboard with write access at: http://localhost:7860?project=p&write_token=TOKEN')
    expect(lines.at(-1)).toBe('* MCP server: http://localhost:7860/mcp/')
  })

  test('a non-loopback bind gets a warning; Space mode says who may log', () => {
    const wide = startupLines(config('/d', { host: '0.0.0.0' }), fake, false)
    expect(wide.at(-1)).toStartWith('* Warning: bound to 0.0.0.0, reachable from other machines.')
    const space = startupLines(config('/d', { space: { owner: 'me', repo: 'board', spaceToken: null, endpoint: 'https://hub.example' } }), fake, false)
    expect(space.at(-1)).toContain('an hf_token with write access to me/board (checked with https://hub.example)')
    expect(startupLines(config('/d'), fake, false).some((l) => l.includes('Warning'))).toBe(false)
  })
})

describe('startServer (in this process)', () => {
  test('serves the data directory on a free port with the configured write token, and stops', async () => {
    const dir = copyFixtures('basic')
    const server = await startServer(config(dir), { TRACKIO_WRITE_TOKEN: 'fixed-token' })
    try {
      expect(server.port).toBeGreaterThan(0)
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
      expect(server.writeToken).toBe('fixed-token')
      const r = await fetch(`${server.url}/api/get_all_projects`, { method: 'POST', body: '{}' })
      expect(await r.json()).toEqual({ data: ['image-classification', 'llm-finetune'] })
      const denied = await fetch(`${server.url}/api/trigger_sync`, { method: 'POST', body: '{}', headers: { 'x-trackio-write-token': 'wrong' } })
      expect(denied.status).toBe(403)
      const mcp = await fetch(`${server.url}/mcp/`, { method: 'POST', body: '{}' })
      expect(mcp.status).toBe(404)
    } finally {
      await server.stop()
    }
    await expect(fetch(`${server.url}/version`)).rejects.toThrow()
  })
})

describe('startServer on a busy port', () => {
  test('one try: an error naming the port; several tries: the next free port', async () => {
    const dir = copyFixtures('basic')
    const first = await startServer(config(dir), { TRACKIO_WRITE_TOKEN: 't' })
    try {
      await expect(startServer(config(dir, { port: first.port }), { TRACKIO_WRITE_TOKEN: 't' })).rejects.toThrow(`Port ${first.port} on 127.0.0.1 is already in use`)
      const second = await startServer(config(dir, { port: first.port, portTries: 5 }), { TRACKIO_WRITE_TOKEN: 't' })
      try {
        expect(second.port).toBeGreaterThan(first.port)
        expect(second.port).toBeLessThan(first.port + 5)
      } finally {
        await second.stop()
      }
    } finally {
      await first.stop()
    }
  })
})
