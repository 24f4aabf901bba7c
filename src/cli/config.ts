import { resolveTrackioDir } from '../storage/db/paths'
import type { SpaceIdentity } from '../tools/core/hub-access'
import { DEFAULT_MCP_MAX_TOKENS } from '../transports/mcp/budget'
import { DEFAULT_MAX_UPLOAD_BYTES } from '../storage/write/upload-staging'
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
  /** Token budget of one MCP tool answer. */
  mcpMaxTokens: number
  /** Largest `POST /api/upload` request (files streamed to the staging folder). */
  maxUploadBytes: number
  /** Print one access-log line per request (--log-requests). */
  logRequests: boolean
  /** Read long runs into memory in the background after start (off: --no-warm-up or TRACKIO_WARM_UP=0). */
  warmUp: boolean
  /** Things the user set that do not do what they probably meant (printed on stderr at startup). */
  warnings: string[]
  /** Set in Hugging Face Spaces mode (`SYSTEM=spaces`): who owns the Space and where the Hub is. */
  space: SpaceIdentity | null
}

/** GRADIO_MCP_SERVER is on only when exactly `True` (as in Gradio); a value that looks like yes gets a warning. */
function mcpFromEnv(raw: string | undefined, warnings: string[]): boolean {
  if (raw === undefined || raw === 'True') return raw === 'True'
  if (/^\s*(true|1|yes|on|y|t)\s*$/i.test(raw))
    warnings.push(`GRADIO_MCP_SERVER=${raw} leaves MCP off: only the exact value 'True' turns it on (as in Gradio). Set GRADIO_MCP_SERVER=True or pass --mcp-server.`)
  return false
}

/** `SYSTEM=spaces`: the Space's identity from the variables a Space sets (SPACE_AUTHOR_NAME, SPACE_REPO_NAME, SPACE_ID). */
function spaceIdentity(env: Record<string, string | undefined>): SpaceIdentity | null {
  if (env.SYSTEM !== 'spaces') return null
  const [idOwner, idRepo] = (env.SPACE_ID ?? '').split('/')
  const owner = env.SPACE_AUTHOR_NAME || idOwner || ''
  const repo = env.SPACE_REPO_NAME || idRepo || ''
  if (!owner) throw new UsageError('SYSTEM=spaces needs SPACE_AUTHOR_NAME (or SPACE_ID=owner/name): write access is checked against the Space owner')
  return { owner, repo, spaceToken: env.HF_TOKEN || null, endpoint: env.HF_ENDPOINT || 'https://huggingface.co' }
}

function parsePort(raw: string, what: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new UsageError(`${what} must be a port number (0-65535), got '${raw}'`)
  return Number(raw)
}

/** The MCP answer budget: a whole number of tokens, at least 1,000 (default 20,000). */
function parseTokens(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_MCP_MAX_TOKENS
  if (!/^\d+$/.test(raw) || Number(raw) < 1000) throw new UsageError(`--mcp-max-tokens / TRACKIO_MCP_MAX_TOKENS must be a whole number of tokens, at least 1000, got '${raw}'`)
  return Number(raw)
}

/** The upload limit: a whole number of bytes, at least 1 MiB (default 2 GiB). */
function parseUploadBytes(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_MAX_UPLOAD_BYTES
  if (!/^\d+$/.test(raw) || Number(raw) < 1024 * 1024 || !Number.isSafeInteger(Number(raw)))
    throw new UsageError(`--max-upload-bytes / TRACKIO_MAX_UPLOAD_BYTES must be a whole number of bytes, at least 1048576, got '${raw}'`)
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
  const space = spaceIdentity(env)
  // A Space's container is reached through the Hub's proxy, never on loopback.
  const host = flag('host') ?? (env.GRADIO_SERVER_NAME || (space ? '0.0.0.0' : '127.0.0.1'))
  const spaceHosts = space ? [...list(env.SPACE_HOST), '*.hf.space'] : []
  const warnings: string[] = []
  const mcpFlag = args.flags.get('mcp-server') === true
  const mcpEnv = mcpFromEnv(env.GRADIO_MCP_SERVER, mcpFlag ? [] : warnings)
  return {
    dataDir: resolveTrackioDir(env),
    host,
    port: portFlag !== undefined ? parsePort(portFlag, '--port') : env.GRADIO_SERVER_PORT ? parsePort(env.GRADIO_SERVER_PORT, 'GRADIO_SERVER_PORT') : 7860,
    portTries: portFlag !== undefined ? 1 : 100,
    mcpEnabled: mcpFlag || mcpEnv,
    project: flag('project') ?? null,
    allowedHosts: [...list(flag('allowed-hosts')), ...list(env.TRACKIO_ALLOWED_HOSTS), ...spaceHosts],
    corsOrigin: flag('cors-origin') ?? null,
    mcpMaxTokens: parseTokens(flag('mcp-max-tokens') ?? env.TRACKIO_MCP_MAX_TOKENS),
    maxUploadBytes: parseUploadBytes(flag('max-upload-bytes') ?? env.TRACKIO_MAX_UPLOAD_BYTES),
    logRequests: args.flags.get('log-requests') === true,
    warmUp: args.flags.get('no-warm-up') !== true && env.TRACKIO_WARM_UP !== '0',
    warnings,
    space,
  }
}
