/**
 * The view as a URL: `/?project=P&runs=id1,id2&metric=train/loss&range=100,500&x=step&smooth=0.6&log=1&tab=metrics`.
 * Every parameter is optional; an agent's link can name just the project and a metric. The `dashboard_path`
 * of plot_metrics is understood too: `metrics=a,b` (exactly those charts), `min_step`/`max_step` (either may be
 * missing: the data's own end is used), `log_y=1`, `smoothing=0.6`, and run names in `runs`.
 */

export const TABS = ['metrics', 'system', 'media', 'tables', 'histograms', 'reports', 'traces', 'runs', 'config'] as const
export type Tab = (typeof TABS)[number]

export interface ViewState {
  project: string | null
  /** Run keys (ids, or names for runs without an id); null: every run. */
  runs: string[] | null
  metric: string
  /** Exactly these charts (plot_metrics links); null: every metric matching `metric`. */
  metrics: string[] | null
  /** Step range; an open end (from min_step/max_step alone) is NaN until the data says where it ends. */
  range: { min: number; max: number } | null
  x: 'step' | 'time'
  smooth: number
  log: boolean
  tab: Tab
  /** The run the single-run tabs (media, tables, …) show. */
  run: string | null
}

export function readUrl(search: string): ViewState {
  const p = new URLSearchParams(search)
  const runs = p.get('runs')
  const range = (p.get('range') ?? '').split(',').map(Number)
  const tab = p.get('tab') as Tab | null
  const smooth = Number(p.get('smooth') ?? p.get('smoothing') ?? 0)
  const metrics = p.get('metrics')
  let r = range.length === 2 && range.every(Number.isFinite) && range[0]! < range[1]! ? { min: range[0]!, max: range[1]! } : null
  if (!r && (p.has('min_step') || p.has('max_step'))) {
    const lo = p.has('min_step') ? Number(p.get('min_step')) : NaN
    const hi = p.has('max_step') ? Number(p.get('max_step')) : NaN
    if (!(lo >= hi)) r = { min: lo, max: hi }
  }
  return {
    project: p.get('project') || null,
    runs: runs === null ? null : runs.split(',').filter(Boolean),
    metric: p.get('metric') ?? '',
    metrics: metrics === null ? null : metrics.split(',').filter(Boolean),
    range: r,
    x: p.get('x') === 'time' ? 'time' : 'step',
    smooth: Number.isFinite(smooth) ? Math.min(0.99, Math.max(0, smooth)) : 0,
    log: p.get('log') === '1' || p.get('log_y') === '1',
    tab: tab && (TABS as readonly string[]).includes(tab) ? tab : 'metrics',
    run: p.get('run') || null,
  }
}

const roundRange = (v: number) => String(Number(v.toPrecision(10)))

export function toSearch(s: ViewState): string {
  const p = new URLSearchParams()
  if (s.project) p.set('project', s.project)
  if (s.tab !== 'metrics') p.set('tab', s.tab)
  if (s.runs) p.set('runs', s.runs.join(','))
  if (s.run) p.set('run', s.run)
  if (s.metric) p.set('metric', s.metric)
  if (s.metrics) p.set('metrics', s.metrics.join(','))
  if (s.range && Number.isFinite(s.range.min) && Number.isFinite(s.range.max)) p.set('range', `${roundRange(s.range.min)},${roundRange(s.range.max)}`)
  if (s.x !== 'step') p.set('x', s.x)
  if (s.smooth > 0) p.set('smooth', String(s.smooth))
  if (s.log) p.set('log', '1')
  const q = p.toString().replace(/%2C/g, ',').replace(/%2F/g, '/')
  return q ? `?${q}` : ''
}
