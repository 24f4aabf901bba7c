import { Storage } from '../storage/db/connection'
import { warmUp } from '../storage/read/warm-up'
import { stagingLimitsFor, UploadStaging } from '../storage/write/upload-staging'
import { startInboxPoller } from '../ingest/inbox'
import { recoverRenameJournals } from '../storage/write/rename-journal'
import { settingsFromEnv } from '../tools/core/settings'
import { createApp, serveApp } from '../transports/http/app'
import { MAX_BODY_BYTES } from '../transports/http/body'
import { createMcpHandler } from '../transports/mcp/handler'
import { HubAccess, spacesAuthorizer } from '../tools/core/hub-access'
import { makeWriteToken } from '../tools/core/write-token'
import { VERSION } from '../version'
import type { ServerConfig } from './config'
import { baseUrl, isLoopback, startupUrls } from './urls'

export interface RunningServer {
  url: string
  port: number
  writeToken: string
  stop(): Promise<void>
}


function isAddrInUse(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return e?.code === 'EADDRINUSE' || /in use|EADDRINUSE/i.test(e?.message ?? '')
}

/** Start the server on the first free port of the configured range. */
export async function startServer(cfg: ServerConfig, env: Record<string, string | undefined>): Promise<RunningServer> {
  const storage = new Storage(cfg.dataDir)
  await recoverRenameJournals(cfg.dataDir)
  const writeToken = makeWriteToken(env)
  const ctx = { storage, settings: settingsFromEnv(env, cfg.dataDir), uploads: new UploadStaging(stagingLimitsFor(cfg.maxUploadBytes)) }
  const authorize = cfg.space ? spacesAuthorizer(writeToken, new HubAccess(cfg.space)) : undefined
  const mcp = cfg.mcpEnabled ? createMcpHandler({ ctx, writeToken, authorize, maxTokens: cfg.mcpMaxTokens }) : null
  const guard = { allowedHosts: cfg.allowedHosts, corsOrigin: cfg.corsOrigin, bindHost: cfg.host }
  let lastErr: unknown
  for (let i = 0; i < cfg.portTries; i++) {
    const port = cfg.port === 0 ? 0 : cfg.port + i
    if (port > 65535) break
    const app = createApp({ ctx, version: VERSION, writeToken, authorize, mcp: { enabled: cfg.mcpEnabled, path: '/mcp' }, mcpHandler: mcp?.handle, guard, maxBodyBytes: MAX_BODY_BYTES, maxUploadBytes: cfg.maxUploadBytes })
    let server: Bun.Server<undefined>
    try {
      // Without SO_REUSEPORT (see serveApp): a port another server holds fails with EADDRINUSE.
      server = await serveApp(app, { hostname: cfg.host, port, maxBodyBytes: MAX_BODY_BYTES, logRequest: cfg.logRequests ? (line) => console.log(line) : undefined })
    } catch (err) {
      lastErr = err
      if (isAddrInUse(err)) continue
      throw err
    }
    const actual = server.port!
    const inbox = startInboxPoller(cfg.dataDir, env)
    let stopping = false
    // Long runs read into memory in the background (scan workers), so their first chart is quick.
    if (cfg.warmUp) void warmUp(storage, { stopped: () => stopping }).catch(() => {})
    return {
      url: baseUrl(cfg.host, actual),
      port: actual,
      writeToken,
      stop: async () => {
        stopping = true
        await inbox.stop()
        mcp?.close()
        await server.stop(true)
        storage.close()
        ctx.uploads.close()
      },
    }
  }
  const last = cfg.port + cfg.portTries - 1
  throw new Error(
    cfg.portTries > 1
      ? `Cannot find empty port in range: ${cfg.port}-${last}. Set GRADIO_SERVER_PORT or pass --port.`
      : isAddrInUse(lastErr)
        ? `Port ${cfg.port} on ${cfg.host} is already in use (another server, perhaps another trackio, listens there). Pass another --port, or set GRADIO_SERVER_PORT instead of --port to take the next free port.`
        : `Cannot listen on ${cfg.host}:${cfg.port}: ${(lastErr as Error)?.message ?? 'address in use'}`,
  )
}

/**
 * The startup lines, shaped like Trackio's (spec 7.1) but true: this server has no dashboard and
 * opens no browser. The line ending in "write access at: <url>" is the one scripts and tests read.
 */
export function startupLines(cfg: ServerConfig, server: RunningServer, color: boolean): string[] {
  const { ui, write } = startupUrls(server.url, cfg.project, server.writeToken)
  const first = `* Trackio server running at: ${ui}`
  const lines = [
    color ? `\x1b[1m\x1b[38;5;208m${first}\x1b[0m` : first,
    '',
    `* Trackio dashboard with write access at: ${write}`,
    '* Only share this write_token with trusted users, as it allows them to write logs, rename/delete runs, and connect MCP tools.',
    `* API documentation: ${server.url}/swagger`,
    `* Data directory: ${cfg.dataDir}`,
  ]
  if (cfg.mcpEnabled) lines.push(`* MCP server: ${server.url}/mcp/`)
  if (cfg.space)
    lines.push(
      `* Hugging Face Space mode (SYSTEM=spaces): logging needs an hf_token with write access to ${cfg.space.owner}/${cfg.space.repo} (checked with ${cfg.space.endpoint}); renaming and deleting runs also accept the write token.`,
    )
  if (!isLoopback(cfg.host))
    lines.push(
      `* Warning: bound to ${cfg.host}, reachable from other machines. Anyone who can reach it can read every project; keep the write token secret. Requests that name this machine by another host name get 421 unless allowed with --allowed-hosts (see SECURITY.md).`,
    )
  return lines
}
