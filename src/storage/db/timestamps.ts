/**
 * Timestamps as Trackio writes them: Python's `datetime.now(timezone.utc).isoformat()`
 * (compat §3), and a lenient ISO-8601 reader for time filters.
 */

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** Epoch microseconds → `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00` (fraction omitted when zero). */
export function formatIsoTimestamp(epochMicros: number | bigint): string {
  const us = BigInt(epochMicros)
  let ms = us / 1000n
  let micro = us % 1000000n
  if (micro < 0n) micro += 1000000n
  // Round ms toward -infinity so the Date holds the whole second that contains `us`.
  if (us < 0n && us % 1000n !== 0n) ms -= 1n
  const d = new Date(Number(ms))
  if (Number.isNaN(d.getTime())) throw new RangeError(`timestamp out of range: ${epochMicros}`)
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  const frac = micro === 0n ? '' : '.' + pad(Number(micro), 6)
  return `${date}T${time}${frac}+00:00`
}

/** Now, UTC, in Trackio's spelling. JS clocks give milliseconds; the extra digits are zeros. */
export function isoNow(): string {
  return formatIsoTimestamp(BigInt(Date.now()) * 1000n)
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return month === 2 && leap ? 29 : DAYS[month - 1]!
}

/**
 * ISO-8601 instant → epoch microseconds, or null when unparseable. Accepts `T` or space between
 * date and time, any number of fraction digits (truncated to microseconds), `Z`, `±HH:MM`,
 * `±HHMM` or `±HH`; no offset means UTC; a bare date means midnight.
 */
export function parseInstant(text: string): number | null {
  const m = INSTANT.exec(text.trim())
  if (!m) return null
  const [, y, mo, d, h, mi, s, frac, off] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h ?? 0)
  const minute = Number(mi ?? 0)
  const second = Number(s ?? 0)
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null
  if (hour > 23 || minute > 59 || second > 59) return null
  if (off !== undefined && h === undefined) return null
  let offsetMinutes = 0
  if (off !== undefined && off !== 'Z' && off !== 'z') {
    const digits = off.slice(1).replace(':', '')
    const oh = Number(digits.slice(0, 2))
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
    if (oh > 23 || om > 59) return null
    offsetMinutes = (off[0] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const dt = new Date(0)
  dt.setUTCFullYear(year, month - 1, day)
  dt.setUTCHours(hour, minute, second, 0)
  const ms = dt.getTime()
  const micros = frac ? Number(frac.slice(0, 6).padEnd(6, '0')) : 0
  return (ms - offsetMinutes * 60000) * 1000 + micros
}
