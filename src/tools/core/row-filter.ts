import { BadRequestError } from '../../errors'
import type { RowFilter } from '../../storage/read/metrics'
import { parseInstant } from '../../storage/db/timestamps'

export interface FilterArgs {
  step: number | bigint | null
  around_step: number | bigint | null
  at_time: string | null
  window: number | null
}

/**
 * Trackio's row filter for get_metric_values and get_snapshot (compat §5): the first rule that
 * applies wins. `at_time` is compared as an instant (Trackio compares text and mostly finds nothing).
 */
export function rowFilter(a: FilterArgs): RowFilter {
  let instant: number | null = null
  if (a.at_time !== null) {
    instant = parseInstant(a.at_time)
    if (instant === null)
      throw new BadRequestError(`Invalid value for 'at_time': '${a.at_time}' is not an ISO 8601 date-time such as 2026-01-31T12:00:00Z`)
  }
  // SQLite steps are int64: a step outside that range cannot exist, and a range is clamped to it.
  if (a.step !== null) return inInt64(BigInt(a.step)) ? { kind: 'step', step: a.step } : { kind: 'none' }
  if (a.around_step !== null && a.window !== null) {
    if (!(a.window >= 0)) return { kind: 'none' }
    const c = BigInt(a.around_step)
    const w = Number.isFinite(a.window) ? BigInt(a.window) : INT64_MAX - INT64_MIN
    const lo = c - w > INT64_MIN ? c - w : INT64_MIN
    const hi = c + w < INT64_MAX ? c + w : INT64_MAX
    return lo > hi ? { kind: 'none' } : { kind: 'steps', lo: exact(lo), hi: exact(hi) }
  }
  if (instant !== null && a.window !== null) {
    if (a.window < 0) return { kind: 'none' }
    return { kind: 'time', lo: instant - a.window * 1e6, hi: instant + a.window * 1e6 }
  }
  // Trackio ignores `at_time` without `window` (every row); a snapshot at a time is more useful.
  if (instant !== null) return { kind: 'nearest', at: instant }
  return { kind: 'all' }
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function inInt64(b: bigint): boolean {
  return b >= INT64_MIN && b <= INT64_MAX
}

function exact(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b
}

export const FILTER_NOTES =
  'Filters, first match wins: `step` (exact; a step outside the 64-bit range matches nothing); `around_step` with `window` (steps within window either side, clamped to the 64-bit step range); ' +
  '`at_time` (ISO 8601) with `window` (rows logged within window seconds either side, compared as instants); ' +
  '`at_time` alone (the rows logged at the timestamp nearest to it, the earlier one on a tie); otherwise every row. ' +
  'Rows sharing a timestamp come in step order with `around_step`, as in Trackio.'
