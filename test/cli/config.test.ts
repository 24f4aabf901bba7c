import { describe, expect, test } from 'bun:test'
import { parseArgs, UsageError } from '../../src/cli/args'
import { serverConfig } from '../../src/cli/config'
import { createGuard } from '../../src/transports/http/guard'

const SHOW = { values: ['host', 'port', 'project', 'allowed-hosts', 'cors-origin', 'mcp-max-tokens', 'max-upload-bytes'], switches: ['mcp-server', 'log-requests', 'no-warm-up'] }
const cfg = (argv: string[], env: Record<string, string>) => serverConfig(parseArgs(argv, SHOW, 'show'), env)

describe('SYSTEM=spaces', () => {
  const env = { SYSTEM: 'spaces', SPACE_AUTHOR_NAME: 'team', SPACE_REPO_NAME: 'tracker', SPACE_HOST: 'team-tracker.hf.space', HF_TOKEN: 'hf_secret', HF_ENDPOINT: 'http://hub.test' }

  test('binds every interface and answers to the Space\'s host names', () => {
    const c = cfg([], env)
    expect(c.host).toBe('0.0.0.0')
    expect(c.allowedHosts).toEqual(['team-tracker.hf.space', '*.hf.space'])
    expect(c.space).toEqual({ owner: 'team', repo: 'tracker', spaceToken: 'hf_secret', endpoint: 'http://hub.test' })
    expect(cfg(['--host', '127.0.0.1'], env).host).toBe('127.0.0.1')
  })

  test('SPACE_ID names the Space when the split variables are missing; the Hub defaults to huggingface.co', () => {
    expect(cfg([], { SYSTEM: 'spaces', SPACE_ID: 'alice/runs' }).space).toEqual({ owner: 'alice', repo: 'runs', spaceToken: null, endpoint: 'https://huggingface.co' })
  })

  test('without an owner it refuses to start (writes could not be checked)', () => {
    expect(() => cfg([], { SYSTEM: 'spaces' })).toThrow(UsageError)
  })

  test('local mode is unchanged', () => {
    const c = cfg([], {})
    expect([c.host, c.space, c.allowedHosts]).toEqual(['127.0.0.1', null, []])
  })

  test('the guard takes *.domain patterns: any name below, not the domain itself', () => {
    const guard = createGuard({ allowedHosts: ['*.hf.space'] })
    const status = (host: string) => {
      const r = guard(new Request('http://x/', { headers: { host } }))
      return r instanceof Response ? r.status : 200
    }
    expect([status('team-tracker.hf.space'), status('a.b.hf.space'), status('hf.space'), status('evilhf.space'), status('evil.com')]).toEqual([200, 200, 421, 421, 421])
  })
})

describe('the MCP answer budget', () => {
  test('flag over environment over 20,000; nonsense is a usage error', () => {
    expect(cfg([], {}).mcpMaxTokens).toBe(20_000)
    expect(cfg([], { TRACKIO_MCP_MAX_TOKENS: '5000' }).mcpMaxTokens).toBe(5000)
    expect(cfg(['--mcp-max-tokens', '8000'], { TRACKIO_MCP_MAX_TOKENS: '5000' }).mcpMaxTokens).toBe(8000)
    expect(() => cfg(['--mcp-max-tokens', '10'], {})).toThrow(UsageError)
    expect(() => cfg([], { TRACKIO_MCP_MAX_TOKENS: 'lots' })).toThrow(UsageError)
  })
})

describe('the upload limit', () => {
  test('flag over environment over 2 GiB; nonsense or under 1 MiB is a usage error', () => {
    expect(cfg([], {}).maxUploadBytes).toBe(2 * 1024 ** 3)
    expect(cfg([], { TRACKIO_MAX_UPLOAD_BYTES: '104857600' }).maxUploadBytes).toBe(104_857_600)
    expect(cfg(['--max-upload-bytes', '5000000'], { TRACKIO_MAX_UPLOAD_BYTES: '104857600' }).maxUploadBytes).toBe(5_000_000)
    expect(() => cfg(['--max-upload-bytes', '1000'], {})).toThrow(UsageError)
    expect(() => cfg([], { TRACKIO_MAX_UPLOAD_BYTES: '2GB' })).toThrow(UsageError)
  })
})

describe('the warm-up after start', () => {
  test('on by default; --no-warm-up or TRACKIO_WARM_UP=0 turn it off', () => {
    expect(cfg([], {}).warmUp).toBe(true)
    expect(cfg(['--no-warm-up'], {}).warmUp).toBe(false)
    expect(cfg([], { TRACKIO_WARM_UP: '0' }).warmUp).toBe(false)
    expect(cfg([], { TRACKIO_WARM_UP: '1' }).warmUp).toBe(true)
  })
})
