/** Number and time spelling for the page. */

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞'
  const a = Math.abs(v)
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3).replace(/\.?0+e/, 'e')
  if (Number.isInteger(v)) return String(v)
  return String(Number(v.toPrecision(5)))
}

/** Seconds since the epoch → local date and time. */
export function formatTime(sec: number): string {
  return new Date(sec * 1000).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })
}

export function formatIso(iso: string | null | undefined): string {
  if (!iso) return '—'
  const t = Date.parse(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z')
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export function formatValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v)
  if (v === null || v === undefined) return '—'
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(2)} MB`
}
