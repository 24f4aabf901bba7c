/** The single-run tabs: media, tables, histograms, reports (markdown and alerts) and the config tree. */
import type { Alert } from './api'
import { h } from './dom'
import { formatIso, formatNumber, formatValue } from './format'
import { renderMarkdown } from './markdown'

export interface LoggedValue {
  step: number
  timestamp: string
  value: Record<string, any>
}

/** Rich values of a run's rows grouped by Trackio `_type` then key: type → key → values in step order. */
export type RichValues = Map<string, Map<string, LoggedValue[]>>

export function collectRich(rows: Record<string, unknown>[]): RichValues {
  const out: RichValues = new Map()
  for (const row of rows) {
    const step = row.step as number
    const timestamp = row.timestamp as string
    for (const [k, v] of Object.entries(row)) {
      if (!v || typeof v !== 'object' || Array.isArray(v)) continue
      const type = (v as any)._type
      if (typeof type !== 'string' || !type.startsWith('trackio.')) continue
      let byKey = out.get(type)
      if (!byKey) out.set(type, (byKey = new Map()))
      let list = byKey.get(k)
      if (!list) byKey.set(k, (list = []))
      list.push({ step, timestamp, value: v as Record<string, any> })
    }
  }
  for (const byKey of out.values()) for (const list of byKey.values()) list.sort((a, b) => a.step - b.step)
  return out
}

export const mediaUrl = (mediaDir: string, filePath: string) => `/file?path=${encodeURIComponent(`${mediaDir}/${filePath}`)}`

/** A titled card whose body shows one of `values` at a time, chosen with a step slider (last step first). */
function stepped(title: string, values: LoggedValue[], show: (v: LoggedValue) => Node): HTMLElement {
  const body = h('div', { class: 'card-body' })
  const label = h('span', { class: 'muted' })
  const pick = (i: number) => {
    const v = values[i]!
    label.textContent = `step ${v.step} · ${formatIso(v.timestamp)}`
    body.replaceChildren(show(v))
  }
  const slider = values.length > 1
    ? h('input', { type: 'range', min: 0, max: values.length - 1, value: values.length - 1, 'aria-label': `Step of ${title}` })
    : null
  slider?.addEventListener('input', () => pick(Number(slider.value)))
  pick(values.length - 1)
  return h('article', { class: 'card', 'data-key': title }, h('header', {}, h('h3', {}, title), label), slider, body)
}

export function mediaPanel(rich: RichValues, mediaDir: string): HTMLElement {
  const cards: HTMLElement[] = []
  for (const type of ['trackio.image', 'trackio.video', 'trackio.audio', 'trackio.html']) {
    for (const [key, values] of rich.get(type) ?? []) {
      cards.push(stepped(key, values, ({ value }) => {
        const src = mediaUrl(mediaDir, String(value.file_path ?? ''))
        const caption = value.caption ? h('figcaption', {}, String(value.caption)) : null
        const media = type === 'trackio.image' ? h('img', { src, alt: value.caption ? String(value.caption) : key, loading: 'lazy' })
          : type === 'trackio.video' ? h('video', { src, controls: true, preload: 'metadata' })
          : type === 'trackio.audio' ? h('audio', { src, controls: true, preload: 'metadata' })
          : h('iframe', { src, sandbox: '', title: key, loading: 'lazy' })
        return h('figure', { class: 'media' }, media, caption)
      }))
    }
  }
  return grid(cards, 'No images, audio, video or HTML logged by this run.')
}

function tableCell(v: unknown, mediaDir: string): Node | string {
  if (v && typeof v === 'object' && (v as any)._type === 'trackio.image') {
    return h('img', { src: mediaUrl(mediaDir, String((v as any).file_path)), alt: String((v as any).caption ?? ''), class: 'thumb', loading: 'lazy' })
  }
  return formatValue(v)
}

export function tablesPanel(rich: RichValues, mediaDir: string, truncate: number): HTMLElement {
  const cards: HTMLElement[] = []
  for (const [key, values] of rich.get('trackio.table') ?? []) {
    cards.push(stepped(key, values, ({ value }) => {
      const rows = Array.isArray(value._value) ? (value._value as Record<string, unknown>[]) : []
      const cols = [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))]
      const cut = (n: Node | string) => (typeof n === 'string' && n.length > truncate ? `${n.slice(0, truncate)}…` : n)
      return h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows.map((r) => h('tr', {}, ...cols.map((c) => h('td', {}, cut(tableCell(r[c], mediaDir)))))))))
    }))
  }
  return grid(cards, 'No tables logged by this run.', 'wide')
}

function histogram(bins: number[], counts: number[]): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 300 120')
  svg.setAttribute('class', 'histogram')
  svg.setAttribute('role', 'img')
  const max = Math.max(1, ...counts)
  const w = 300 / Math.max(1, counts.length)
  counts.forEach((c, i) => {
    const r = document.createElementNS(ns, 'rect')
    const bh = (c / max) * 104
    r.setAttribute('x', String(i * w + 0.5))
    r.setAttribute('y', String(108 - bh))
    r.setAttribute('width', String(Math.max(0.5, w - 1)))
    r.setAttribute('height', String(bh))
    const t = document.createElementNS(ns, 'title')
    t.textContent = `[${formatNumber(bins[i])}, ${formatNumber(bins[i + 1])}): ${c}`
    r.append(t)
    svg.append(r)
  })
  const axis = (x: number, text: string, anchor: string) => {
    const t = document.createElementNS(ns, 'text')
    t.setAttribute('x', String(x))
    t.setAttribute('y', '119')
    t.setAttribute('text-anchor', anchor)
    t.textContent = text
    svg.append(t)
  }
  if (bins.length) {
    axis(0, formatNumber(bins[0]), 'start')
    axis(300, formatNumber(bins[bins.length - 1]), 'end')
  }
  svg.setAttribute('aria-label', `Histogram of ${counts.length} bins`)
  return svg
}

export function histogramsPanel(rich: RichValues): HTMLElement {
  const cards: HTMLElement[] = []
  for (const [key, values] of rich.get('trackio.histogram') ?? []) {
    cards.push(stepped(key, values, ({ value }) => histogram((value.bins ?? []) as number[], (value.values ?? []) as number[])))
  }
  return grid(cards, 'No histograms logged by this run.')
}

export function reportsPanel(rich: RichValues, alerts: Alert[]): HTMLElement {
  const reports: HTMLElement[] = []
  for (const [key, values] of rich.get('trackio.markdown') ?? []) {
    reports.push(stepped(key, values, ({ value }) => renderMarkdown(String(value._value ?? ''))))
  }
  const alertList = alerts.length
    ? h('ol', { class: 'alerts' }, ...alerts.map((a) => h('li', { class: `alert level-${a.level}` },
        h('span', { class: 'level' }, a.level), h('strong', {}, a.title),
        h('span', { class: 'muted' }, ` ${a.run}${a.step !== null ? ` · step ${a.step}` : ''} · ${formatIso(a.timestamp)}`),
        a.text ? h('p', {}, a.text) : null)))
    : h('p', { class: 'muted' }, 'No alerts.')
  return h('div', { class: 'reports' }, h('h2', {}, 'Alerts'), alertList, h('h2', {}, 'Reports'), grid(reports, 'No markdown reports logged by this run.', 'wide'))
}

function tree(value: unknown): Node {
  if (value === null || typeof value !== 'object') return h('span', { class: `v ${value === null ? 'null' : typeof value}` }, formatValue(value))
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)
  return h('ul', { class: 'tree' }, ...entries.map(([k, v]) =>
    v !== null && typeof v === 'object'
      ? h('li', {}, h('details', { open: true }, h('summary', {}, h('span', { class: 'k' }, k)), tree(v)))
      : h('li', {}, h('span', { class: 'k' }, k), ': ', tree(v))))
}

export function configPanel(runName: string, config: Record<string, unknown> | null): HTMLElement {
  if (!config || !Object.keys(config).length) return h('p', { class: 'muted empty' }, `No config logged for ${runName}.`)
  return h('div', { class: 'config' }, tree(config))
}

function grid(cards: HTMLElement[], empty: string, cls = ''): HTMLElement {
  return cards.length ? h('div', { class: `cards ${cls}` }, ...cards) : h('p', { class: 'muted empty' }, empty)
}
