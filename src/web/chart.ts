/** One metric chart: uPlot with the selected runs overlaid, a tooltip, a legend with last values, zoom. */
import uPlot from 'uplot'
import { h, nodes } from './dom'
import { ema, type Series } from './series'
import { formatNumber, formatTime } from './format'

export interface ChartRun {
  key: string
  label: string
  color: string
}

export interface ChartView {
  x: 'step' | 'time'
  smoothing: number
  log: boolean
}

/** Called with a step/time range after the user zooms (null: zoom reset). */
export type ZoomHandler = (range: { min: number; max: number } | null) => void

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888'

export class MetricChart {
  readonly el: HTMLElement
  private plot: uPlot | null = null
  private readonly body: HTMLElement
  private readonly legend: HTMLElement
  private readonly tip: HTMLElement
  private runs: ChartRun[] = []
  private lastData: uPlot.AlignedData | null = null
  private resize: ResizeObserver

  constructor(readonly metric: string, private readonly onZoom: ZoomHandler) {
    this.body = h('div', { class: 'plot' })
    this.legend = h('ul', { class: 'legend', 'aria-label': `Runs in ${metric}` })
    this.tip = h('div', { class: 'tooltip', role: 'status', hidden: true })
    this.el = h('figure', { class: 'chart', 'data-metric': metric, tabindex: 0, 'aria-label': `Chart of ${metric} (+ and − zoom, arrows pan, 0 resets)` },
      h('figcaption', {}, metric), this.body, this.tip, this.legend)
    this.resize = new ResizeObserver(() => this.fit())
    this.resize.observe(this.body)
  }

  destroy(): void {
    this.resize.disconnect()
    this.plot?.destroy()
    this.el.remove()
  }

  private fit(): void {
    if (!this.plot) return
    const w = Math.max(200, this.body.clientWidth)
    if (Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: this.plot.height })
  }

  /**
   * Draw these runs' series (data.get(run.key)); keeps the zoom when `range` is given. The legend shows each
   * run's last value from `whole` (the whole run), not from a zoomed view.
   */
  update(runs: ChartRun[], data: Map<string, Series>, view: ChartView, range: { min: number; max: number } | null, whole: Map<string, Series> = data): void {
    const present = runs.filter((r) => data.get(r.key)?.steps.length)
    const tables: uPlot.AlignedData[] = present.map((r) => {
      const s = data.get(r.key)!
      let y = ema(s.values, view.smoothing)
      if (view.log) y = y.map((v) => (v !== null && v > 0 ? v : null))
      return [view.x === 'time' ? s.times : s.steps, y] as uPlot.AlignedData
    })
    const aligned: uPlot.AlignedData = tables.length === 1 ? tables[0]! : tables.length ? uPlot.join(tables) : [[]]
    const sameShape = this.plot && this.runs.length === present.length && this.runs.every((r, i) => r.key === present[i]!.key && r.color === present[i]!.color)
      && (this.plot as any).__view === `${view.x}/${view.log}`
    this.runs = present
    this.lastData = aligned
    if (!sameShape) this.build(view, aligned)
    else this.plot!.setData(aligned, range === null)
    if (range) this.setRange(range)
    this.el.dataset.series = String(present.length)
    const xs = aligned[0] as number[]
    this.el.dataset.points = String(xs.length)
    this.el.dataset.xmin = xs.length ? String(xs[0]) : ''
    this.el.dataset.xmax = xs.length ? String(xs[xs.length - 1]) : ''
    let ymax = -Infinity
    for (let i = 1; i < aligned.length; i++) for (const v of aligned[i]!) if (v !== null && v !== undefined && v > ymax) ymax = v
    this.el.dataset.ymax = Number.isFinite(ymax) ? String(ymax) : ''
    this.renderLegend(whole)
  }

  /** Apply the shared zoom range (null: the whole data). */
  setRange(range: { min: number; max: number } | null): void {
    if (!this.plot || !this.lastData) return
    if (range) this.plot.setScale('x', range)
    else {
      const xs = this.lastData[0] as number[]
      if (xs.length) this.plot.setScale('x', { min: xs[0]!, max: xs[xs.length - 1]! })
    }
  }

  private build(view: ChartView, data: uPlot.AlignedData): void {
    this.plot?.destroy()
    const fg = css('--fg-muted')
    const grid = css('--grid')
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const opts: uPlot.Options = {
      width: Math.max(200, this.body.clientWidth || 400),
      height: 220,
      legend: { show: false },
      // A drag selects a range that the page applies to every chart (and refines); uPlot itself does not zoom.
      cursor: { drag: { x: true, y: false, setScale: false }, focus: { prox: 24 } },
      focus: { alpha: 0.35 },
      scales: { x: { time: view.x === 'time' }, y: { distr: view.log ? 3 : 1 } },
      axes: [{ ...axis }, { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) }],
      series: [{}, ...this.runs.map((r) => ({ label: r.label, stroke: r.color, width: 1.5, spanGaps: true, points: { show: false } }))],
      hooks: {
        setSelect: [(u) => {
          const sel = u.select
          if (sel.width < 2) return
          const min = u.posToVal(sel.left, 'x')
          const max = u.posToVal(sel.left + sel.width, 'x')
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
          if (max > min) this.onZoom({ min, max })
        }],
        setCursor: [(u) => this.showTip(u, view)],
      },
    }
    const plot = new uPlot(opts, data, this.body)
    ;(plot as any).__view = `${view.x}/${view.log}`
    this.plot = plot
    plot.over.addEventListener('mouseleave', () => (this.tip.hidden = true))
    plot.over.addEventListener('dblclick', () => this.onZoom(null))
  }

  private showTip(u: uPlot, view: ChartView): void {
    const idx = u.cursor.idx
    if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
      this.tip.hidden = true
      return
    }
    const x = u.data[0][idx]!
    const rows: { label: string; color: string; v: number }[] = []
    for (let i = 1; i < u.series.length; i++) {
      const v = u.data[i]![idx]
      if (v !== null && v !== undefined) rows.push({ label: this.runs[i - 1]!.label, color: this.runs[i - 1]!.color, v })
    }
    if (!rows.length) {
      this.tip.hidden = true
      return
    }
    rows.sort((a, b) => b.v - a.v)
    const shown = rows.slice(0, 8)
    this.tip.replaceChildren(...nodes(
      h('div', { class: 'tip-x' }, view.x === 'time' ? formatTime(x) : `step ${x}`),
      ...shown.map((r) => h('div', {}, h('span', { class: 'swatch', style: `background:${r.color}` }), `${r.label}: ${formatNumber(r.v)}`)),
      rows.length > shown.length ? h('div', { class: 'muted' }, `+${rows.length - shown.length} more`) : null,
    ))
    this.tip.hidden = false
    const left = u.cursor.left! + u.over.offsetLeft
    this.tip.style.left = `${Math.min(left + 12, this.el.clientWidth - this.tip.offsetWidth - 4)}px`
    this.tip.style.top = `${(u.cursor.top ?? 0) + u.over.offsetTop + 12}px`
  }

  private renderLegend(data: Map<string, Series>): void {
    this.legend.replaceChildren(...this.runs.map((r) => {
      const s = data.get(r.key) ?? { steps: [], values: [], times: [] }
      let last: number | null = null
      let lastStep: number | null = null
      for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) { last = s.values[i]!; lastStep = s.steps[i]!; break }
      return h('li', { 'data-run': r.key, 'data-last': last === null ? '' : String(last), title: lastStep === null ? '' : `last value at step ${lastStep}` },
        h('span', { class: 'swatch', style: `background:${r.color}` }), h('span', { class: 'name' }, r.label), ' ',
        h('span', { class: 'last' }, last === null ? '—' : formatNumber(last)))
    }))
  }
}
