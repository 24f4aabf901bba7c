import { resolveTrackioDir } from '../storage/db/paths'
import { UsageError, type ParsedArgs } from './args'

export interface ServerConfig {
  dataDir: string
  host: string
  /** First port to try, and how many consecutive ports to try. */
  port: number
  portTries: number
  mcpEnabled: boolean
  project: string | null
  allowedHosts: string[]
  corsOrigin: string | null
}

function parsePort(raw: string, what: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new UsageError(`${what} must be a port number (0-65535), got '${raw}'`)
  return Number(raw)
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
}

/** `trackio show` flags over environment over defaults. */
export function serverConfig(args: ParsedArgs, env: Record<string, string | undefined>): ServerConfig {
  const flag = (name: string) => {
    const v = args.flags.get(name)
    return typeof v === 'string' ? v : undefined
  }
  const portFlag = flag('port')
  const host = flag('host') ?? (env.GRADIO_SERVER_NAME || '127.0.0.1')
  return {
    dataDir: resolveTrackioDir(env),
    host,
    port: portFlag !== undefined ? parsePort(portFlag, '--port') : env.GRADIO_SERVER_PORT ? parsePort(env.GRADIO_SERVER_PORT, 'GRADIO_SERVER_PORT') : 7860,
    portTries: portFlag !== undefined ? 1 : 100,
    mcpEnabled: args.flags.get('mcp-server') === true || env.GRADIO_MCP_SERVER === 'True',
    project: flag('project') ?? null,
    allowedHosts: [...list(flag('allowed-hosts')), ...list(env.TRACKIO_ALLOWED_HOSTS)],
    corsOrigin: flag('cors-origin') ?? null,
  }
}
