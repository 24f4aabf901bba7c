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

/** Call a tool; resolves with its `data`, rejects with ApiError carrying the server's `error` text. */
export async function call<T>(tool: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  const r = await fetch(`/api/${tool}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
    credentials: 'same-origin',
    signal,
  })
  let body: any = null
  try {
    body = await r.json()
  } catch {
    throw new ApiError(r.status, `${tool}: the server answered ${r.status} without JSON`, tool)
  }
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
