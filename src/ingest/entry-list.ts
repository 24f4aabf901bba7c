import { FLOAT, listCursor, listItem, NEG_INFINITY, type JsonCursor } from '../json/parse'
import { JsonListText, type Json } from '../json/values'
import { floatText, storedText, StoredJson } from '../storage/db/encode'
import { holdsTrace } from '../storage/write/traces'
import type { Step } from '../storage/write/append'
import { projectNameTooLong, readEntry, readObjectList, storable, type EntryKind, type LogEntry, type Obj, type RunKey } from './entry'

/**
 * The entry list of a bulk tool (bulk_log, bulk_log_system, bulk_alert). A list left as request
 * text (`JsonListText`, how the HTTP API hands these lists over) is read one entry at a time: each
 * entry's metrics are spelled as their stored text while read and only that text is kept, so a
 * 50,000-entry batch never exists as parsed objects. Metric entries of the usual shape (the seven
 * keys Trackio's client sends, flat metrics of numbers, strings, booleans, NaN/Infinity) are read
 * straight from the text; any other entry is parsed and checked by `readEntry`, which also gives
 * every error ("logs[3]: missing required key 'run'"). Both readings give the same entries.
 */

/** Entries read between two yields to the event loop (a 50,000-entry batch takes some 100 ms). */
const READ_CHUNK = 2000

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** `readEntry`'s result with metrics spelled as stored text when nothing else needs them as values. */
function compact(e: LogEntry): LogEntry {
  const m = e.metrics
  if (e.kind !== 'alert' && !(m instanceof StoredJson) && (e.kind === 'system' || !holdsTrace(m))) e.metrics = new StoredJson(storedText(m as Json))
  return e
}

/** Every entry of the list `v` read as an entry of `kind`; other requests run between chunks of a large batch. */
export async function readEntryListAsync(kind: EntryKind, v: Json | JsonListText | undefined, param: string): Promise<LogEntry[]> {
  if (!(v instanceof JsonListText)) {
    const list = readObjectList(v, param)
    const out: LogEntry[] = []
    for (let i = 0; i < list.length; i++) {
      if (i && i % READ_CHUNK === 0) await yieldToLoop()
      out.push(readEntry(kind, list[i], `${param}[${i}]`))
    }
    return out
  }
  // As for a list of values: an item that is no object is reported before any entry is checked.
  if (v.firstNonObject >= 0) readEntry(kind, listItem(v, v.firstNonObject), `${param}[${v.firstNonObject}]`)
  const c = listCursor(v)
  const fast = kind === 'metric' ? new MetricReader(c, v.itemDepth) : null
  const out: LogEntry[] = []
  for (let i = 0; i < v.length; i++) {
    if (i) {
      c.next(93)
      if (i % READ_CHUNK === 0) await yieldToLoop()
    }
    const start = c.i
    let e = fast ? fast.read() : null
    if (e === null) {
      c.i = start
      e = compact(readEntry(kind, c.value(v.itemDepth), `${param}[${i}]`))
    }
    out.push(e)
  }
  return out
}

/**
 * Metric entries straight from checked JSON text. `read` returns null for anything it does not
 * take (an unknown or escaped key, a nested metric value, a duplicate metric name, a value readEntry
 * would refuse…): the caller then reads that entry with `readEntry`.
 */
export class MetricReader {
  private key: RunKey | null = null
  /** Metric names of the last entry read, and their spelled heads (`{"loss":`, `,"acc":`). */
  private names: string[] = []
  private heads: string[] = []

  constructor(
    private readonly c: JsonCursor,
    private readonly itemDepth: number,
  ) {}

  read(): LogEntry | null {
    const c = this.c
    const s = c.s
    if (s.charCodeAt(c.i) !== 123) return null
    c.i++
    c.ws()
    let project: string | undefined
    let run: string | undefined
    let runId: string | null = null
    let metrics: string | undefined
    let step: Step | null = null
    let config: Obj | null = null
    let logId: string | null = null
    if (s.charCodeAt(c.i) === 125) return null
    for (;;) {
      const k = this.field()
      if (k === null) return null
      if (k === 'metrics') {
        if (s.charCodeAt(c.i) !== 123) return null
        const text = this.metricsText()
        if (text === null) return null
        metrics = text
      } else if (k === 'step') {
        const v = this.isNull() ? null : this.int()
        if (v === undefined) return null
        step = v
      } else if (k === 'config') {
        if (this.isNull()) config = null
        else {
          if (s.charCodeAt(c.i) !== 123) return null
          try {
            config = storable(c.value(this.itemDepth + 1), 'config', '')
          } catch {
            return null
          }
        }
      } else if (k === 'project' || k === 'run') {
        const v = this.string(k === 'project' ? this.key?.project : this.key?.run)
        if (v === null) return null
        if (k === 'project') project = v
        else run = v
      } else {
        let v: string | null = null
        if (!this.isNull()) {
          v = this.string(k === 'run_id' ? this.key?.runId : undefined)
          if (v === null) return null
        }
        if (k === 'run_id') runId = v
        else logId = v
      }
      c.ws()
      const sep = s.charCodeAt(c.i)
      c.i++
      if (sep === 125) break
      if (sep !== 44) return null
      c.ws()
    }
    if (project === undefined || run === undefined || metrics === undefined || projectNameTooLong(project)) return null
    let key = this.key
    if (key === null || key.project !== project || key.run !== run || key.runId !== runId) this.key = key = { project, run, runId }
    return { kind: 'metric', key, metrics: new StoredJson(metrics), step, config, id: logId, timestamp: null, alert: null }
  }

  /** The entry key at the position (one of the seven a metric entry has), stepping past its `:`; else null. */
  private field(): string | null {
    const c = this.c
    const s = c.s
    let name: string
    switch (s.charCodeAt(c.i + 1)) {
      case 112: name = 'project'; break
      case 114: name = s.charCodeAt(c.i + 4) === 95 ? 'run_id' : 'run'; break
      case 109: name = 'metrics'; break
      case 115: name = 'step'; break
      case 99: name = 'config'; break
      case 108: name = 'log_id'; break
      default: return null
    }
    if (s.charCodeAt(c.i) !== 34 || !s.startsWith(name, c.i + 1) || s.charCodeAt(c.i + 1 + name.length) !== 34) return null
    c.i += name.length + 2
    c.colon()
    return name
  }

  /** A `null` at the position, stepped past. */
  private isNull(): boolean {
    const c = this.c
    if (c.s.charCodeAt(c.i) !== 110) return false
    c.i += 4
    return true
  }

  /** The string at the position without escapes (`same` when it spells exactly that), else null. */
  private string(same: string | null | undefined): string | null {
    const c = this.c
    const s = c.s
    if (s.charCodeAt(c.i) !== 34) return null
    const start = c.i + 1
    if (same && s.startsWith(same, start) && s.charCodeAt(start + same.length) === 34) {
      c.i = start + same.length + 1
      return same
    }
    let i = start
    for (let ch = s.charCodeAt(i); ch !== 34; ch = s.charCodeAt(++i)) if (ch === 92) return null
    const v = s.slice(start, i)
    if (!v.isWellFormed()) return null
    c.i = i + 1
    return v
  }

  /** An integer of at most 15 digits at the position (a safe one), else undefined. */
  private int(): number | undefined {
    const c = this.c
    const s = c.s
    let i = c.i
    const neg = s.charCodeAt(i) === 45
    if (neg) i++
    const first = i
    let v = 0
    let ch = s.charCodeAt(i)
    for (; ch >= 48 && ch <= 57; ch = s.charCodeAt(++i)) v = v * 10 + (ch - 48)
    if (i === first || i - first > 15 || ch === 46 || ch === 101 || ch === 69) return undefined
    c.i = i
    return neg && v ? -v : v
  }

  /** The metrics object at the position spelled as stored (encodeJsonText's output), or null. */
  private metricsText(): string | null {
    const c = this.c
    const s = c.s
    c.i++
    c.ws()
    if (s.charCodeAt(c.i) === 125) {
      c.i++
      return '{}'
    }
    const names = this.names
    let fresh: string[] | null = null
    let heads: string[] | null = null
    // joined once at the end: one flat string per entry, not a rope of a dozen pieces kept until the INSERT
    const out: string[] = []
    for (let j = 0; ; j++) {
      if (s.charCodeAt(c.i) !== 34) return null
      const start = c.i + 1
      const known = fresh === null && j < names.length ? names[j]! : null
      let head: string
      if (known !== null && s.startsWith(known, start) && s.charCodeAt(start + known.length) === 34) {
        head = this.heads[j]!
        c.i = start + known.length + 1
      } else {
        let i = start
        for (let ch = s.charCodeAt(i); ch !== 34; ch = s.charCodeAt(++i)) if (ch === 92) return null
        const name = s.slice(start, i)
        if (!name.isWellFormed()) return null
        if (fresh === null) {
          fresh = names.slice(0, j)
          heads = this.heads.slice(0, j)
        }
        // A repeated name: a Map keeps its first place and last value; readEntry does that.
        if (fresh.includes(name)) return null
        head = `${j ? ',' : '{'}"${name}":`
        fresh.push(name)
        heads!.push(head)
        c.i = i + 1
      }
      c.colon()
      const v = this.scalar()
      if (v === null) return null
      out.push(head, v)
      c.ws()
      const sep = s.charCodeAt(c.i)
      c.i++
      if (sep === 125) {
        if (fresh !== null) {
          this.names = fresh
          this.heads = heads!
        } else if (j + 1 < names.length) {
          this.names = names.slice(0, j + 1)
          this.heads = this.heads.slice(0, j + 1)
        }
        out.push('}')
        return out.join('')
      }
      c.ws()
    }
  }

  /** A scalar metric value at the position as stored (floats in orjson's spelling, NaN as "NaN"), or null. */
  private scalar(): string | null {
    const c = this.c
    const s = c.s
    const ch = s.charCodeAt(c.i)
    const start = c.i
    switch (ch) {
      case 34: {
        let i = start + 1
        for (let x = s.charCodeAt(i); x !== 34; x = s.charCodeAt(++i)) if (x === 92) return null
        const v = s.slice(start, i + 1)
        if (!v.isWellFormed()) return null
        c.i = i + 1
        return v
      }
      case 116:
        c.i += 4
        return 'true'
      case 102:
        c.i += 5
        return 'false'
      case 110:
        c.i += 4
        return 'null'
      case 78:
        c.i += 3
        return '"NaN"'
      case 73:
        c.i += 8
        return '"Infinity"'
    }
    if (ch !== 45 && (ch < 48 || ch > 57)) return null
    const kind = c.scanNumber()
    if (kind === NEG_INFINITY) return '"-Infinity"'
    if (kind === FLOAT) return floatText(Number(s.slice(start, c.i)))
    const digits = c.i - start - (ch === 45 ? 1 : 0)
    // Integers past 15 digits may need a bigint and a range check: readEntry's business.
    if (digits > 15) return null
    // "-0" is the int 0, as the parser reads it.
    if (digits === 1 && ch === 45 && s.charCodeAt(start + 1) === 48) return '0'
    return s.slice(start, c.i)
  }
}
