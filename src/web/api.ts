/** The page's only way to the data: the public tool API, `POST /api/{tool}` with JSON arguments. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly tool: string,
  ) {
    super(message)
  }
}

/** An answer read whole: status, and the parsed JSON (`json: false` when the body was none). */
interface Reply {
  status: number
  ok: boolean
  body: any
  json: boolean
}

/**
 * Requests sent before the page needed them (the page's inline script asks for the runs overview while this
 * script still loads; the first charts' series are asked as soon as the runs are known), by tool and body:
 * the first `call` with the same tool and arguments takes the answer instead of asking again. Their bodies
 * are parsed as they arrive, so a call taking one goes on without waiting for another task.
 */
const early = new Map<string, Promise<Reply>>()
const earlyKey = (tool: string, body: string) => `${tool}\u0000${body}`

const post = (tool: string, body: string, signal?: AbortSignal): Promise<Reply> =>
  fetch(`/api/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, credentials: 'same-origin', signal }).then((r) =>
    r.json().then(
      (b) => ({ status: r.status, ok: r.ok, body: b, json: true }),
      () => ({ status: r.status, ok: r.ok, body: null, json: false }),
    ),
  )

/** Ask now for an answer a `call` with the same tool and arguments will want soon. */
export function prefetch(tool: string, args: Record<string, unknown>): void {
  const body = JSON.stringify(args)
  const r = post(tool, body)
  r.catch(() => {})
  early.set(earlyKey(tool, body), r)
}

/** What the page's inline script (transports/http/dashboard.ts) asked for: `[tool, body, reply]`. */
const inline = (globalThis as { trackioEarly?: [string, string, Promise<Reply>] }).trackioEarly
if (inline) early.set(earlyKey(inline[0], inline[1]), inline[2])

/** Call a tool; resolves with its `data`, rejects with ApiError carrying the server's `error` text. */
export async function call<T>(tool: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  const text = JSON.stringify(args)
  const key = earlyKey(tool, text)
  const asked = signal ? undefined : early.get(key)
  early.delete(key)
  const r = await (asked ?? post(tool, text, signal))
  if (!r.json) throw new ApiError(r.status, `${tool}: the server answered ${r.status} without JSON`, tool)
  const body = r.body
  if (!r.ok || body === null || typeof body !== 'object' || 'error' in body) {
    throw new ApiError(r.status, typeof body?.error === 'string' ? body.error : `${tool} failed (${r.status})`, tool)
  }
  return body.data as T
}

export interface RunRecord {
  id: string | null
  name: string
  created_at: string | null
}

/** One run as get_runs_overview answers it: `metrics` are the chartable names (nested dicts as `a/b`). */
export interface RunOverview {
  id: string | null
  name: string
  created_at: string | null
  num_logs: number
  last_step: number | null
  config: Record<string, unknown> | null
  metrics: string[]
  /** Each metric's value at the highest step holding it; null when NaN or ±Infinity. */
  last_values: Record<string, number | null>
  /** Traces the run logged. */
  traces: number
}

/** One trace as get_traces answers it (an LLM conversation logged with trackio.Trace). */
export interface Trace {
  id: string
  key: string
  index: number | null
  run: string
  run_id: string | null
  step: number | null
  timestamp: string
  messages: unknown
  metadata: Record<string, unknown> | null
}

export interface Alert {
  timestamp: string
  run: string
  title: string
  text: string | null
  level: string
  step: number | null
}

export interface Settings {
  color_palette: string[]
  media_dir: string
  table_truncate_length: number
}

export interface VersionInfo {
  version: string
  mcp_enabled: boolean
  mcp_path: string | null
}

export async function getVersion(): Promise<VersionInfo> {
  const r = await fetch('/version')
  return (await r.json()) as VersionInfo
}

/** One series as get_metric_history answers it. */
export interface HistorySeries {
  run: string
  run_id: string | null
  metric: string
  total_points: number
  returned_points: number
  method: string
  steps: number[]
  values: (number | null)[]
  /** Empty when asked with `timestamps: false`. */
  timestamps: (string | number | null)[]
}
