/** The runs of a project as a table: colour, name, id, group, created, last step, final metrics and config values. */
import { h } from './dom'
import { formatIso, formatNumber, formatValue } from './format'
import type { RunInfo } from './model'

export interface RunsTableActions {
  writable: boolean
  toggle(key: string, on: boolean): void
  rename(run: RunInfo): void
  remove(run: RunInfo): void
}

/** Flattened config (nested objects joined with '.'), without Trackio's reserved `_` keys. */
export function flatConfig(cfg: Record<string, unknown> | null | undefined, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (!cfg) return out
  for (const [k, v] of Object.entries(cfg)) {
    if (!prefix && k.startsWith('_')) continue
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatConfig(v as Record<string, unknown>, `${prefix}${k}.`, out)
    else out[prefix + k] = v
  }
  return out
}

const MAX_CONFIG_COLUMNS = 8
const MAX_METRIC_COLUMNS = 8

/** Config keys worth a column: those whose value differs between runs first, then the rest, at most 8. */
function configColumns(runs: RunInfo[]): string[] {
  const values = new Map<string, Set<string>>()
  for (const r of runs) for (const [k, v] of Object.entries(flatConfig(r.summary?.config))) {
    let s = values.get(k)
    if (!s) values.set(k, (s = new Set()))
    s.add(JSON.stringify(v))
  }
  const keys = [...values.keys()]
  const varying = keys.filter((k) => values.get(k)!.size > 1 || runs.length === 1)
  return [...varying, ...keys.filter((k) => !varying.includes(k))].slice(0, MAX_CONFIG_COLUMNS)
}

function metricColumns(runs: RunInfo[]): string[] {
  const set = new Set<string>()
  for (const r of runs) for (const k of r.final.keys()) set.add(k)
  return [...set].sort().slice(0, MAX_METRIC_COLUMNS)
}

function finalCell(v: number | undefined): HTMLElement {
  if (v !== undefined && Number.isNaN(v)) return h('td', { class: 'num muted', title: 'NaN or ±Infinity' }, 'NaN/Inf')
  return h('td', { class: 'num' }, formatNumber(v))
}

type SortKey = { col: string; dir: 1 | -1 }

function cellValue(r: RunInfo, col: string): unknown {
  if (col === ':name') return r.run.name
  if (col === ':group') return r.group
  if (col === ':created') return r.run.created_at
  if (col === ':step') return r.lastStep
  if (col.startsWith('c:')) return flatConfig(r.summary?.config)[col.slice(2)]
  if (col.startsWith('m:')) return r.final.get(col.slice(2))
  return null
}

/** Missing values sort last, non-finite ones just before them. */
function compare(a: unknown, b: unknown): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0
  if (Number.isNaN(a)) return b === null || b === undefined ? -1 : 1
  if (Number.isNaN(b)) return a === null || a === undefined ? 1 : -1
  if (a === null || a === undefined) return 1
  if (b === null || b === undefined) return -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a).localeCompare(String(b), undefined, { numeric: true })
}

export class RunsTable {
  readonly el: HTMLElement
  private filter = ''
  private sort: SortKey = { col: ':created', dir: 1 }
  private runs: RunInfo[] = []
  private selected = new Set<string>()
  private readonly tableWrap = h('div', { class: 'table-wrap' })

  constructor(private readonly actions: RunsTableActions) {
    const search = h('input', { type: 'search', placeholder: 'Filter runs by name, id, group, config…', 'aria-label': 'Filter runs', class: 'runs-filter' })
    search.addEventListener('input', () => {
      this.filter = search.value.toLowerCase()
      this.render()
    })
    this.el = h('section', { class: 'runs-table', 'aria-label': 'Runs' }, search, this.tableWrap)
  }

  update(runs: RunInfo[], selected: Set<string>): void {
    this.runs = runs
    this.selected = selected
    this.render()
  }

  private render(): void {
    const cfgCols = configColumns(this.runs)
    const mCols = metricColumns(this.runs)
    const matches = (r: RunInfo) => {
      if (!this.filter) return true
      const text = [r.run.name, r.run.id ?? '', r.group ?? '', ...Object.entries(flatConfig(r.summary?.config)).map(([k, v]) => `${k}=${formatValue(v)}`)].join(' ').toLowerCase()
      return text.includes(this.filter)
    }
    const rows = this.runs.filter(matches).sort((a, b) => this.sort.dir * compare(cellValue(a, this.sort.col), cellValue(b, this.sort.col)))
    const header = (col: string, label: string, cls = '') => {
      const active = this.sort.col === col
      return h('th', { scope: 'col', class: cls, 'aria-sort': active ? (this.sort.dir === 1 ? 'ascending' : 'descending') : 'none' },
        h('button', { type: 'button', class: 'sort', onclick: () => {
          this.sort = { col, dir: active ? (-this.sort.dir as 1 | -1) : 1 }
          this.render()
        } }, label, active ? (this.sort.dir === 1 ? ' ▲' : ' ▼') : ''))
    }
    const dup = new Map<string, number>()
    for (const r of this.runs) dup.set(r.run.name, (dup.get(r.run.name) ?? 0) + 1)
    const readOnly = 'Read-only: open the write-access URL printed by `trackio show` to rename or delete runs'
    const table = h('table', {},
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Shown')),
        header(':name', 'Run'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')), h('th', { scope: 'col' }, 'Id'), header(':group', 'Group'), header(':created', 'Created'), header(':step', 'Last step', 'num'),
        ...mCols.map((m) => header(`m:${m}`, m, 'num')), ...cfgCols.map((c) => header(`c:${c}`, c, 'cfg')))),
      h('tbody', {}, ...rows.map((r) => {
        const cfg = flatConfig(r.summary?.config)
        const box = h('input', { type: 'checkbox', checked: this.selected.has(r.run.key), 'aria-label': `Show ${r.run.name}`, style: `accent-color:${r.color}` })
        box.addEventListener('change', () => this.actions.toggle(r.run.key, box.checked))
        return h('tr', { 'data-run': r.run.key },
          h('td', {}, box),
          h('td', { class: 'run-name' }, h('span', { class: 'swatch', style: `background:${r.color}` }), r.run.name,
            (dup.get(r.run.name) ?? 0) > 1 ? h('span', { class: 'badge', title: 'Several runs share this name' }, 'same name') : null),
          h('td', { class: 'actions' },
            h('button', { type: 'button', class: 'rename', disabled: !this.actions.writable, title: this.actions.writable ? `Rename ${r.run.name}` : readOnly, onclick: () => this.actions.rename(r) }, 'Rename'),
            h('button', { type: 'button', class: 'delete danger', disabled: !this.actions.writable, title: this.actions.writable ? `Delete ${r.run.name}` : readOnly, onclick: () => this.actions.remove(r) }, 'Delete')),
          h('td', { class: 'mono', title: r.run.id ?? '' }, r.run.id ? r.run.id.slice(0, 8) : '—'),
          h('td', {}, r.group ?? '—'),
          h('td', {}, formatIso(r.run.created_at)),
          h('td', { class: 'num' }, r.lastStep ?? '—'),
          ...mCols.map((m) => finalCell(r.final.get(m))),
          ...cfgCols.map((c) => h('td', { class: 'cfg', title: formatValue(cfg[c]) }, formatValue(cfg[c]))))
      })))
    this.tableWrap.replaceChildren(rows.length ? table : h('p', { class: 'muted' }, this.runs.length ? 'No run matches the filter.' : 'This project has no runs.'))
  }
}
