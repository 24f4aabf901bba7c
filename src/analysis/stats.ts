/**
 * Summaries of one numeric series (x = step, y = value), all deterministic.
 *
 * Aggregates: `count` is every point, `nan_count`/`inf_count` the non-finite ones; `min`, `max`
 * and `mean` are over finite values (the first step reaching the min/max is reported); `last` is
 * the value at the last point, null when it is NaN/Inf (a diverged run must not look good).
 *
 * Spikes (robust, never fooled by the spike itself): each finite point is compared with the
 * median of the SPIKE_HALF_WINDOW finite points either side of it (itself excluded); the scale
 * is 1.4826 x the median absolute deviation of those neighbours (the MAD, a robust standard
 * deviation). A point is a spike when |y - median| > SPIKE_Z x scale and also exceeds
 * SPIKE_MIN_FRACTION of the series' finite range (so a perfectly flat series with tiny float
 * jitter has none). Adjacent spike points merge into one spike reported at its largest point.
 *
 * Trend, with the direction of "better" taken from the metric name (loss/error/perplexity… lower,
 * acc/f1/reward… higher; otherwise the direction the series moved over its first three quarters):
 *  - fewer than TREND_MIN_POINTS finite points: `insufficient_data`;
 *  - the last value is NaN/Inf: `diverging`;
 *  - the series, smoothed by a rolling median over 4% of its points, reverses direction by at least OSCILLATION_SWING of its range
 *    at least OSCILLATION_SWINGS times in its second half: `oscillating`;
 *  - otherwise the median of the last quarter is compared with the median of the quarter before
 *    it: moved by less than PLATEAU_FRACTION of the range → `plateaued`; moved the better way →
 *    `improving`; moved the worse way → `diverging`.
 */

export const SPIKE_HALF_WINDOW = 10
export const SPIKE_Z = 6
export const SPIKE_MIN_FRACTION = 0.05
export const TREND_MIN_POINTS = 8
export const PLATEAU_FRACTION = 0.05
export const OSCILLATION_SWING = 0.4
export const OSCILLATION_SWINGS = 3
/** Most spikes listed per series (the count says how many there were). */
export const MAX_SPIKES = 20

export interface Aggregates {
  count: number
  nan_count: number
  inf_count: number
  first: number | null
  last: number | null
  last_step: number | null
  min: number | null
  min_step: number | null
  max: number | null
  max_step: number | null
  mean: number | null
}

/** The aggregates a filter or order_by may name (`loss.min`, `acc.last` …). */
export const AGGREGATES = ['last', 'first', 'min', 'max', 'mean', 'count', 'nan_count', 'inf_count', 'last_step', 'min_step', 'max_step'] as const
export type AggregateName = (typeof AGGREGATES)[number]

const finiteOrNull = (y: number | undefined): number | null => (y !== undefined && Number.isFinite(y) ? y : null)

export function aggregate(xs: ArrayLike<number>, ys: ArrayLike<number>): Aggregates {
  const n = ys.length
  let nan = 0
  let inf = 0
  let iMin = -1
  let iMax = -1
  let sum = 0
  let finite = 0
  for (let i = 0; i < n; i++) {
    const y = ys[i]!
    if (!Number.isFinite(y)) {
      if (Number.isNaN(y)) nan++
      else inf++
      continue
    }
    finite++
    sum += y
    if (iMin < 0 || y < ys[iMin]!) iMin = i
    if (iMax < 0 || y > ys[iMax]!) iMax = i
  }
  return {
    count: n,
    nan_count: nan,
    inf_count: inf,
    first: finiteOrNull(ys[0]),
    last: finiteOrNull(ys[n - 1]),
    last_step: n ? xs[n - 1]! : null,
    min: iMin < 0 ? null : ys[iMin]!,
    min_step: iMin < 0 ? null : xs[iMin]!,
    max: iMax < 0 ? null : ys[iMax]!,
    max_step: iMax < 0 ? null : xs[iMax]!,
    mean: finite ? sum / finite : null,
  }
}

/** Median of a numeric array (sorted copy); NaN for an empty one. */
export function median(a: number[]): number {
  if (a.length === 0) return NaN
  const s = Float64Array.from(a).sort()
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** First index of the sorted a[0..n) holding a value >= v. */
function lowerBound(a: ArrayLike<number>, n: number, v: number): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Median absolute deviation from `med` of the sorted values at(0..n-1), without sorting: the
 * distances grow leftwards and rightwards from `med`, so two pointers merge them in order.
 */
function sortedMad(at: (j: number) => number, n: number, med: number): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (at(mid) < med) lo = mid + 1
    else hi = mid
  }
  let l = lo - 1
  let r = lo
  const want = n >> 1
  let prev = 0
  for (let c = 0; c <= want; c++) {
    const dl = l >= 0 ? med - at(l) : Infinity
    const dr = r < n ? at(r) - med : Infinity
    const d = dl <= dr ? dl : dr
    if (dl <= dr) l--
    else r++
    if (c === want) return n % 2 ? d : (prev + d) / 2
    prev = d
  }
  return prev
}

export type Spike = {
  step: number
  value: number
  /** The local median the point jumped away from. */
  baseline: number
  /** value - baseline (negative for a dip). */
  size: number
  /** |size| in robust standard deviations of the neighbours (null when they are all equal). */
  z: number | null
}

export interface SpikeReport {
  count: number
  /** The largest spikes (by |z|, then |size|), at most MAX_SPIKES, in step order. */
  spikes: Spike[]
}

/** Robust spike detection (see the file comment). Non-finite points are skipped. */
export function spikes(xs: ArrayLike<number>, ys: ArrayLike<number>): SpikeReport {
  let m = 0
  for (let i = 0; i < ys.length; i++) if (Number.isFinite(ys[i]!)) m++
  if (m < 2 * 3 + 1) return { count: 0, spikes: [] }
  // The finite points, packed (v) with their original positions (idx).
  const v = new Float64Array(m)
  const idx = new Int32Array(m)
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0, k = 0; i < ys.length; i++) {
    const y = ys[i]!
    if (!Number.isFinite(y)) continue
    v[k] = y
    idx[k++] = i
    if (y < lo) lo = y
    if (y > hi) hi = y
  }
  const range = hi - lo
  if (range === 0) return { count: 0, spikes: [] }
  const w = SPIKE_HALF_WINDOW
  const found: Spike[] = []
  let prev = -2
  // The window [a, a+L) of L = 2w+1 finite points around k (shifted inward at the ends), kept sorted.
  const L = Math.min(m, 2 * w + 1)
  const win = v.slice(0, L).sort()
  let a = 0
  const rest = L - 1
  const half = rest >> 1
  for (let k = 0; k < m; k++) {
    const na = Math.max(0, Math.min(k - w, m - L))
    while (a < na) {
      const out = lowerBound(win, L, v[a]!)
      win.copyWithin(out, out + 1, L)
      const x = v[a + L]!
      const at = lowerBound(win, L - 1, x)
      win.copyWithin(at + 1, at, L - 1)
      win[at] = x
      a++
    }
    const y = v[k]!
    // Median of the window without the point itself (at position `self` of the sorted window).
    const self = lowerBound(win, L, y)
    const nth = (j: number) => win[j < self ? j : j + 1]!
    const med = rest % 2 ? nth(half) : (nth(half - 1) + nth(half)) / 2
    const size = y - med
    if (Math.abs(size) <= SPIKE_MIN_FRACTION * range) continue
    const scale = 1.4826 * sortedMad(nth, rest, med)
    if (scale > 0 && Math.abs(size) <= SPIKE_Z * scale) continue
    const spike: Spike = { step: xs[idx[k]!]!, value: y, baseline: med, size, z: scale > 0 ? Math.abs(size) / scale : null }
    const last = found[found.length - 1]
    if (last && prev === k - 1 && Math.sign(last.size) === Math.sign(size)) {
      if (Math.abs(size) > Math.abs(last.size)) found[found.length - 1] = spike
    } else found.push(spike)
    prev = k
  }
  const strength = (s: Spike) => (s.z === null ? Infinity : s.z)
  const top = [...found]
    .sort((a, b) => strength(b) - strength(a) || Math.abs(b.size) - Math.abs(a.size) || a.step - b.step)
    .slice(0, MAX_SPIKES)
    .sort((a, b) => a.step - b.step)
  return { count: found.length, spikes: top }
}

export type Direction = 'lower' | 'higher' | 'unknown'
export type Trend = 'improving' | 'plateaued' | 'diverging' | 'oscillating' | 'insufficient_data'

const LOWER = /(loss|err|error|perplexity|ppl|mse|mae|rmse|nll|wer|cer|regret|cost|distance|latency|time)(\b|_|$)/i
const HIGHER = /(acc|accuracy|f1|precision|recall|auc|bleu|rouge|score|reward|return|iou|map|throughput|tokens_per_sec|samples_per_sec)(\b|_|$)/i

/** Which way is better for a metric, from its name's last path part. */
export function directionOf(metric: string): Direction {
  const last = metric.split('/').pop() ?? metric
  if (LOWER.test(last)) return 'lower'
  if (HIGHER.test(last)) return 'higher'
  return 'unknown'
}

/** Rolling median over finite values with half-window h (shrinking at the ends). */
function rollingMedian(ys: number[], h: number): number[] {
  return ys.map((_, i) => median(ys.slice(Math.max(0, i - h), Math.min(ys.length, i + h + 1))))
}

/** Direction reversals of at least `threshold` in a zig-zag walk over `ys`. */
function swings(ys: number[], threshold: number): number {
  let hi = ys[0]!
  let lo = ys[0]!
  let dir = 0
  let count = 0
  for (const y of ys) {
    if (dir === 0) {
      hi = Math.max(hi, y)
      lo = Math.min(lo, y)
      if (hi - y >= threshold) [dir, lo] = [-1, y]
      else if (y - lo >= threshold) [dir, hi] = [1, y]
    } else if (dir > 0) {
      if (y > hi) hi = y
      else if (hi - y >= threshold) [count, dir, lo] = [count + 1, -1, y]
    } else if (y < lo) lo = y
    else if (y - lo >= threshold) [count, dir, hi] = [count + 1, 1, y]
  }
  return count
}

export interface TrendReport {
  trend: Trend
  direction: Direction
  /** Median of the last quarter minus median of the quarter before it (null without data). */
  recent_change: number | null
}

/** Trend classification (see the file comment). */
export function trend(metric: string, ys: ArrayLike<number>): TrendReport {
  const named = directionOf(metric)
  const n = ys.length
  const finite: number[] = []
  for (let i = 0; i < n; i++) if (Number.isFinite(ys[i]!)) finite.push(ys[i]!)
  const base = { direction: named, recent_change: null }
  if (n > 0 && !Number.isFinite(ys[n - 1]!)) return { ...base, trend: 'diverging' }
  const m = finite.length
  if (m < TREND_MIN_POINTS) return { ...base, trend: 'insufficient_data' }
  // Long series are judged on at most 2,000 evenly spaced points (bounded cost, same shape).
  const step = Math.max(1, Math.floor(m / 2000))
  const y = step === 1 ? finite : finite.filter((_, i) => i % step === 0 || i === m - 1)
  const k = y.length
  const range = Math.max(...y) - Math.min(...y)
  const q = Math.max(1, Math.floor(k / 4))
  const tail = median(y.slice(k - q))
  const before = median(y.slice(k - 2 * q, k - q))
  const recent = tail - before
  let direction = named
  if (direction === 'unknown') {
    const early = median(y.slice(0, q)) - before
    direction = early > 0 ? 'lower' : early < 0 ? 'higher' : 'unknown'
  }
  const report = { direction: named, recent_change: recent }
  if (range === 0) return { ...report, trend: 'plateaued' }
  const smooth = rollingMedian(y, Math.max(1, Math.floor(k / 50)))
  if (swings(smooth.slice(Math.floor(k / 2)), OSCILLATION_SWING * range) >= OSCILLATION_SWINGS) return { ...report, trend: 'oscillating' }
  if (Math.abs(recent) < PLATEAU_FRACTION * range || direction === 'unknown') return { ...report, trend: 'plateaued' }
  const better = direction === 'lower' ? recent < 0 : recent > 0
  return { ...report, trend: better ? 'improving' : 'diverging' }
}
