import { z } from 'zod'
import { MIN_POINTS, minmaxIndices, minmaxRows } from '../../analysis/downsample'
import { numberOf } from '../../analysis/series'
import { JsonRecords, type Json, type JsonObject } from '../../json/values'
import { nonFiniteOf } from '../../storage/db/decode'

export const MAX_POINTS_LIMIT = 100_000

/**
 * The optional `max_points` of Trackio's read tools over HTTP. Absent: the answer is exactly
 * Trackio's. Present: at most that many rows, chosen extrema-preserving (see analysis/downsample.ts).
 * Not offered over MCP, whose tool schemas stay Trackio's.
 */
export const maxPointsArg = z
  .int()
  .min(MIN_POINTS)
  .max(MAX_POINTS_LIMIT)
  .nullable()
  .default(null)
  .describe(
    `Optional (not part of Trackio's API): return at most this many rows (${MIN_POINTS}..${MAX_POINTS_LIMIT}), chosen to keep the first and last rows, ` +
      'each bucket\'s min and max and the first NaN/Inf. Absent: Trackio\'s answer, unchanged.',
  )

export const MAX_POINTS_NOTE =
  ' `max_points` (optional, ours): at most that many rows, extrema-preserving (first and last rows, each bucket\'s min and max, the first NaN/Inf kept); without it the answer is Trackio\'s.'

/** A numeric value, counting the stored "NaN"/"Infinity" strings (kept undecoded by scalar_only) as non-finite. */
function numericOrStored(v: Json | undefined): number | undefined {
  return numberOf(v) ?? nonFiniteOf(v)
}

/** A value as a number for choosing extremes: non-numbers count as NaN (kept visible, never an extreme). */
const asNumber = (v: Json | undefined): number => numberOf(v) ?? NaN

/** `{timestamp, step, value}` records downsampled on their `value` column. */
export function downsampleRecords(rec: JsonRecords, maxPoints: number | null): JsonRecords {
  if (maxPoints === null || rec.length <= maxPoints) return rec
  const j = rec.keys.indexOf('value')
  const lexemes = rec.lexemes[j]
  const col = rec.columns[j]!
  // A lexeme is an integer or fixed-notation float as stored: Number() reads it exactly.
  const ys = Array.from({ length: rec.length }, (_, i) => {
    const lexeme = lexemes?.[i]
    return lexeme !== undefined ? Number(lexeme) : asNumber(col[i])
  })
  const keep = minmaxIndices(ys, maxPoints)
  return new JsonRecords(
    rec.keys,
    rec.columns.map((c) => keep.map((i) => c[i]!)),
    rec.lexemes.map((l) => (l ? keep.map((i) => l[i]) : l)),
  )
}

/** Rows (metric dicts) downsampled so each numeric key keeps its per-bucket extremes. */
export function downsampleRows<T>(rows: T[], metricsOf: (row: T) => JsonObject, maxPoints: number | null, skip: string[] = []): T[] {
  if (maxPoints === null || rows.length <= maxPoints) return rows
  const cols = new Map<string, (number | undefined)[]>()
  rows.forEach((row, i) => {
    for (const [k, v] of metricsOf(row)) {
      if (skip.includes(k)) continue
      const n = numericOrStored(v)
      if (n === undefined) continue
      let col = cols.get(k)
      if (!col) cols.set(k, (col = new Array(rows.length)))
      col[i] = n
    }
  })
  return minmaxRows(rows.length, [...cols.values()], maxPoints).map((i) => rows[i]!)
}

/** `{timestamp, step, value}` point lists downsampled on `value`. */
export function downsamplePoints(points: Json[], maxPoints: number | null): Json[] {
  if (maxPoints === null || points.length <= maxPoints) return points
  const ys = points.map((pt) => asNumber((pt as { value?: Json }).value))
  return minmaxIndices(ys, maxPoints).map((i) => points[i]!)
}

/**
 * For get_logs on a long run: which rows to keep, chosen from the rows' raw JSON with the native
 * parser (values only need to be compared, not spelled), so that only the kept rows are decoded
 * losslessly. In scalar mode rows without a numeric or histogram value are left out first, as
 * Trackio's subsampling does. Null when a row is not plain JSON (legacy bare NaN tokens): the caller
 * then decodes every row.
 */
export function extremaRowIndices(texts: string[], scalarOnly: boolean, maxPoints: number): number[] | null {
  const cols = new Map<string, (number | undefined)[]>()
  const rows: number[] = []
  for (let i = 0; i < texts.length; i++) {
    let o: unknown
    try {
      o = JSON.parse(texts[i]!)
    } catch {
      return null
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) o = {}
    const entries = Object.entries(o as Record<string, unknown>)
    if (scalarOnly && !entries.some(([, v]) => isScalarJs(v))) continue
    const r = rows.length
    rows.push(i)
    for (const [k, v] of entries) {
      const n = typeof v === 'number' ? v : nonFiniteOf(v)
      if (n === undefined) continue
      let col = cols.get(k)
      if (!col) cols.set(k, (col = []))
      col[r] = n
    }
  }
  for (const col of cols.values()) col.length = rows.length
  return minmaxRows(rows.length, [...cols.values()], maxPoints).map((r) => rows[r]!)
}

/** Scalar for scalar_only, on natively parsed JSON: a number (not a stored NaN string) or a histogram. */
function isScalarJs(v: unknown): boolean {
  if (typeof v === 'number') return true
  return v !== null && typeof v === 'object' && (v as { _type?: unknown })._type === 'trackio.histogram'
}
