import { parseInstant } from '../db/timestamps'

/**
 * The distinct timestamps of a cached series, in order, as stored. A short table keeps the strings.
 * A long one (more than TEXT_STAMPS_MAX) keeps each timestamp spelled the way Trackio writes it
 * (`YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, 1970-2199) as epoch microseconds, 8 bytes instead of a string
 * of about 120, and any other spelling aside as text; `at(i)` spells it again, the same characters.
 * Real runs give every row its own timestamp: a 2,000,000-step series would otherwise hold some 240 MB
 * of strings, more than the whole series cache.
 *
 * A table handed out in a series is never changed: extending one starts from `copy()`.
 */

/** Tables up to this many timestamps keep strings (fastest to spell, and the memory is small). */
export const TEXT_STAMPS_MAX = 262_144

let textMax = TEXT_STAMPS_MAX

/** The size from which tables keep microseconds (TEXT_STAMPS_MAX unless a test changed it). */
export function textStampsMax(): number {
  return textMax
}

/** Change the size from which tables keep microseconds (tests); returns the previous one. */
export function setTextStampsMax(n: number): number {
  const old = textMax
  textMax = n
  return old
}

/** What a table is sent as between threads (the typed array is transferred, not copied). */
export interface StampWire {
  length: number
  texts: string[] | null
  micros: Float64Array | null
  odd: [number, string][]
}

export class StampTable {
  private texts: string[] | null = []
  private micros: Float64Array | null = null
  private odd = new Map<number, string>()
  private n = 0
  private lastText: string | null = null
  private oddBytes = 0
  /** Whether a table extending this one took its spare capacity (see extendable). */
  private claimed = false
  /** Spelling memo: the minute last spelled and its `YYYY-MM-DDTHH:MM:` prefix. */
  private minute = Number.NaN
  private prefix = ''

  get length(): number {
    return this.n
  }

  /** The last timestamp, as stored (null when empty). */
  get last(): string | null {
    return this.lastText
  }

  /** Estimated bytes held. */
  get bytes(): number {
    if (this.texts) {
      let b = 0
      for (const t of this.texts) b += 56 + 2 * t.length
      return b
    }
    return this.micros!.length * 8 + this.oddBytes
  }

  push(ts: string): void {
    const i = this.n++
    this.lastText = ts
    if (this.texts) {
      this.texts.push(ts)
      if (this.texts.length > textMax) this.pack()
      return
    }
    this.reserve(i + 1)
    const us = canonicalMicros(ts)
    if (us === null) {
      this.micros![i] = Number.NaN
      this.odd.set(i, ts)
      this.oddBytes += 64 + 2 * ts.length
    } else this.micros![i] = us
  }

  /** The i-th timestamp, spelled as stored. */
  at(i: number): string {
    if (this.texts) return this.texts[i]!
    const us = this.micros![i]!
    if (us !== us) return this.odd.get(i)!
    const minute = Math.floor(us / 60_000_000)
    if (minute !== this.minute) {
      this.minute = minute
      this.prefix = minutePrefix(minute)
    }
    const rem = us - minute * 60_000_000
    const sec = Math.floor(rem / 1_000_000)
    const frac = rem - sec * 1_000_000
    return this.prefix + TWO_DIGITS[sec] + (frac === 0 ? '+00:00' : `.${String(1_000_000 + frac).slice(1)}+00:00`)
  }

  /** The i-th timestamp as epoch microseconds (parseInstant's reading; NaN when unparseable). */
  instant(i: number): number {
    if (this.micros) {
      const us = this.micros[i]!
      if (us === us) return us
    }
    return parseInstant(this.at(i)) ?? Number.NaN
  }

  /** A table of the same timestamps that can be extended without changing this one. */
  copy(): StampTable {
    const t = new StampTable()
    t.n = this.n
    t.lastText = this.lastText
    if (this.texts) t.texts = this.texts.slice()
    else {
      t.texts = null
      t.micros = new Float64Array(grown(this.n))
      t.micros.set(this.micros!.subarray(0, this.n))
      t.odd = new Map(this.odd)
      t.oddBytes = this.oddBytes
    }
    return t
  }

  /**
   * A table to extend, as copy() gives, but the first one asked of a long table shares its spare
   * capacity instead of copying 16 MB per 2,000,000 timestamps: entries are added past this table's
   * length, which this table never reads. Later asks get copies.
   */
  extendable(): StampTable {
    if (!this.micros || this.claimed) return this.copy()
    this.claimed = true
    const t = new StampTable()
    t.texts = null
    t.micros = this.micros
    t.n = this.n
    t.lastText = this.lastText
    t.odd = new Map(this.odd)
    t.oddBytes = this.oddBytes
    return t
  }

  /** Drops spare capacity (once the table is complete). */
  trim(): this {
    if (this.micros && this.micros.length > this.n) this.micros = this.micros.slice(0, this.n)
    return this
  }

  /** This table in a form that crosses threads (see fromWire); its typed array may be transferred. */
  toWire(): StampWire {
    this.trim()
    return { length: this.n, texts: this.texts, micros: this.micros, odd: [...this.odd] }
  }

  static fromWire(w: StampWire): StampTable {
    const t = new StampTable()
    t.n = w.length
    t.texts = w.texts
    t.micros = w.micros
    t.odd = new Map(w.odd)
    for (const [, s] of w.odd) t.oddBytes += 64 + 2 * s.length
    t.lastText = w.length ? t.at(w.length - 1) : null
    return t
  }

  /** An empty table that keeps microseconds from the start (a long run read by the scan worker). */
  static compact(): StampTable {
    const t = new StampTable()
    t.texts = null
    t.micros = new Float64Array(1024)
    return t
  }

  /** `a` followed by `b` (a's last timestamp may equal b's first: it is then kept once). */
  static concat(a: StampTable, b: StampTable): { table: StampTable; shift: number } {
    const dup = a.length > 0 && b.length > 0 && a.last === b.at(0) ? 1 : 0
    const shift = a.length - dup
    if (a.micros && b.micros) {
      const t = new StampTable()
      t.texts = null
      t.n = a.n + b.n - dup
      t.micros = new Float64Array(t.n)
      t.micros.set(a.micros.subarray(0, a.n))
      t.micros.set(b.micros.subarray(dup, b.n), a.n)
      for (const [i, v] of a.odd) t.odd.set(i, v)
      for (const [i, v] of b.odd) if (i >= dup) t.odd.set(i + shift, v)
      for (const v of t.odd.values()) t.oddBytes += 64 + 2 * v.length
      t.lastText = b.n > dup ? b.lastText : a.lastText
      return { table: t, shift }
    }
    const t = a.copy()
    for (let i = dup; i < b.length; i++) t.push(b.at(i))
    return { table: t.trim(), shift }
  }

  private pack(): void {
    const texts = this.texts!
    this.texts = null
    this.micros = new Float64Array(Math.max(1024, texts.length * 2))
    this.n = 0
    for (const s of texts) this.push(s)
    this.lastText = texts[texts.length - 1] ?? null
  }

  private reserve(need: number): void {
    if (need <= this.micros!.length) return
    const more = new Float64Array(grown(this.micros!.length))
    more.set(this.micros!)
    this.micros = more
  }
}

/** Capacity after growing from `n`: doubling while small, then a quarter more (spare memory stays small). */
export function grown(n: number): number {
  return n < 65_536 ? Math.max(1024, n * 2) : Math.ceil(n * 1.25)
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))

function minutePrefix(minute: number): string {
  const d = new Date(minute * 60_000)
  const p = (x: number) => TWO_DIGITS[x] ?? String(x)
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:`
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * Epoch microseconds of a timestamp spelled exactly as Trackio writes one (Python's UTC `isoformat()`:
 * the fraction omitted when zero) between 1970 and 2199; null for any other spelling. For such text,
 * StampTable.at spells the result back to the same characters.
 */
export function canonicalMicros(s: string): number | null {
  const len = s.length
  if (len !== 25 && len !== 32) return null
  const c = (i: number) => s.charCodeAt(i) - 48
  const digits = (from: number, n: number): number => {
    let v = 0
    for (let i = from; i < from + n; i++) {
      const d = c(i)
      if (d < 0 || d > 9) return -1
      v = v * 10 + d
    }
    return v
  }
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || !s.endsWith('+00:00')) return null
  const year = digits(0, 4)
  const month = digits(5, 2)
  const day = digits(8, 2)
  const hour = digits(11, 2)
  const minute = digits(14, 2)
  const second = digits(17, 2)
  if (year < 1970 || year > 2199 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1]!)) return null
  let frac = 0
  if (len === 32) {
    if (s[19] !== '.') return null
    frac = digits(20, 6)
    // isoformat() leaves out a zero fraction: `.000000` is not its spelling.
    if (frac <= 0) return null
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + frac
}
