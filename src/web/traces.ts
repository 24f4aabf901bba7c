/**
 * The Traces tab: LLM conversations logged with `trackio.Trace` (OpenAI-style messages plus metadata), for
 * the selected runs. A list newest first (search, step filter, sort, pages of 50) whose rows open into the
 * conversation: each message with its role, text, image parts, tool calls and the trace's metadata.
 */
import { call, type Trace } from './api'
import { h, nodes } from './dom'
import { formatIso, formatValue } from './format'
import { mediaUrl } from './panels'
import type { Run } from './series'
import { ago, isImage, isObj, mergeTraces, requestAndReply, shortTraceId } from './trace-text'

export const PAGE_SIZE = 50
/** Longer message texts start folded. */
const LONG_TEXT = 500
const SORTS: [string, string][] = [
  ['request_time_desc', 'Newest first'],
  ['request_time_asc', 'Oldest first'],
  ['step_desc', 'Step, descending'],
  ['step_asc', 'Step, ascending'],
]

function json(v: unknown): HTMLElement {
  return h('pre', { class: 'tool-block' }, JSON.stringify(v, null, 2))
}

/** A tool call as `name(arguments)`, the arguments (a JSON string in OpenAI's format) pretty-printed. */
function toolCall(c: unknown): HTMLElement {
  const f = isObj(c) && isObj(c.function) ? c.function : isObj(c) ? c : null
  if (!f || typeof f.name !== 'string') return json(c)
  let args: unknown = f.arguments
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args)
    } catch {}
  }
  return h('pre', { class: 'tool-block' }, `${f.name}(${typeof args === 'string' ? args : JSON.stringify(args ?? {}, null, 2)})`)
}

function textBlock(text: string): HTMLElement {
  const pre = h('pre', { class: 'message-text' }, text)
  return text.length > LONG_TEXT ? h('details', { class: 'long' }, h('summary', {}, `${text.slice(0, 120)}… (${text.length} characters)`), pre) : pre
}

function messageView(m: unknown, mediaDir: string): HTMLElement {
  if (!isObj(m)) return h('div', { class: 'message' }, json(m))
  const role = typeof m.role === 'string' ? m.role : 'message'
  const calls = Array.isArray(m.tool_calls) ? m.tool_calls : []
  const parts = typeof m.content === 'string' || m.content === null || m.content === undefined ? [] : Array.isArray(m.content) ? m.content : [m.content]
  return h('div', { class: 'message', 'data-role': role },
    h('div', { class: 'message-role' }, role,
      calls.length ? h('span', { class: 'tag' }, 'tool calls') : null,
      m.function_call ? h('span', { class: 'tag' }, 'function call') : null,
      typeof m.name === 'string' ? h('span', { class: 'tag' }, m.name) : null),
    typeof m.content === 'string' ? textBlock(m.content) : null,
    ...parts.map((p) => {
      if (isObj(p) && isImage(p)) {
        const src = typeof p.file_path === 'string' ? mediaUrl(mediaDir, p.file_path)
          : isObj(p.image_url) && typeof p.image_url.url === 'string' ? p.image_url.url : typeof p.url === 'string' ? p.url : ''
        const alt = String(p.caption ?? p.alt ?? 'Image in the trace')
        return src.startsWith('/') || src.startsWith('data:') ? h('img', { class: 'trace-image', src, alt, loading: 'lazy' }) : h('p', { class: 'muted' }, `[image: ${src || alt}]`)
      }
      if (isObj(p) && typeof p.text === 'string') return textBlock(p.text)
      return json(p)
    }),
    ...calls.map(toolCall),
    m.function_call ? toolCall(m.function_call) : null)
}

function detail(t: Trace, mediaDir: string): HTMLElement {
  const meta = Object.entries(t.metadata ?? {})
  const messages = Array.isArray(t.messages) ? t.messages : []
  return h('div', { class: 'trace-detail' },
    h('dl', { class: 'trace-meta' },
      ...[['Trace id', t.id], ['Logged as', t.key], ['Time', formatIso(t.timestamp)], ...meta.map(([k, v]) => [k, formatValue(v)])]
        .flatMap(([k, v]) => [h('dt', {}, k!), h('dd', {}, v!)])),
    h('div', { class: 'conversation' }, ...(messages.length ? messages.map((m) => messageView(m, mediaDir)) : [h('p', { class: 'muted' }, 'No messages.')])))
}

export class TracesView {
  readonly el: HTMLElement
  private search = ''
  private sort = 'request_time_desc'
  private step: number | null = null
  private page = 0
  private expanded: string | null = null
  private scope = ''
  private steps: { step: number; count: number }[] = []
  private total = 0
  private seq = 0
  private stepSeq = 0
  private project = ''
  private runs: Run[] = []
  private mediaDir = ''
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly stepSelect = h('select', { 'aria-label': 'Step' })
  private readonly count = h('span', { class: 'muted count', role: 'status' })
  private readonly body = h('div', { class: 'traces-body' })

  constructor() {
    const search = h('input', { type: 'search', placeholder: 'Search the traces’ text', 'aria-label': 'Search traces', class: 'trace-search' })
    search.addEventListener('input', () => {
      clearTimeout(this.timer)
      this.timer = setTimeout(() => {
        this.search = search.value.trim()
        this.page = 0
        void this.load()
      }, 200)
    })
    this.stepSelect.addEventListener('change', () => {
      this.step = this.stepSelect.value === '' ? null : Number(this.stepSelect.value)
      this.page = 0
      void this.load()
    })
    const sort = h('select', { 'aria-label': 'Sort traces' }, ...SORTS.map(([v, label]) => h('option', { value: v }, label)))
    sort.addEventListener('change', () => {
      this.sort = sort.value
      this.page = 0
      void this.load()
    })
    this.el = h('section', { class: 'traces', 'data-panel': 'traces', 'aria-label': 'Traces' },
      h('div', { class: 'toolbar trace-tools' }, search, h('label', {}, 'Step ', this.stepSelect), h('label', {}, 'Sort ', sort), this.count),
      this.body)
  }

  /** Show the traces of these runs; a new scope (project or runs) starts over, the same one re-reads (live). */
  async show(project: string, runs: Run[], mediaDir: string): Promise<void> {
    const scope = `${project}\u0000${runs.map((r) => r.key).join(',')}`
    this.project = project
    this.runs = runs
    this.mediaDir = mediaDir
    if (scope !== this.scope) {
      this.scope = scope
      this.page = 0
      this.step = null
      this.expanded = null
      this.body.replaceChildren(h('p', { class: 'muted loading' }, 'Loading traces…'))
    }
    if (!runs.length) {
      this.count.textContent = ''
      this.body.replaceChildren(h('p', { class: 'muted empty' }, 'No run selected: tick runs in the sidebar to browse their traces.'))
      return
    }
    await Promise.all([this.loadSteps(), this.load()])
  }

  private async loadSteps(): Promise<void> {
    const seq = ++this.stepSeq
    const answers = await Promise.all(this.runs.map((r) => call<{ total: number; steps: { step: number; count: number }[] }>('get_trace_steps', { project: this.project, run: r.name, run_id: r.id })))
    if (seq !== this.stepSeq) return
    const merged = new Map<number, number>()
    for (const a of answers) for (const s of a.steps) merged.set(s.step, (merged.get(s.step) ?? 0) + s.count)
    this.steps = [...merged].map(([step, count]) => ({ step, count })).sort((a, b) => a.step - b.step)
    this.total = answers.reduce((n, a) => n + a.total, 0)
    if (this.step !== null && !merged.has(this.step)) this.step = null
    this.stepSelect.replaceChildren(h('option', { value: '', selected: this.step === null }, `All steps (${this.total})`),
      ...this.steps.map((s) => h('option', { value: String(s.step), selected: s.step === this.step }, `Step ${s.step} (${s.count})`)))
    if (!this.search) this.renderCount()
  }

  /** Traces matching the filters: how many there are, as far as the per-step counts tell (search narrows it). */
  private matching(): number {
    return this.step === null ? this.total : (this.steps.find((s) => s.step === this.step)?.count ?? 0)
  }

  /** The count next to the filters; with a search (which the per-step counts do not know) the matches seen so far. */
  private renderCount(seen?: number, more = false): void {
    const n = this.matching()
    this.count.textContent = this.search && seen !== undefined ? `${seen}${more ? '+' : ''} matching` : `${n} trace${n === 1 ? '' : 's'}`
  }

  private async load(): Promise<void> {
    const seq = ++this.seq
    const single = this.runs.length === 1
    const offset = this.page * PAGE_SIZE
    // Several runs: each run's first offset+50, merged and cut here (as Trackio's dashboard pages them).
    const args = { search: this.search || null, sort: this.sort, step: this.step, limit: single ? PAGE_SIZE + 1 : offset + PAGE_SIZE + 1, offset: single ? offset : 0 }
    const batches = await Promise.all(this.runs.map((r) => call<Trace[]>('get_traces', { project: this.project, run: r.name, run_id: r.id, ...args })))
    if (seq !== this.seq) return
    let list = mergeTraces(batches, this.sort)
    if (!single) list = list.slice(offset)
    const more = list.length > PAGE_SIZE
    list = list.slice(0, PAGE_SIZE)
    this.renderCount(offset + list.length, more)
    this.renderList(list, more)
  }

  private renderList(list: Trace[], more: boolean): void {
    if (!list.length) {
      this.body.replaceChildren(h('div', { class: 'empty' },
        h('p', {}, this.search || this.step !== null ? 'No trace matches the search or step.' : 'The selected runs logged no traces.'),
        h('p', { class: 'muted' }, 'Traces are logged with ', h('code', {}, 'trackio.log({"chat": trackio.Trace(messages=[…])})'), '.')))
      return
    }
    const names = new Map<string, number>()
    for (const r of this.runs) names.set(r.name, (names.get(r.name) ?? 0) + 1)
    const rows = list.flatMap((t) => {
      const { request, reply } = requestAndReply(t.messages)
      const open = this.expanded === t.id
      const toggle = () => {
        this.expanded = open ? null : t.id
        this.renderList(list, more)
        this.body.querySelector<HTMLElement>(`tr.trace-row[data-trace-id="${CSS.escape(t.id)}"]`)?.focus()
      }
      const row = h('tr', { class: 'trace-row', tabindex: 0, role: 'button', 'aria-expanded': String(open), 'data-trace-id': t.id, onclick: toggle },
        h('td', { class: 'mono', title: t.id }, shortTraceId(t.id)),
        h('td', { class: 'request' }, h('div', { class: 'req' }, request), h('div', { class: 'reply muted' }, reply)),
        h('td', {}, t.run + ((names.get(t.run) ?? 0) > 1 && t.run_id ? ` (${t.run_id.slice(0, 6)})` : '')),
        h('td', { class: 'num' }, t.step ?? '—'),
        h('td', { title: formatIso(t.timestamp) }, ago(t.timestamp)))
      row.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return
        e.preventDefault()
        toggle()
      })
      return nodes(row, open ? h('tr', { class: 'trace-open' }, h('td', { colspan: 5 }, detail(t, this.mediaDir))) : null)
    })
    const pages = Math.max(1, Math.ceil(this.matching() / PAGE_SIZE))
    const go = (d: number) => {
      this.page += d
      this.expanded = null
      void this.load()
    }
    this.body.replaceChildren(
      h('div', { class: 'table-wrap' }, h('table', { class: 'trace-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Trace'), h('th', { scope: 'col' }, 'Request'), h('th', { scope: 'col' }, 'Run'), h('th', { scope: 'col', class: 'num' }, 'Step'), h('th', { scope: 'col' }, 'Time'))),
        h('tbody', {}, ...rows))),
      h('nav', { class: 'pager', 'aria-label': 'Pages of traces' },
        h('button', { type: 'button', disabled: this.page === 0, onclick: () => go(-1) }, '← Previous'),
        h('span', { class: 'muted' }, this.search ? `Page ${this.page + 1}` : `Page ${this.page + 1} of ${pages}`),
        h('button', { type: 'button', disabled: !more, onclick: () => go(1) }, 'Next →')))
  }
}
