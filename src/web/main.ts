/** The Trackio dashboard: projects, runs, metric charts, the other Trackio tabs, live updates. */
import { ApiError, call, getVersion, type Alert, type RunOverview, type RunRecord, type Settings } from './api'
import { MetricChart, type ChartRun, type ChartView } from './chart'
import { confirmDialog, promptDialog } from './dialogs'
import { h, nodes } from './dom'
import type { RunInfo } from './model'
import { collectRich, configPanel, histogramsPanel, mediaPanel, reportsPanel, tablesPanel, type RichValues } from './panels'
import { RunsTable } from './runs-table'
import { TracesView } from './traces'
import { appendSeries, loadOverview, loadRange, loadSince, prefetchOverview, type Run, type Series, type SeriesTable } from './series'
import { readUrl, TABS, toSearch, type Tab, type ViewState } from './url-state'

const LIVE_INTERVAL_MS = 1000
const DEFAULT_PALETTE = ['#A8769B', '#E89957', '#3B82F6', '#10B981', '#EF4444', '#8B5CF6', '#14B8A6', '#F59E0B', '#EC4899', '#06B6D4']
const TAB_LABELS: Record<Tab, string> = {
  metrics: 'Metrics', system: 'System', media: 'Media', tables: 'Tables', histograms: 'Histograms', reports: 'Reports', traces: 'Traces', runs: 'Runs', config: 'Config',
}
const SINGLE_RUN_TABS: Tab[] = ['media', 'tables', 'histograms', 'reports', 'config']

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? ''
const writable = meta('trackio-write-access') === 'yes'

let state: ViewState = readUrl(location.search)
let settings: Settings = { color_palette: DEFAULT_PALETTE, media_dir: '', table_truncate_length: 250 }
let projects: string[] = []
let runs: RunInfo[] = []
let selected = new Set<string>()
let overview: SeriesTable = new Map()
let detail: SeriesTable | null = null
let alerts: Alert[] = []
const colorOf = new Map<string, string>()
const charts = new Map<string, MetricChart>()
const systemCharts = new Map<string, MetricChart>()
const richCache = new Map<string, { lastStep: number | null; rich: RichValues }>()
let loadSeq = 0
/** True while the first series of the open project are still arriving. */
let loadingOverview = false
let firstChartMarked = false
/** Whether the overview series carry timestamps (read only for a chart by wall time). */
let overviewTimes = false
const tracesView = new TracesView()

/** Replace (not push) the address while the view changes continuously (zoom, typing); push on navigation. */
function writeUrl(s: ViewState, push = false): void {
  const url = location.pathname + toSearch(s)
  if (url === location.pathname + location.search) return
  if (push) history.pushState(null, '', url)
  else history.replaceState(null, '', url)
}

// ---------- layout ----------
const projectSelect = h('select', { id: 'project', 'aria-label': 'Project' })
const accessBadge = writable
  ? h('span', { class: 'access write', title: 'This browser holds the write token (an HttpOnly cookie): runs can be renamed and deleted.' }, 'Write access')
  : h('span', { class: 'access read', title: 'Open the write-access URL printed by `trackio show` to rename or delete runs.' }, 'Read-only')
const themeButton = h('button', { type: 'button', class: 'theme', 'aria-label': 'Switch light/dark theme' })
const liveStatus = h('span', { class: 'live', role: 'status', 'aria-live': 'polite' })
const runList = h('ul', { class: 'run-list', 'aria-label': 'Runs to show' })
const runFilter = h('input', { type: 'search', placeholder: 'Filter runs', 'aria-label': 'Filter runs in the sidebar' })
const tabBar = h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Views' })
const toolbar = h('div', { class: 'toolbar' })
const view = h('div', { class: 'view', id: 'view', role: 'tabpanel' })
const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' })
const footer = h('footer', {},
  h('a', { href: '/swagger' }, 'API docs (/swagger)'), h('span', { class: 'mcp' }), h('span', { class: 'version' }), liveStatus)
const runsTable = new RunsTable({ writable, toggle: (k, on) => toggleRun(k, on), rename: (r) => void renameRun(r), remove: (r) => void deleteRun(r) })

function layout(): void {
  const app = document.getElementById('app')!
  app.replaceChildren(...nodes(
    h('header', { class: 'top' },
      h('h1', {}, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◆'), 'Trackio'),
      h('label', { class: 'project-label' }, h('span', { class: 'sr-only' }, 'Project'), projectSelect),
      h('span', { class: 'spacer' }), accessBadge, themeButton),
    meta('trackio-notice') === 'rejected'
      ? h('div', { class: 'banner', role: 'alert' }, 'The write token in the link was not accepted by this server: the dashboard is read-only.')
      : null,
    h('div', { class: 'layout' },
      h('aside', { class: 'sidebar', 'aria-label': 'Runs' },
        h('div', { class: 'side-head' }, h('h2', {}, 'Runs'),
          h('button', { type: 'button', class: 'link', onclick: () => setAll(true) }, 'all'),
          h('button', { type: 'button', class: 'link', onclick: () => setAll(false) }, 'none')),
        runFilter, runList),
      h('main', {}, tabBar, toolbar, view)),
    footer, toasts))
  projectSelect.addEventListener('change', () => {
    state = { ...state, project: projectSelect.value, runs: null, range: null, run: null, metric: '', metrics: null }
    writeUrl(state, true)
    void openProject()
  })
  runFilter.addEventListener('input', renderRunList)
  // A focused chart zooms with + and −, pans with the arrow keys and resets with 0 or Escape.
  view.addEventListener('keydown', (e) => {
    if (!(e.target instanceof HTMLElement) || !e.target.matches('figure.chart') || state.tab !== 'metrics') return
    const act: Record<string, () => void> = {
      '+': () => zoomBy(0.5), '=': () => zoomBy(0.5), '-': () => zoomBy(2), ArrowLeft: () => zoomBy(1, -0.25), ArrowRight: () => zoomBy(1, 0.25),
      '0': () => onZoom(null), Escape: () => onZoom(null),
    }
    const f = act[e.key]
    if (!f) return
    e.preventDefault()
    f()
  })
  themeButton.addEventListener('click', cycleTheme)
  applyTheme()
}

// ---------- theme ----------
function applyTheme(): void {
  const t = localStorage.getItem('trackio-theme') ?? 'auto'
  if (t === 'auto') delete document.documentElement.dataset.theme
  else document.documentElement.dataset.theme = t
  themeButton.textContent = t === 'dark' ? '☾ Dark' : t === 'light' ? '☀ Light' : '◐ Auto'
}

function cycleTheme(): void {
  const t = localStorage.getItem('trackio-theme') ?? 'auto'
  localStorage.setItem('trackio-theme', t === 'auto' ? 'dark' : t === 'dark' ? 'light' : 'auto')
  applyTheme()
  stopCharts()
  stopSystemCharts()
  render()
}

function toast(text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  const t = h('div', { class: `toast ${level}` }, text)
  toasts.append(t)
  setTimeout(() => t.remove(), 6000)
}

function reportError(e: unknown): void {
  toast(e instanceof Error ? e.message : String(e), 'error')
}

// ---------- data ----------
const runKey = (r: RunRecord) => r.id ?? `name:${r.name}`
const selectedRuns = () => runs.filter((r) => selected.has(r.run.key))

function colorFor(key: string): string {
  let c = colorOf.get(key)
  if (!c) {
    const palette = settings.color_palette.length ? settings.color_palette : DEFAULT_PALETTE
    colorOf.set(key, (c = palette[colorOf.size % palette.length]!))
  }
  return c
}

const recordOf = (o: RunOverview): RunRecord => ({ id: o.id, name: o.name, created_at: o.created_at })

function runInfo(o: RunOverview): RunInfo {
  const r = recordOf(o)
  const run: Run = { ...r, key: runKey(r) }
  return { run, summary: o, color: colorFor(run.key), group: groupOf(o), lastStep: o.last_step, final: overviewFinals(o) }
}

const groupOf = (o: RunOverview) => (o.config && typeof o.config._Group === 'string' ? o.config._Group : null)

/** Every run of the project with its config, last step and chartable metric names: one request. */
const runsOverview = (project: string) => call<{ runs: RunOverview[] }>('get_runs_overview', { project }).then((a) => a.runs)

/** Each metric's value at the run's highest step as the runs overview read it (non-finite: NaN). */
function overviewFinals(o: RunOverview): Map<string, number> {
  const final = new Map<string, number>()
  for (const [m, v] of Object.entries(o.last_values ?? {})) final.set(m, v ?? NaN)
  return final
}

/** Final values: the overview's, then the last point of each loaded series (newer while a run logs). */
function refreshFinals(): void {
  for (const r of runs) {
    r.final = r.summary ? overviewFinals(r.summary) : new Map()
    for (const [metric, byRun] of overview) {
      const s = byRun.get(r.run.key)
      if (s?.values.length) r.final.set(metric, s.values[s.values.length - 1] ?? NaN)
    }
  }
}

function heldStep(key: string): number {
  let max = -Infinity
  for (const byRun of overview.values()) {
    const s = byRun.get(key)
    if (s?.steps.length) max = Math.max(max, s.steps[s.steps.length - 1]!)
  }
  return max
}

/** The runs the URL asks for: keys (ids), or names (the latest-created run of each, as plot_metrics links mean). */
function wantedRuns(list: RunRecord[]): Set<string> {
  if (!state.runs) return new Set(list.map(runKey))
  const out = new Set<string>()
  for (const want of state.runs) {
    const exact = list.find((r) => runKey(r) === want)
    const named = list.filter((r) => r.name === want)
    const pick = exact ?? named[named.length - 1]
    if (pick) out.add(runKey(pick))
  }
  return out
}

const metricNames = (list: RunInfo[]) => [...new Set(list.flatMap((r) => r.summary?.metrics ?? []))].sort()

function merge(into: SeriesTable, from: SeriesTable): void {
  for (const [m, byRun] of from) {
    let target = into.get(m)
    if (!target) into.set(m, (target = new Map()))
    for (const [k, s] of byRun) target.set(k, s)
  }
}

async function openProject(): Promise<void> {
  const seq = ++loadSeq
  stopCharts()
  stopSystemCharts()
  overview = new Map()
  detail = null
  alerts = []
  runs = []
  richCache.clear()
  colorOf.clear()
  overviewAt = Date.now()
  projectSelect.value = state.project ?? ''
  if (!state.project) return render()
  view.replaceChildren(h('p', { class: 'muted loading' }, 'Loading…'))
  try {
    const project = state.project
    changesCursor = null
    // The cursor is taken before anything is read: whatever is written meanwhile comes as a change.
    const early = prefetched?.project === project ? prefetched : null
    prefetched = null
    const [list, cursor] = await Promise.all([
      early?.runs ?? runsOverview(project),
      early?.cursor ?? call<{ cursor: string }>('get_changes', { project }).then((c) => c.cursor),
    ])
    if (seq !== loadSeq) return
    // Colours follow the project's run order whatever loads first.
    runs = list.map(runInfo)
    selected = wantedRuns(list.map(recordOf))
    loadingOverview = true
    render()
    // Charts draw metric by metric as their series arrive (a 200,000-step run costs the server most per metric).
    overviewTimes = state.x === 'time'
    const [, alertList] = await Promise.all([
      loadOverview(project, selectedRuns().map((r) => r.run), metricNames(selectedRuns()).sort(byDisplayOrder), overviewTimes, (part) => {
        if (seq !== loadSeq) return
        merge(overview, part)
        refreshFinals()
        if (state.tab === 'metrics') renderCharts()
      }),
      call<Alert[]>('get_alerts', { project }).catch(() => []),
    ])
    if (seq !== loadSeq) return
    loadingOverview = false
    if (state.range && !(Number.isFinite(state.range.min) && Number.isFinite(state.range.max))) {
      const ext = extent()
      const min = Number.isFinite(state.range.min) ? state.range.min : ext?.min
      const max = Number.isFinite(state.range.max) ? state.range.max : ext?.max
      state = { ...state, range: min !== undefined && max !== undefined && min < max ? { min, max } : null }
      writeUrl(state)
    }
    alerts = alertList
    changesCursor = cursor
    refreshFinals()
    render()
    if (!document.body.dataset.allCharts) document.body.dataset.allCharts = String(Math.round(performance.now()))
    if (state.range) void refine()
  } catch (e) {
    if (seq === loadSeq) view.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not load ${state.project}: ${e instanceof Error ? e.message : e}`))
  }
}

async function toggleRun(key: string, on: boolean): Promise<void> {
  if (on) selected.add(key)
  else selected.delete(key)
  state = { ...state, runs: selected.size === runs.length ? null : runs.filter((r) => selected.has(r.run.key)).map((r) => r.run.key) }
  writeUrl(state)
  const r = runs.find((x) => x.run.key === key)
  if (on && r && state.project) {
    const missing = ![...overview.values()].some((byRun) => byRun.has(key))
    if (missing) {
      try {
        merge(overview, await loadOverview(state.project, [r.run], r.summary?.metrics ?? [], overviewTimes))
        refreshFinals()
      } catch (e) {
        reportError(e)
      }
    }
  }
  render()
  if (state.range) void refine()
}

function setAll(on: boolean): void {
  selected = new Set(on ? runs.map((r) => r.run.key) : [])
  state = { ...state, runs: on ? null : [] }
  writeUrl(state)
  if (on && state.project) {
    const missing = runs.filter((r) => ![...overview.values()].some((b) => b.has(r.run.key)))
    if (missing.length) {
      void loadOverview(state.project, missing.map((r) => r.run), metricNames(runs), overviewTimes).then((t) => {
        merge(overview, t)
        refreshFinals()
        render()
      }, reportError)
    }
  }
  render()
}

// ---------- rename / delete ----------
async function renameRun(r: RunInfo): Promise<void> {
  if (!writable || !state.project) return
  const name = await promptDialog(`Rename ${r.run.name}`, 'New name', r.run.name, 'Rename')
  if (!name || name === r.run.name) return
  try {
    await call('rename_run', { project: state.project, old_name: r.run.name, new_name: name, run_id: r.run.id })
    r.run.name = name
    toast(`Renamed to ${name}`)
    render()
  } catch (e) {
    reportError(e)
  }
}

async function deleteRun(r: RunInfo): Promise<void> {
  if (!writable || !state.project) return
  const ok = await confirmDialog(`Delete ${r.run.name}?`,
    `This removes run ${r.run.name}${r.run.id ? ` (${r.run.id})` : ''} from ${state.project}: its metrics, config, system metrics and alerts. Media files are kept. It cannot be undone.`, 'Delete run')
  if (!ok) return
  try {
    await call('delete_run', { project: state.project, run: r.run.name, run_id: r.run.id })
    runs = runs.filter((x) => x !== r)
    selected.delete(r.run.key)
    for (const byRun of overview.values()) byRun.delete(r.run.key)
    toast(`Deleted ${r.run.name}`)
    render()
  } catch (e) {
    reportError(e)
  }
}

// ---------- rendering ----------
function render(): void {
  renderProjects()
  renderRunList()
  renderTabs()
  renderToolbar()
  renderView()
}

function renderProjects(): void {
  const opts = projects.map((p) => h('option', { value: p, selected: p === state.project }, p))
  projectSelect.replaceChildren(h('option', { value: '', disabled: true, selected: !state.project }, projects.length ? 'Choose a project…' : 'No projects'), ...opts)
}

function renderRunList(): void {
  const f = runFilter.value.toLowerCase()
  runList.replaceChildren(...runs.filter((r) => !f || r.run.name.toLowerCase().includes(f) || (r.run.id ?? '').includes(f)).map((r) => {
    const box = h('input', { type: 'checkbox', checked: selected.has(r.run.key), style: `accent-color:${r.color}` })
    box.addEventListener('change', () => void toggleRun(r.run.key, box.checked))
    return h('li', { 'data-run': r.run.key },
      h('label', { title: r.run.id ? `id ${r.run.id}` : r.run.name }, box, h('span', { class: 'swatch', style: `background:${r.color}` }),
        h('span', { class: 'name' }, r.run.name), runs.filter((x) => x.run.name === r.run.name).length > 1 && r.run.id ? h('span', { class: 'muted mono' }, ` ${r.run.id.slice(0, 6)}`) : null))
  }))
}

function renderTabs(): void {
  tabBar.hidden = !state.project || !projects.length
  // Traces only where the project has them (Trackio's dashboard shows the tab the same way).
  const tabs = TABS.filter((t) => t !== 'traces' || runs.some((r) => r.summary?.traces) || state.tab === 'traces')
  tabBar.replaceChildren(...tabs.map((t) => h('button', {
    type: 'button', role: 'tab', id: `tab-${t}`, 'aria-selected': String(state.tab === t), tabindex: state.tab === t ? 0 : -1, 'data-tab': t,
    onclick: () => {
      state = { ...state, tab: t }
      writeUrl(state, true)
      render()
    },
    onkeydown: (e: Event) => {
      const k = (e as KeyboardEvent).key
      if (k !== 'ArrowRight' && k !== 'ArrowLeft') return
      const i = (tabs.indexOf(state.tab) + (k === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length
      state = { ...state, tab: tabs[i]! }
      writeUrl(state, true)
      render()
      document.getElementById(`tab-${tabs[i]}`)?.focus()
    },
  }, TAB_LABELS[t])))
  view.setAttribute('aria-labelledby', `tab-${state.tab}`)
}

function setView(patch: Partial<ViewState>, redraw = true): void {
  state = { ...state, ...patch }
  writeUrl(state)
  if (redraw) renderView()
}

function zoomBy(factor: number, shift = 0): void {
  const ext = extent()
  if (!ext) return
  const cur = finiteRange() ?? ext
  const span = (cur.max - cur.min) * factor
  const mid = (cur.min + cur.max) / 2 + (cur.max - cur.min) * shift
  let min = mid - span / 2
  let max = mid + span / 2
  if (min < ext.min) [min, max] = [ext.min, ext.min + span]
  if (max > ext.max) [min, max] = [Math.max(ext.min, ext.max - span), ext.max]
  onZoom(max - min >= ext.max - ext.min ? null : { min, max })
}

function renderToolbar(): void {
  if (!state.project || !projects.length) return toolbar.replaceChildren()
  if (state.tab !== 'metrics' && state.tab !== 'system' && !SINGLE_RUN_TABS.includes(state.tab)) return toolbar.replaceChildren()
  if (SINGLE_RUN_TABS.includes(state.tab)) {
    const list = selectedRuns().length ? selectedRuns() : runs
    const current = pickedRun()
    const sel = h('select', { 'aria-label': 'Run' }, ...list.map((r) => h('option', { value: r.run.key, selected: r === current }, r.run.name + (r.run.id ? ` (${r.run.id.slice(0, 6)})` : ''))))
    sel.addEventListener('change', () => setView({ run: sel.value }))
    toolbar.replaceChildren(list.length ? h('label', {}, 'Run ', sel) : '')
    return
  }
  const filter = h('input', { type: 'search', value: state.metric, placeholder: 'Filter metrics', 'aria-label': 'Filter metrics' })
  filter.addEventListener('input', () => setView({ metric: filter.value }))
  const x = h('select', { 'aria-label': 'X axis' }, h('option', { value: 'step', selected: state.x === 'step' }, 'Step'), h('option', { value: 'time', selected: state.x === 'time' }, 'Wall time'))
  x.addEventListener('change', () => {
    setView({ x: x.value as 'step' | 'time', range: null }, overviewTimes || x.value === 'step')
    // Series are read without timestamps for a chart by step: wall time reads them again, with.
    if (x.value === 'time' && !overviewTimes) void reloadSeries()
  })
  const smooth = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: state.smooth, 'aria-label': 'Smoothing' })
  const smoothOut = h('output', {}, state.smooth.toFixed(2))
  smooth.addEventListener('input', () => {
    smoothOut.textContent = Number(smooth.value).toFixed(2)
    setView({ smooth: Number(smooth.value) })
  })
  const log = h('input', { type: 'checkbox', checked: state.log, 'aria-label': 'Log scale' })
  log.addEventListener('change', () => setView({ log: log.checked }))
  const metricsTab = state.tab === 'metrics'
  toolbar.replaceChildren(...nodes(
    h('label', {}, filter),
    state.metrics ? h('button', { type: 'button', class: 'link', title: state.metrics.join(', '), onclick: () => { setView({ metrics: null }); renderToolbar() } }, `${state.metrics.length} linked metric${state.metrics.length > 1 ? 's' : ''} · show all`) : null,
    metricsTab ? h('label', {}, 'X ', x) : null,
    h('label', {}, 'Smoothing ', smooth, smoothOut),
    h('label', {}, log, ' Log scale'),
    metricsTab ? h('span', { class: 'zoom', role: 'group', 'aria-label': 'Zoom' },
      h('button', { type: 'button', title: 'Pan left', 'aria-label': 'Pan left', onclick: () => zoomBy(1, -0.5) }, '←'),
      h('button', { type: 'button', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: () => zoomBy(0.5) }, '+'),
      h('button', { type: 'button', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: () => zoomBy(2) }, '−'),
      h('button', { type: 'button', title: 'Pan right', 'aria-label': 'Pan right', onclick: () => zoomBy(1, 0.5) }, '→'),
      h('button', { type: 'button', class: 'reset', disabled: !state.range, onclick: () => onZoom(null) }, 'Reset zoom')) : null,
  ))
}

function pickedRun(): RunInfo | undefined {
  const list = selectedRuns().length ? selectedRuns() : runs
  return list.find((r) => r.run.key === state.run) ?? list[0]
}

function stopCharts(): void {
  for (const c of charts.values()) c.destroy()
  charts.clear()
}

function stopSystemCharts(): void {
  for (const c of systemCharts.values()) c.destroy()
  systemCharts.clear()
}

function emptyState(): HTMLElement {
  return h('section', { class: 'empty-state' },
    h('h2', {}, 'No projects yet'),
    h('p', {}, 'Log one from Python with Trackio, pointing it at this server:'),
    h('pre', {}, h('code', {}, `import trackio\n\ntrackio.init(project="my-project", config={"lr": 1e-3})\nfor step in range(100):\n    trackio.log({"loss": 1 / (step + 1)})\ntrackio.finish()`)),
    h('p', {}, 'Runs written to this server\'s data directory (TRACKIO_DIR) appear here within a second. Or call ', h('code', {}, 'POST /api/bulk_log'), ' with the write token; see ', h('a', { href: '/swagger' }, '/swagger'), '.'))
}

function renderView(): void {
  if (!projects.length) {
    stopCharts()
    toolbar.replaceChildren()
    return view.replaceChildren(emptyState())
  }
  if (!state.project) {
    stopCharts()
    return view.replaceChildren(h('section', { class: 'empty-state' }, h('h2', {}, 'Choose a project'),
      h('ul', { class: 'project-list' }, ...projects.map((p) => h('li', {}, h('a', { href: `/?project=${encodeURIComponent(p)}`, onclick: (e: Event) => {
        e.preventDefault()
        state = { ...state, project: p }
        writeUrl(state, true)
        void openProject()
      } }, p))))))
  }
  if (state.tab !== 'metrics') stopCharts()
  if (state.tab !== 'system') stopSystemCharts()
  if (!runs.length) return view.replaceChildren(h('p', { class: 'muted empty' }, `${state.project} has no runs yet. New runs appear here as they are logged.`))
  switch (state.tab) {
    case 'metrics':
      return renderCharts()
    case 'system':
      return void renderSystem()
    case 'runs':
      runsTable.update(runs, selected)
      return view.replaceChildren(runsTable.el)
    case 'traces':
      if (view.firstChild !== tracesView.el) view.replaceChildren(tracesView.el)
      return void tracesView.show(state.project, selectedRuns().map((r) => r.run), settings.media_dir).catch(reportError)
    default:
      return void renderSingleRun()
  }
}

function sectionOf(metric: string): string {
  const i = metric.indexOf('/')
  return i > 0 ? metric.slice(0, i) : ''
}

/** Charts order: metrics without a section first, then sections by name, names within. */
function byDisplayOrder(a: string, b: string): number {
  const sa = sectionOf(a)
  const sb = sectionOf(b)
  if (sa !== sb) return sa === '' ? -1 : sb === '' ? 1 : sa.localeCompare(sb)
  return a.localeCompare(b)
}

function chartView(): ChartView {
  return { x: state.x, smoothing: state.smooth, log: state.log }
}

function chartRuns(): ChartRun[] {
  const names = new Map<string, number>()
  for (const r of runs) names.set(r.run.name, (names.get(r.run.name) ?? 0) + 1)
  return selectedRuns().map((r) => ({ key: r.run.key, color: r.color, label: (names.get(r.run.name) ?? 0) > 1 && r.run.id ? `${r.run.name} (${r.run.id.slice(0, 6)})` : r.run.name }))
}

function metricMatches(m: string): boolean {
  if (state.metrics && !state.metrics.includes(m)) return false
  const f = state.metric.trim().toLowerCase()
  if (!f) return true
  if (overview.has(state.metric)) return m === state.metric
  return m.toLowerCase().includes(f)
}

function seriesFor(metric: string): Map<string, Series> {
  const base = overview.get(metric) ?? new Map()
  if (!detail || state.x !== 'step') return base
  const fine = detail.get(metric)
  if (!fine) return base
  const out = new Map(base)
  for (const [k, s] of fine) out.set(k, s)
  return out
}

function renderCharts(): void {
  const metrics = [...overview.keys()].filter(metricMatches).sort(byDisplayOrder)
  const sections = new Map<string, string[]>()
  for (const m of metrics) {
    const s = sectionOf(m)
    if (!sections.has(s)) sections.set(s, [])
    sections.get(s)!.push(m)
  }
  const ordered = [...sections.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
  for (const [m, c] of charts) if (!metrics.includes(m)) { c.destroy(); charts.delete(m) }
  const cr = chartRuns()
  const container = h('div', { class: 'sections' })
  for (const s of ordered) {
    const grid = h('div', { class: 'chart-grid' })
    for (const m of sections.get(s)!) {
      let c = charts.get(m)
      if (!c) charts.set(m, (c = new MetricChart(m, onZoom)))
      grid.append(c.el)
    }
    container.append(h('details', { class: 'section', open: true }, h('summary', {}, s || 'Charts', h('span', { class: 'count' }, ` ${sections.get(s)!.length}`)), grid))
  }
  if (!metrics.length) {
    container.append(h('p', { class: 'muted empty' }, loadingOverview ? 'Loading charts…' : selected.size ? (state.metric ? `No metric matches “${state.metric}”.` : 'The selected runs have no numeric metrics yet.') : 'No run selected: tick runs in the sidebar to compare them.'))
  }
  if (view.firstChild !== container) view.replaceChildren(container)
  const v = chartView()
  for (const m of metrics) charts.get(m)!.update(cr, seriesFor(m), v, state.x === 'step' ? finiteRange() : null, overview.get(m))
  if (metrics.length && !firstChartMarked) {
    firstChartMarked = true
    performance.mark('trackio-first-chart')
    document.body.dataset.firstChart = String(Math.round(performance.now()))
  }
}

/** The zoom range once both ends are known (a link may leave one open until the data arrives). */
function finiteRange(): { min: number; max: number } | null {
  const r = state.range
  return r && Number.isFinite(r.min) && Number.isFinite(r.max) ? r : null
}

/** Step extent of the overview (for zoom buttons). */
function extent(): { min: number; max: number } | null {
  let min = Infinity
  let max = -Infinity
  for (const byRun of overview.values()) for (const [k, s] of byRun) {
    if (!selected.has(k) || !s.steps.length) continue
    min = Math.min(min, s.steps[0]!)
    max = Math.max(max, s.steps[s.steps.length - 1]!)
  }
  return min < max ? { min, max } : null
}

/** The overview of the shown runs read again (with timestamps when the x axis is wall time). */
async function reloadSeries(): Promise<void> {
  const project = state.project
  if (!project) return
  const seq = loadSeq
  const times = state.x === 'time'
  try {
    const fresh = await loadOverview(project, selectedRuns().map((r) => r.run), metricNames(selectedRuns()).sort(byDisplayOrder), times)
    if (seq !== loadSeq) return
    overview = fresh
    overviewTimes = times
    detail = null
    refreshFinals()
    if (state.tab === 'metrics') renderCharts()
  } catch (e) {
    reportError(e)
  }
}

let zoomTimer: ReturnType<typeof setTimeout> | undefined
function onZoom(range: { min: number; max: number } | null): void {
  if (state.x !== 'step') return
  state = { ...state, range }
  writeUrl(state)
  for (const c of charts.values()) c.setRange(range)
  renderToolbar()
  clearTimeout(zoomTimer)
  if (!range) {
    detail = null
    renderCharts()
    return
  }
  zoomTimer = setTimeout(() => void refine(), 200)
}

let refineSeq = 0
/** Ask the server for a finer view of the visible step range (downsampled there) and draw it. */
async function refine(): Promise<void> {
  const range = finiteRange()
  if (!range || !state.project || state.x !== 'step') return
  const seq = ++refineSeq
  const visible = [...charts.keys()]
  try {
    const fine = await loadRange(state.project, selectedRuns().map((r) => r.run), visible.length ? visible : [...overview.keys()], range.min, range.max)
    if (seq !== refineSeq || finiteRange() !== range) return
    detail = fine
    view.dataset.refined = `${range.min},${range.max}`
    if (state.tab === 'metrics') renderCharts()
  } catch (e) {
    reportError(e)
  }
}

// ---------- system metrics ----------
let systemSeq = 0
async function renderSystem(): Promise<void> {
  const seq = ++systemSeq
  const project = state.project!
  const list = selectedRuns()
  try {
    const answers = await Promise.all(list.map((r) => call<Record<string, unknown>[]>('get_system_logs', { project, run: r.run.name, run_id: r.run.id })))
    if (seq !== systemSeq || state.tab !== 'system') return
    const table: SeriesTable = new Map()
    answers.forEach((rows, i) => {
      const key = list[i]!.run.key
      for (const row of rows) {
        const t = Date.parse(String(row.timestamp).replace(/(?<![Z+-]\d\d:?\d\d)$/, 'Z')) / 1000
        for (const [k, v] of Object.entries(row)) {
          if (k === 'timestamp' || (v !== null && typeof v !== 'number')) continue
          let byRun = table.get(k)
          if (!byRun) table.set(k, (byRun = new Map()))
          let s = byRun.get(key)
          if (!s) byRun.set(key, (s = { steps: [], values: [], times: [] }))
          s.steps.push(s.steps.length)
          s.values.push(typeof v === 'number' && Number.isFinite(v) ? v : null)
          s.times.push(t)
        }
      }
    })
    const metrics = [...table.keys()].filter(metricMatches).sort()
    if (!metrics.length) return view.replaceChildren(h('p', { class: 'muted empty' }, 'No system metrics for the selected runs (log them with trackio.log_system or the GPU/CPU monitor).'))
    // Charts are kept across refreshes (every 2 s while the tab is shown) and only fed new data.
    for (const [m, c] of systemCharts) if (!metrics.includes(m)) { c.destroy(); systemCharts.delete(m) }
    const grid = h('div', { class: 'chart-grid system' })
    for (const m of metrics) {
      let c = systemCharts.get(m)
      if (!c) systemCharts.set(m, (c = new MetricChart(m, () => {})))
      grid.append(c.el)
    }
    view.replaceChildren(grid)
    const cr = chartRuns()
    const v: ChartView = { x: 'time', smoothing: state.smooth, log: state.log }
    for (const m of metrics) systemCharts.get(m)!.update(cr, table.get(m)!, v, null)
  } catch (e) {
    reportError(e)
  }
}

// ---------- single-run tabs ----------
async function richOf(r: RunInfo): Promise<RichValues> {
  const cached = richCache.get(r.run.key)
  if (cached && cached.lastStep === r.lastStep) return cached.rich
  const rows = await call<Record<string, unknown>[]>('get_logs', { project: state.project, run: r.run.name, run_id: r.run.id })
  const rich = collectRich(rows)
  richCache.set(r.run.key, { lastStep: r.lastStep, rich })
  return rich
}

async function renderSingleRun(): Promise<void> {
  const r = pickedRun()
  const tab = state.tab
  if (!r) return view.replaceChildren(h('p', { class: 'muted empty' }, 'No run selected.'))
  if (tab === 'config') return view.replaceChildren(configPanel(r.run.name, r.summary?.config ?? null))
  if (!view.querySelector(`[data-panel="${tab}"]`)) view.replaceChildren(h('p', { class: 'muted loading' }, 'Loading…'))
  try {
    const rich = await richOf(r)
    if (state.tab !== tab || pickedRun() !== r) return
    const panel = tab === 'media' ? mediaPanel(rich, settings.media_dir)
      : tab === 'tables' ? tablesPanel(rich, settings.media_dir, settings.table_truncate_length)
      : tab === 'histograms' ? histogramsPanel(rich)
      : reportsPanel(rich, alerts.filter((a) => a.run === r.run.name))
    panel.dataset.panel = tab
    view.replaceChildren(panel)
  } catch (e) {
    reportError(e)
  }
}

// ---------- live ----------
/** get_changes answer for one project (only the fields the page uses). */
interface ProjectChanges {
  status: 'changed' | 'new_project' | 'deleted_project' | 'reset'
  new_run_count: number
  new_steps: { run: string; run_id: string | null; from_step: number | null; to_step: number | null }[]
  new_step_run_count: number
  new_alert_count: number
  renamed_runs: unknown[]
  deleted_runs: string[]
  runs_changed_untracked: boolean
}

const OVERVIEW_EVERY_MS = 5000
/** When the runs overview (metric names, last steps) was last read; growth alone re-reads it at most this often. */
let overviewAt = 0

/** The get_changes cursor of the open project: each tick asks only what changed since the previous one. */
let changesCursor: string | null = null
let ticking = false
let lastSystemTick = 0

/** Re-read the runs overview: new, renamed and deleted runs, new metric names and last steps. True when something changed. */
async function syncRuns(project: string, seq: number): Promise<boolean> {
  const list = await runsOverview(project)
  if (seq !== loadSeq) return false
  overviewAt = Date.now()
  let changed = false
  const known = new Map(runs.map((r) => [r.run.key, r]))
  const present = new Set(list.map((o) => runKey(recordOf(o))))
  if (runs.some((r) => !present.has(r.run.key))) {
    runs = runs.filter((r) => present.has(r.run.key))
    changed = true
  }
  for (const o of list) {
    const k = known.get(runKey(recordOf(o)))
    if (!k) continue
    if (k.run.name !== o.name || k.summary?.metrics.join('\n') !== o.metrics.join('\n')) changed = true
    k.run.name = o.name
    k.summary = o
    k.group = groupOf(o)
    k.lastStep = Math.max(k.lastStep ?? -Infinity, o.last_step ?? -Infinity)
    if (!Number.isFinite(k.lastStep)) k.lastStep = null
  }
  const added = list.filter((o) => !known.has(runKey(recordOf(o))))
  if (added.length) {
    const infos = added.map(runInfo)
    runs.push(...infos)
    if (!state.runs) for (const i of infos) selected.add(i.run.key)
    changed = true
  }
  refreshFinals()
  return changed
}

/** Read the points after the last step held for the shown runs that grew. */
async function readGrowth(project: string, seq: number, changes: ProjectChanges): Promise<boolean> {
  const shown = selectedRuns()
  const complete = changes.new_steps.length >= changes.new_step_run_count
  const grew = shown.filter((r) => !complete || changes.new_steps.some((s) => (s.run_id !== null ? s.run_id === r.run.id : s.run === r.run.name)))
  if (!grew.length) return false
  // New metric names come with the runs overview, read at most every OVERVIEW_EVERY_MS; the steps come from get_changes.
  if (Date.now() - overviewAt >= OVERVIEW_EVERY_MS) await syncRuns(project, seq).catch(() => false)
  if (seq !== loadSeq) return false
  const after: { run: Run; after: number }[] = []
  for (const r of grew) {
    for (const c of changes.new_steps) {
      if ((c.run_id !== null ? c.run_id === r.run.id : c.run === r.run.name) && c.to_step !== null) r.lastStep = Math.max(r.lastStep ?? -Infinity, c.to_step)
    }
    const held = heldStep(r.run.key)
    if (r.lastStep !== null && r.lastStep > held) after.push({ run: r.run, after: Number.isFinite(held) ? held : -1 })
  }
  if (!after.length) return grew.length > 0
  const inc = await loadSince(project, after, metricNames(grew), overviewTimes)
  if (seq !== loadSeq) return false
  for (const [m, byRun] of inc) {
    let target = overview.get(m)
    if (!target) overview.set(m, (target = new Map()))
    for (const [k, s] of byRun) {
      const base = target.get(k)
      if (base) appendSeries(base, s)
      else target.set(k, s)
    }
  }
  refreshFinals()
  return true
}

async function readAlerts(project: string, seq: number): Promise<boolean> {
  const newAlerts = await call<Alert[]>('get_alerts', alerts.length ? { project, since: alerts[0]!.timestamp } : { project })
  if (seq !== loadSeq) return false
  const fresh = newAlerts.filter((a) => !alerts.some((b) => b.timestamp === a.timestamp && b.title === a.title && b.run === a.run))
  if (!fresh.length) return false
  alerts = [...fresh, ...alerts]
  for (const a of fresh.slice(0, 3)) toast(`${a.level.toUpperCase()} · ${a.run}: ${a.title}`, a.level === 'error' ? 'error' : a.level === 'warn' ? 'warn' : 'info')
  return true
}

/** One live step: new projects, then what get_changes reports for the open project. */
async function tick(): Promise<void> {
  if (ticking || document.hidden) return
  ticking = true
  const project = state.project
  const seq = loadSeq
  try {
    const names = await call<string[]>('get_all_projects')
    if (names.join('\n') !== projects.join('\n')) {
      projects = names
      renderProjects()
      if (!project) renderView()
    }
    if (!project || !changesCursor) return
    const answer = await call<{ cursor: string; changed: boolean; projects: ProjectChanges[] }>('get_changes', { project, cursor: changesCursor })
    if (seq !== loadSeq) return
    changesCursor = answer.cursor
    const c = answer.projects[0]
    let changed = false
    if (answer.changed && c) {
      if (c.status === 'reset' || c.status === 'deleted_project') {
        void openProject()
        return
      }
      if (c.new_run_count || c.renamed_runs.length || c.deleted_runs.length || c.runs_changed_untracked || c.status === 'new_project') changed = (await syncRuns(project, seq)) || changed
      if (c.new_alert_count) changed = (await readAlerts(project, seq)) || changed
      if (c.new_step_run_count) changed = (await readGrowth(project, seq, c)) || changed
      if (seq !== loadSeq) return
    }
    const now = Date.now()
    if (changed) {
      richCache.clear()
      if (state.tab === 'metrics') {
        renderRunList()
        renderCharts()
      } else render()
    } else if (state.tab === 'system' && now - lastSystemTick > 2000) {
      lastSystemTick = now
      void renderSystem()
    }
    liveStatus.textContent = `Live · checked ${new Date().toLocaleTimeString()}`
    liveStatus.classList.remove('stale')
  } catch (e) {
    liveStatus.textContent = `Live updates paused: ${e instanceof ApiError ? e.message : 'server unreachable'}`
    liveStatus.classList.add('stale')
  } finally {
    ticking = false
  }
}

// ---------- start ----------
/** The first project's runs and change cursor, asked at start alongside the settings. */
let prefetched: { project: string; runs: Promise<RunOverview[]>; cursor: Promise<string> } | null = null

/**
 * The first charts' series, asked the moment the runs are known rather than after the settings, the project
 * list and the change cursor: the same requests openProject's loadOverview makes, which then takes the answers.
 */
function askChartsEarly(project: string, list: RunOverview[]): void {
  const keys = wantedRuns(list.map(recordOf))
  const chosen = list.filter((o) => keys.has(runKey(recordOf(o))))
  const metrics = [...new Set(chosen.flatMap((o) => o.metrics))].sort().sort(byDisplayOrder)
  prefetchOverview(project, chosen.map((o) => ({ ...recordOf(o), key: runKey(recordOf(o)) })), metrics, state.x === 'time')
}

async function start(): Promise<void> {
  performance.mark('trackio-start')
  layout()
  if (state.project) {
    const project = state.project
    prefetched = { project, runs: runsOverview(project), cursor: call<{ cursor: string }>('get_changes', { project }).then((c) => c.cursor) }
    prefetched.runs.then((list) => askChartsEarly(project, list), () => {})
    prefetched.cursor.catch(() => {})
  }
  const [v, s, p] = await Promise.all([
    getVersion().catch(() => null),
    call<Settings>('get_settings').catch(() => null),
    call<string[]>('get_all_projects').catch((e) => {
      reportError(e)
      return [] as string[]
    }),
  ])
  if (s) settings = s
  projects = p
  if (v) {
    footer.querySelector('.version')!.textContent = `Trackio ${v.version}`
    footer.querySelector('.mcp')!.replaceChildren(v.mcp_enabled && v.mcp_path
      ? h('span', {}, 'MCP: ', h('code', {}, `${location.origin}${v.mcp_path}/`))
      : h('span', { class: 'muted' }, 'MCP off (start with --mcp-server)'))
  }
  if (!state.project && projects.length === 1) state = { ...state, project: projects[0]! }
  writeUrl(state)
  render()
  if (state.project) await openProject()
  // Hidden tabs do not poll (no load on the server for dashboards nobody looks at); they catch up when shown.
  setInterval(() => void tick(), LIVE_INTERVAL_MS)
  document.addEventListener('visibilitychange', () => void tick())
  addEventListener('popstate', () => {
    const before = state.project
    state = readUrl(location.search)
    if (state.project !== before) void openProject()
    else render()
  })
}

void start()
