/** The text side of traces (no DOM): what a trace's list row says, short ids, merging runs' lists, relative times. */
import type { Trace } from './api'

export type Obj = Record<string, unknown>
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The text of a message's content: a string, or the text of its parts (an image part reads "[image]"). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  const parts = Array.isArray(content) ? content : isObj(content) ? [content] : []
  return parts
    .map((p) => (typeof p === 'string' ? p : !isObj(p) ? '' : typeof p.text === 'string' ? p.text : typeof p.content === 'string' ? p.content : isImage(p) ? '[image]' : ''))
    .filter(Boolean)
    .join(' ')
}

/** The first user message and the first assistant text (a tool-calling turn has none) of a trace, for its row in the list. */
export function requestAndReply(messages: unknown): { request: string; reply: string } {
  const list = Array.isArray(messages) ? messages.filter(isObj) : []
  const first = (role: string) => list.filter((m) => m.role === role).map((m) => contentText(m.content)).find(Boolean) ?? ''
  return { request: first('user') || '(no user message)', reply: first('assistant') || '(no assistant answer)' }
}

/**
 * A short id for the list. Trace ids are `{run}:{log id}:{key}`, plus `:{index}` for an item of a logged
 * list: the log id's first 7 letters and digits, and the index.
 */
export function shortTraceId(id: string): string {
  const parts = id.split(':')
  if (parts.length < 3) return id.slice(0, 7)
  const index = parts.length >= 4 && /^\d+$/.test(parts[parts.length - 1]!) ? `:${parts[parts.length - 1]}` : ''
  return (parts[1]!.replace(/[^a-zA-Z0-9]/g, '').slice(0, 7) || parts[1]!.slice(0, 7)) + index
}

/** Traces of several runs as one list, in the order the server sorted each run's own. */
export function mergeTraces(batches: Trace[][], sort: string): Trace[] {
  const all = batches.flat()
  const time = (t: Trace) => t.timestamp ?? ''
  const cmp: Record<string, (a: Trace, b: Trace) => number> = {
    step_asc: (a, b) => (a.step ?? 0) - (b.step ?? 0) || time(a).localeCompare(time(b)),
    step_desc: (a, b) => (b.step ?? 0) - (a.step ?? 0) || time(b).localeCompare(time(a)),
    request_time_asc: (a, b) => time(a).localeCompare(time(b)),
    request_time_desc: (a, b) => time(b).localeCompare(time(a)),
  }
  return all.sort(cmp[sort] ?? cmp.request_time_desc!)
}

/** "3 min ago" style, for the list (the full time is in the cell's title). */
export function ago(iso: string, now = Date.now()): string {
  const t = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z')
  if (Number.isNaN(t)) return iso
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 10) return 'just now'
  if (s < 60) return `${s} s ago`
  const min = Math.round(s / 60)
  if (min < 60) return `${min} min ago`
  const hours = Math.round(min / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.round(hours / 24)
  if (days < 30) return `${days} d ago`
  return days < 365 ? `${Math.round(days / 30)} mo ago` : `${Math.round(days / 365)} y ago`
}

export function isImage(p: Obj): boolean {
  return p._type === 'trackio.image' || p.type === 'image' || p.type === 'input_image' || p.type === 'image_url'
}
