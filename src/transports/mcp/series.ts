import { minmaxIndices, nonFinite } from '../../analysis/downsample'
import { isNumeric, JsonFloat, type Json, type JsonRecords } from '../../json/values'

/** A metric series reduced to at most `maxPoints` points, with what was left out said plainly. */
export interface Series {
  total_points: number
  returned_points: number
  /** `none`: every point; `minmax`: per bucket the lowest and highest value, plus first and last (src/analysis/downsample.ts). */
  method: 'none' | 'minmax'
  /** Points whose value is not a number (strings, objects): never returned, counted here. */
  non_numeric: number
  nan_count: number
  inf_count: number
  /** Step of the first NaN or ±Infinity, always kept among the returned points. */
  first_nonfinite_step: number | string | null
  steps: (number | string)[]
  /** NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers). */
  values: (number | string)[]
}

function num(v: Json): number | null {
  if (!isNumeric(v)) return null
  if (v instanceof JsonFloat) return v.value
  return Number(v as number | bigint)
}

function stepOf(v: Json): number | string {
  return typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : Number(v)
}

function spell(x: number): number | string {
  return Number.isFinite(x) ? x : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'
}

/**
 * A metric's `{timestamp, step, value}` records as the resource shows them: numeric points only
 * (the rest counted), reduced with the extrema-preserving `minmax` of src/analysis/downsample.ts
 * (first and last kept, each bucket's min and max, the first NaN and Infinity), steps exact.
 */
export function downsample(records: JsonRecords, maxPoints: number): Series {
  const stepCol = records.keys.indexOf('step')
  const valueCol = records.keys.indexOf('value')
  const steps: (number | string)[] = []
  const values: number[] = []
  let nonNumeric = 0
  for (let i = 0; i < records.length; i++) {
    const v = num(records.at(valueCol, i))
    if (v === null) {
      nonNumeric++
      continue
    }
    steps.push(stepOf(records.at(stepCol, i)))
    values.push(v)
  }
  const keep = minmaxIndices(values, maxPoints)
  const bad = nonFinite(steps.map((_, i) => i), values)
  return {
    total_points: values.length,
    returned_points: keep.length,
    method: keep.length < values.length ? 'minmax' : 'none',
    non_numeric: nonNumeric,
    nan_count: bad.nan_count,
    inf_count: bad.inf_count,
    first_nonfinite_step: bad.first_nonfinite_step === null ? null : steps[bad.first_nonfinite_step]!,
    steps: keep.map((i) => steps[i]!),
    values: keep.map((i) => spell(values[i]!)),
  }
}
