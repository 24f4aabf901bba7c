import { isNumeric, JsonFloat, type Json, type JsonRecords } from '../../json/values'

/** A metric series reduced to at most `maxPoints` points, with what was left out said plainly. */
export interface Series {
  total_points: number
  returned_points: number
  /** `none`: every point; `minmax`: per bucket the lowest and highest value, plus first and last. */
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
 * Extrema-preserving downsampling of `{timestamp, step, value}` records: the numeric points are
 * cut into equal buckets and each bucket keeps its minimum and its maximum (so a spike survives),
 * the first and last points are always kept, and the first non-finite point too.
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
  const n = values.length
  let nan = 0
  let inf = 0
  let firstBad = -1
  for (let i = 0; i < n; i++) {
    const x = values[i]!
    if (Number.isFinite(x)) continue
    if (Number.isNaN(x)) nan++
    else inf++
    if (firstBad < 0) firstBad = i
  }
  let keep: number[]
  if (n <= maxPoints) keep = values.map((_, i) => i)
  else {
    const chosen = new Set<number>([0, n - 1])
    if (firstBad >= 0) chosen.add(firstBad)
    const buckets = Math.max(1, Math.floor((maxPoints - chosen.size) / 2))
    for (let b = 0; b < buckets; b++) {
      const lo = Math.floor((b * n) / buckets)
      const hi = Math.floor(((b + 1) * n) / buckets)
      let min = -1
      let max = -1
      for (let i = lo; i < hi; i++) {
        const x = values[i]!
        if (!Number.isFinite(x)) continue
        if (min < 0 || x < values[min]!) min = i
        if (max < 0 || x > values[max]!) max = i
      }
      if (min >= 0) chosen.add(min)
      if (max >= 0) chosen.add(max)
    }
    keep = [...chosen].sort((a, b) => a - b)
  }
  return {
    total_points: n,
    returned_points: keep.length,
    method: n <= maxPoints ? 'none' : 'minmax',
    non_numeric: nonNumeric,
    nan_count: nan,
    inf_count: inf,
    first_nonfinite_step: firstBad >= 0 ? steps[firstBad]! : null,
    steps: keep.map((i) => steps[i]!),
    values: keep.map((i) => spell(values[i]!)),
  }
}
