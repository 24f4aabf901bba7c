import { minmaxIndices } from '../../analysis/downsample'
import { BadRequestError } from '../../errors'
import { stringify } from '../../json/serialize'
import { JsonRecords, type Json, type JsonObject, type JsonResult } from '../../json/values'
import { downsamplePoints, downsampleRecords, downsampleRows } from '../../tools/core/max-points'

/**
 * Every MCP tool answer fits a token budget (default 20,000 tokens, counted as bytes / 4 of what the
 * client receives: the text and the structured content). A list too long for it is downsampled
 * extrema-preserving (first and last rows, each bucket's min and max of every numeric column, the
 * first NaN/Inf kept), and the answer says so. HTTP answers are never touched.
 */

export const DEFAULT_MCP_MAX_TOKENS = 20_000
const BYTES_PER_TOKEN = 4
const MIN_ROWS = 8
/** Rows measured to estimate the size of a long list. */
const SAMPLE_ROWS = 500

/** Every `step`-th row of records. */
function pick(rec: JsonRecords, step: number): JsonRecords {
  const idx = Array.from({ length: Math.ceil(rec.length / step) }, (_, i) => i * step)
  return new JsonRecords(
    rec.keys,
    rec.columns.map((c) => idx.map((i) => c[i]!)),
    rec.lexemes.map((l) => (l ? idx.map((i) => l[i]) : l)),
  )
}

/** Rows of a list answer, as the text needs them. */
function rowsOf(value: JsonResult): Json[] | null {
  if (value instanceof JsonRecords) return null
  return Array.isArray(value) ? value : null
}

function cell(v: Json | undefined): string {
  if (v === undefined) return ''
  if (typeof v === 'string') return v.replace(/[\t\n\r]/g, ' ')
  return stringify(v, { style: 'pydantic', nanTokens: true })
}

function isRecord(v: Json): v is JsonObject {
  return v instanceof Map
}

/**
 * The compact text of an answer: a table (header line, one tab-separated line per row) for a list
 * of records, one line per item for other lists, compact JSON for anything else.
 */
export function compactText(value: JsonResult): string {
  const series = seriesOf(value)
  if (series) return seriesText(value as JsonObject, series)
  if (value instanceof JsonRecords) {
    const lines = [value.keys.join('\t')]
    for (let i = 0; i < value.length; i++) lines.push(value.keys.map((_, j) => cell(value.at(j, i))).join('\t'))
    return lines.join('\n')
  }
  const rows = rowsOf(value)
  if (rows && rows.length && rows.every(isRecord)) {
    const keys: string[] = []
    const seen = new Set<string>()
    for (const r of rows as JsonObject[]) for (const k of r.keys()) if (!seen.has(k)) seen.add(k), keys.push(k)
    return [keys.join('\t'), ...(rows as JsonObject[]).map((r) => keys.map((k) => cell(r.get(k))).join('\t'))].join('\n')
  }
  if (rows) return rows.map((r) => cell(r)).join('\n')
  return stringify(value, { style: 'pydantic', nanTokens: true })
}

/**
 * get_metric_history as text: per series one line of facts, then `step value` lines (timestamps
 * stay in the structured content), so the text is a fraction of the JSON.
 */
function seriesText(value: JsonObject, series: Series[]): string {
  const facts = [...value].filter(([k]) => k !== 'series').map(([k, v]) => `${k}: ${cell(v)}`)
  const out = facts.length ? [facts.join(', ')] : []
  for (const s of series) {
    const head = [...s].filter(([k, v]) => !Array.isArray(v) && k !== 'timestamps').map(([k, v]) => `${k}=${cell(v)}`)
    out.push(`# ${head.join(' ')}`, 'step\tvalue')
    const steps = (s.get('steps') as Json[] | undefined) ?? []
    const values = s.get('values') as Json[]
    for (let i = 0; i < values.length; i++) out.push(`${cell(steps[i])}\t${cell(values[i])}`)
  }
  return out.join('\n')
}

function length(value: JsonResult): number {
  return value instanceof JsonRecords ? value.length : Array.isArray(value) ? value.length : 0
}

function shrinkList(value: JsonResult, k: number): JsonResult {
  if (value instanceof JsonRecords) return downsampleRecords(value, k)
  const rows = value as Json[]
  if (rows.every(isRecord)) return downsampleRows(rows as JsonObject[], (r) => r, k, ['step', 'timestamp'])
  return rows.slice(0, k)
}

type Series = Map<string, Json>

/** get_metric_history-shaped objects: `series` of parallel `steps` / `values` / `timestamps` arrays. */
function seriesOf(value: JsonResult): Series[] | null {
  if (!(value instanceof Map)) return null
  const s = value.get('series')
  if (!Array.isArray(s) || !s.every((x) => x instanceof Map && Array.isArray(x.get('values')))) return null
  return s as Series[]
}

function shrinkSeries(value: JsonObject, perSeries: number): JsonObject {
  const out = new Map(value)
  out.set(
    'series',
    (value.get('series') as Series[]).map((s) => {
      const values = s.get('values') as Json[]
      if (values.length <= perSeries) return s
      const keep = minmaxIndices(values.map((v) => (typeof v === 'number' ? v : NaN)), perSeries)
      const t = new Map(s)
      for (const key of ['steps', 'values', 'timestamps']) {
        const col = s.get(key)
        if (Array.isArray(col)) t.set(key, keep.map((i) => col[i]!))
      }
      t.set('returned_points', keep.length)
      t.set('method', 'minmax')
      return t
    }),
  )
  return out
}

/** get_snapshot-shaped objects: every value `{timestamp, step, value}` records (or a list of such points). */
function pointListsOf(value: JsonResult): boolean {
  if (!(value instanceof Map) || value.size === 0) return false
  for (const v of value.values() as Iterable<unknown>)
    if (!(v instanceof JsonRecords) && !(Array.isArray(v) && v.every((p) => p instanceof Map && p.has('value')))) return false
  return true
}

const listLength = (v: unknown): number => (v instanceof JsonRecords ? v.length : (v as Json[]).length)

function shrinkPointLists(value: JsonObject, perList: number): JsonObject {
  const out = new Map<string, Json>()
  for (const [k, v] of value as Map<string, unknown>) out.set(k, (v instanceof JsonRecords ? downsampleRecords(v, perList) : downsamplePoints(v as Json[], perList)) as Json)
  return out
}

export interface Budgeted {
  value: JsonResult
  text: string
  /** What was done to fit the budget, for the text; null when nothing was. */
  note: string | null
}

function size(value: JsonResult, text: string): number {
  return text.length + stringify(value, { style: 'pydantic' }).length
}

/** Fit an answer into `maxTokens`: downsample lists and series; anything else that does not fit is an error the caller reports. */
export function fitBudget(value: JsonResult, maxTokens: number): Budgeted {
  const limit = maxTokens * BYTES_PER_TOKEN
  const total = length(value)
  const series = seriesOf(value)
  const pointLists = pointListsOf(value)
  let current = value
  // A long list is measured on a sample first, so a 200,000-row answer is never spelled out whole.
  if (total > SAMPLE_ROWS * 4) {
    const step = Math.floor(total / SAMPLE_ROWS)
    const sample = value instanceof JsonRecords ? pick(value, step) : (value as Json[]).filter((_, i) => i % step === 0)
    const perRow = size(sample, compactText(sample)) / length(sample)
    if (perRow * total > limit) current = shrinkList(value, Math.max(MIN_ROWS, Math.floor((limit * 0.9) / perRow)))
  }
  if (pointLists) {
    const longest = Math.max(...[...(value as JsonObject).values()].map(listLength))
    if (longest > SAMPLE_ROWS * 4) {
      const sample = shrinkPointLists(value as JsonObject, SAMPLE_ROWS)
      const sampled = Math.max(...[...sample.values()].map(listLength))
      const perPoint = size(sample, compactText(sample)) / sampled
      if (perPoint * longest > limit) current = shrinkPointLists(value as JsonObject, Math.max(MIN_ROWS, Math.floor((limit * 0.9) / perPoint)))
    }
  }
  let text = compactText(current)
  let bytes = size(current, text)
  if (bytes <= limit && current === value) return { value, text, note: null }
  for (let attempt = 0; attempt < 6 && bytes > limit; attempt++) {
    if (pointLists) {
      const now = Math.max(...[...(current as JsonObject).values()].map(listLength))
      const k = Math.max(MIN_ROWS, Math.floor((now * limit * 0.9) / bytes))
      if (k >= now) break
      current = shrinkPointLists(value as JsonObject, k)
    } else if (total > MIN_ROWS) {
      const k = Math.max(MIN_ROWS, Math.floor((length(current) * limit * 0.9) / bytes))
      if (k >= length(current)) break
      current = shrinkList(value, k)
    } else if (series) {
      const longest = Math.max(...series.map((s) => (s.get('values') as Json[]).length))
      const now = Math.max(...(seriesOf(current) ?? series).map((s) => (s.get('values') as Json[]).length))
      const k = Math.max(MIN_ROWS, Math.floor((now * limit * 0.9) / bytes))
      if (k >= now || longest <= MIN_ROWS) break
      current = shrinkSeries(value as JsonObject, k)
    } else break
    text = compactText(current)
    bytes = size(current, text)
  }
  if (bytes > limit) throw new BudgetError(Math.ceil(bytes / BYTES_PER_TOKEN), maxTokens)
  const note = pointLists
    ? `Each metric's points downsampled to at most ${Math.max(...[...(current as JsonObject).values()].map(listLength))} to fit the answer budget of ${maxTokens.toLocaleString('en')} tokens (extrema-preserving minmax on value: first/last points and each bucket's min and max kept). Ask with step or around_step and window for exact rows.`
    : series
    ? `Series downsampled to fit the answer budget of ${maxTokens.toLocaleString('en')} tokens (extrema-preserving minmax: first/last points and each bucket's min and max kept; see returned_points and total_points). Ask for a step range or fewer series for finer detail.`
    : `${total.toLocaleString('en')} rows, ${length(current).toLocaleString('en')} returned: downsampled to fit the answer budget of ${maxTokens.toLocaleString('en')} tokens (extrema-preserving minmax: first and last rows, each bucket's min and max of every numeric column, the first NaN/Inf kept). For detail ask for a step range (around_step/window) or use get_metric_history.`
  return { value: current, text, note }
}

/** An answer that cannot be made to fit (an object with nothing to downsample). */
export class BudgetError extends BadRequestError {
  constructor(
    readonly tokens: number,
    readonly maxTokens: number,
  ) {
    super(
      `The answer would be about ${tokens.toLocaleString('en')} tokens, over this server's MCP answer budget of ${maxTokens.toLocaleString('en')}. ` +
        'Ask for less: fewer runs or metrics, a step range, or a lower max_points.',
    )
  }
}
