/**
 * Downsampling a series to a point budget without hiding what matters.
 *
 * `minmax` (the default everywhere): the first and last points are always kept; the points in
 * between are cut into equal-count buckets and each bucket contributes its smallest and its
 * largest finite value (in their original order), so every spike and dip of the full series is
 * still in the answer. `lttb` (Largest-Triangle-Three-Buckets) keeps one visually representative
 * point per bucket: smoother plots, but a one-point spike may fall out.
 *
 * Non-finite values (NaN, ±Infinity) are never chosen as a bucket's min or max, but they are
 * never silently lost either: the first NaN and the first Infinity are always kept, a bucket with
 * no finite value keeps its first point, and `nonFinite` counts them all with the first step.
 * Both methods return ascending indices into the input, at most `maxPoints` of them.
 */

export type DownsampleMethod = 'minmax' | 'lttb' | 'none'

export const DOWNSAMPLE_METHODS = ['minmax', 'lttb', 'none'] as const

/** The smallest budget the methods accept (first, last, a non-finite point and a bucket's pair). */
export const MIN_POINTS = 8

export interface NonFinite {
  nan_count: number
  inf_count: number
  /** x (step) of the first NaN or ±Infinity, null when every value is finite. */
  first_nonfinite_step: number | null
}

/** Count NaN and ±Infinity in `ys` and find the first one's x. */
export function nonFinite(xs: ArrayLike<number>, ys: ArrayLike<number>): NonFinite {
  let nan = 0
  let inf = 0
  let first: number | null = null
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!
    if (Number.isFinite(y)) continue
    if (Number.isNaN(y)) nan++
    else inf++
    if (first === null) first = xs[i]!
  }
  return { nan_count: nan, inf_count: inf, first_nonfinite_step: first }
}

/** Indices of the first NaN and the first ±Infinity (each at most once). */
function firstNonFinite(ys: ArrayLike<number>): number[] {
  let nan = -1
  let inf = -1
  for (let i = 0; i < ys.length && (nan < 0 || inf < 0); i++) {
    const y = ys[i]!
    if (nan < 0 && Number.isNaN(y)) nan = i
    else if (inf < 0 && (y === Infinity || y === -Infinity)) inf = i
  }
  return [nan, inf].filter((i) => i >= 0)
}

/** Every index 0..n-1. */
function all(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

function checkBudget(maxPoints: number): void {
  if (!Number.isInteger(maxPoints) || maxPoints < MIN_POINTS) throw new RangeError(`maxPoints must be an integer >= ${MIN_POINTS}`)
}

/** Merge the kept indices with the reserved ones into ascending unique order. */
function withReserved(kept: number[], reserved: number[]): number[] {
  if (reserved.length === 0) return kept
  return [...new Set([...kept, ...reserved])].sort((a, b) => a - b)
}

/**
 * Extrema-preserving downsample (see the file comment): ascending indices, at most `maxPoints`,
 * including 0, n-1, the first NaN, the first ±Infinity, and each bucket's finite min and max.
 */
export function minmaxIndices(ys: ArrayLike<number>, maxPoints: number): number[] {
  checkBudget(maxPoints)
  const n = ys.length
  if (n <= maxPoints) return all(n)
  const reserved = firstNonFinite(ys).filter((i) => i !== 0 && i !== n - 1)
  const buckets = Math.floor((maxPoints - 2 - reserved.length) / 2)
  const inner = n - 2
  const kept: number[] = [0]
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor((b * inner) / buckets)
    const hi = 1 + Math.floor(((b + 1) * inner) / buckets)
    let iMin = -1
    let iMax = -1
    for (let i = lo; i < hi; i++) {
      const y = ys[i]!
      if (!Number.isFinite(y)) continue
      if (iMin < 0 || y < ys[iMin]!) iMin = i
      if (iMax < 0 || y > ys[iMax]!) iMax = i
    }
    if (iMin < 0) kept.push(lo)
    else if (iMin === iMax) kept.push(iMin)
    else kept.push(Math.min(iMin, iMax), Math.max(iMin, iMax))
  }
  kept.push(n - 1)
  return withReserved(kept, reserved)
}

/**
 * Largest-Triangle-Three-Buckets over (xs, ys): first and last kept, one point per bucket, the
 * one forming the largest triangle with the previous choice and the next bucket's mean. Only
 * finite points are chosen; the first NaN and ±Infinity are added back (see the file comment).
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints: number): number[] {
  checkBudget(maxPoints)
  const n = ys.length
  if (n <= maxPoints) return all(n)
  const reserved = firstNonFinite(ys).filter((i) => i !== 0 && i !== n - 1)
  const buckets = maxPoints - 2 - reserved.length
  const inner = n - 2
  const bounds = (b: number): [number, number] => [1 + Math.floor((b * inner) / buckets), 1 + Math.floor(((b + 1) * inner) / buckets)]
  const kept: number[] = [0]
  let a = 0
  for (let b = 0; b < buckets; b++) {
    const [lo, hi] = bounds(b)
    // Mean of the next bucket (the last point after the final bucket).
    let mx = 0
    let my = 0
    let m = 0
    const [nlo, nhi] = b + 1 < buckets ? bounds(b + 1) : [n - 1, n]
    for (let i = nlo; i < nhi; i++) {
      if (!Number.isFinite(ys[i]!) || !Number.isFinite(xs[i]!)) continue
      mx += xs[i]!
      my += ys[i]!
      m++
    }
    if (m > 0) {
      mx /= m
      my /= m
    } else {
      mx = xs[nhi - 1]!
      my = ys[a]!
    }
    const ax = xs[a]!
    const ay = Number.isFinite(ys[a]!) ? ys[a]! : my
    let best = -1
    let bestArea = -1
    for (let i = lo; i < hi; i++) {
      if (!Number.isFinite(ys[i]!)) continue
      const area = Math.abs((ax - mx) * (ys[i]! - ay) - (ax - xs[i]!) * (my - ay))
      if (area > bestArea) {
        bestArea = area
        best = i
      }
    }
    if (best < 0) best = lo
    kept.push(best)
    a = best
  }
  kept.push(n - 1)
  return withReserved(kept, reserved)
}

/** Indices chosen by `method` (`none`: every index). */
export function downsampleIndices(method: DownsampleMethod, xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints: number): number[] {
  if (method === 'none') return all(ys.length)
  return method === 'lttb' ? lttbIndices(xs, ys, maxPoints) : minmaxIndices(ys, maxPoints)
}

/**
 * Extrema-preserving choice of rows of a table with several numeric columns (get_logs,
 * get_system_logs with `max_points`): the first and last rows, the rows of each column's first
 * NaN and first Infinity, then for equal-count buckets of rows the rows holding each column's finite
 * min and max. `columns[k][i]` is column k of row i, undefined when row i lacks it. At most
 * `maxPoints` ascending indices; when even one bucket per column does not fit, the columns'
 * global extremes are taken in column order until the budget is spent.
 */
export function minmaxRows(n: number, columns: (number | undefined)[][], maxPoints: number): number[] {
  checkBudget(maxPoints)
  if (n <= maxPoints) return all(n)
  const chosen = new Set<number>([0, n - 1])
  for (const col of columns) for (const i of firstNonFinite(col as number[])) if (chosen.size < maxPoints) chosen.add(i)
  const k = Math.max(1, columns.length)
  const buckets = Math.max(1, Math.floor((maxPoints - chosen.size) / (2 * k)))
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets)
    const hi = Math.floor(((b + 1) * n) / buckets)
    for (const col of columns) {
      let iMin = -1
      let iMax = -1
      for (let i = lo; i < hi; i++) {
        const y = col[i]
        if (y === undefined || !Number.isFinite(y)) continue
        if (iMin < 0 || y < col[iMin]!) iMin = i
        if (iMax < 0 || y > col[iMax]!) iMax = i
      }
      for (const i of [iMin, iMax]) if (i >= 0 && chosen.size < maxPoints) chosen.add(i)
    }
  }
  return [...chosen].sort((a, b) => a - b)
}
