import { initWasm, Resvg } from '@resvg/resvg-wasm'
import wasmPath from '@resvg/resvg-wasm/index_bg.wasm' with { type: 'file' }
import fontPath from '@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf' with { type: 'file' }

/**
 * Line charts as PNG, drawn inside the binary: the chart is written as SVG (axes, grid, one
 * polyline per series, legend, title) and rasterised by resvg (WebAssembly) with the Inter font,
 * both embedded. Series should already be downsampled (a few thousand points at most): the cost is
 * in the rasteriser, proportional to the points drawn.
 */

export interface PlotSeries {
  label: string
  /** CSS colour, e.g. '#3B82F6'. */
  color: string
  xs: ArrayLike<number>
  /** null, NaN and ±Infinity break the line (they are not drawn). */
  ys: ArrayLike<number | null>
}

export interface PlotOptions {
  title: string
  xLabel: string
  yLabel?: string
  logY?: boolean
  width?: number
  height?: number
  /** Draw the x values as times (epoch milliseconds). */
  xIsTime?: boolean
}

const FONT = 'Inter'
let ready: Promise<Uint8Array> | null = null

/** Load the rasteriser and the font once per process. */
function load(): Promise<Uint8Array> {
  ready ??= (async () => {
    await initWasm(await Bun.file(wasmPath).arrayBuffer())
    return new Uint8Array(await Bun.file(fontPath).arrayBuffer())
  })()
  return ready
}

/** Round tick positions covering [lo, hi] (about `n` of them), as 1/2/5 × 10^k steps. */
export function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / n
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!
  const out: number[] = []
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)))
  return out
}

/** A tick label: short, without float noise (1e-5 → 1e-5, 0.30000000000000004 → 0.3, 250000 → 250k). */
export function formatTick(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace(/\.0e/, 'e').replace('e+', 'e')
  if (a >= 1e4) return `${Number((v / 1000).toPrecision(4))}k`
  return String(Number(v.toPrecision(4)))
}

function formatTime(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString()
  return spanMs > 2 * 86_400_000 ? iso.slice(5, 10) : iso.slice(11, spanMs > 7_200_000 ? 16 : 19)
}

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

function finite(v: number | null): v is number {
  return v !== null && Number.isFinite(v)
}

/** The chart as an SVG document (also usable on its own). */
export function plotSvg(series: PlotSeries[], o: PlotOptions): string {
  const width = o.width ?? 800
  const height = o.height ?? 400
  const ty = (v: number): number => (o.logY ? Math.log10(v) : v)
  let x0 = Infinity
  let x1 = -Infinity
  let y0 = Infinity
  let y1 = -Infinity
  for (const s of series)
    for (let i = 0; i < s.xs.length; i++) {
      const y = s.ys[i]!
      if (!finite(y) || (o.logY && y <= 0)) continue
      const x = s.xs[i]!
      x0 = Math.min(x0, x)
      x1 = Math.max(x1, x)
      y0 = Math.min(y0, ty(y))
      y1 = Math.max(y1, ty(y))
    }
  const empty = !Number.isFinite(x0)
  if (empty) [x0, x1, y0, y1] = [0, 1, 0, 1]
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1]
  if (y1 === y0) [y0, y1] = [y0 - (Math.abs(y0) || 1) * 0.05, y1 + (Math.abs(y1) || 1) * 0.05]
  const pad = (y1 - y0) * 0.04
  y0 -= pad
  y1 += pad

  const legendRows = Math.ceil(series.length / 4)
  const left = 64
  const right = 16
  const top = 36
  const bottom = 44 + legendRows * 18
  const pw = width - left - right
  const ph = height - top - bottom
  const px = (x: number): number => left + ((x - x0) / (x1 - x0)) * pw
  const py = (y: number): number => top + ph - ((y - y0) / (y1 - y0)) * ph
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`)
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" fill="#111827">${escapeXml(o.title)}</text>`)

  const yTicks = o.logY ? niceTicks(Math.floor(y0), Math.ceil(y1), Math.max(1, Math.min(8, Math.ceil(y1) - Math.floor(y0)))).filter((t) => t >= y0 && t <= y1) : niceTicks(y0, y1)
  for (const t of yTicks) {
    const y = py(t).toFixed(1)
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="#e5e7eb" stroke-width="1"/>`)
    const label = o.logY ? formatTick(10 ** t) : formatTick(t)
    parts.push(`<text x="${left - 6}" y="${y}" dy="4" text-anchor="end" font-size="11" fill="#4b5563">${label}</text>`)
  }
  for (const t of niceTicks(x0, x1, 7)) {
    const x = px(t).toFixed(1)
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" stroke="#f3f4f6" stroke-width="1"/>`)
    const label = o.xIsTime ? formatTime(t, x1 - x0) : formatTick(t)
    parts.push(`<text x="${x}" y="${top + ph + 16}" text-anchor="middle" font-size="11" fill="#4b5563">${label}</text>`)
  }
  parts.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#9ca3af" stroke-width="1"/>`)
  parts.push(`<text x="${left + pw / 2}" y="${top + ph + 34}" text-anchor="middle" font-size="12" fill="#374151">${escapeXml(o.xLabel)}</text>`)
  if (o.yLabel) parts.push(`<text transform="translate(14 ${top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#374151">${escapeXml(o.yLabel)}${o.logY ? ' (log)' : ''}</text>`)
  if (empty) parts.push(`<text x="${left + pw / 2}" y="${top + ph / 2}" text-anchor="middle" font-size="14" fill="#6b7280">no data</text>`)

  parts.push(`<g clip-path="url(#plot)"><clipPath id="plot"><rect x="${left}" y="${top}" width="${pw}" height="${ph}"/></clipPath>`)
  for (const s of series) {
    let d = ''
    let pen = false
    let points = 0
    for (let i = 0; i < s.xs.length; i++) {
      const y = s.ys[i]!
      if (!finite(y) || (o.logY && y <= 0)) {
        pen = false
        continue
      }
      d += `${pen ? 'L' : 'M'}${px(s.xs[i]!).toFixed(1)} ${py(ty(y)).toFixed(1)}`
      pen = true
      points++
    }
    if (points === 1) d += 'l0.01 0'
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round"/>`)
  }
  parts.push('</g>')

  const colWidth = pw / Math.min(4, Math.max(1, series.length))
  series.forEach((s, i) => {
    const x = left + (i % 4) * colWidth
    const y = top + ph + 50 + Math.floor(i / 4) * 18
    parts.push(`<rect x="${x}" y="${y - 8}" width="14" height="4" fill="${escapeXml(s.color)}"/>`)
    const label = s.label.length > 38 ? `${s.label.slice(0, 37)}…` : s.label
    parts.push(`<text x="${x + 20}" y="${y - 2}" font-size="11" fill="#111827">${escapeXml(label)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('')
}

/** The chart as PNG bytes. */
export async function plotPng(series: PlotSeries[], o: PlotOptions): Promise<Uint8Array> {
  const font = await load()
  const resvg = new Resvg(plotSvg(series, o), { font: { fontBuffers: [font], defaultFontFamily: FONT, loadSystemFonts: false } })
  const image = resvg.render()
  try {
    return image.asPng()
  } finally {
    image.free()
    resvg.free()
  }
}
