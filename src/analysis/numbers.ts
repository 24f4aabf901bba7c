import { formatFloat } from '../json/serialize'
import { JsonFloat, type Json, type JsonResult } from '../json/values'

/**
 * Computed metric values are plain JS numbers, and the serialisers write an integral number as an
 * integer: 1.5e300 would come out as 301 digits. Integral numbers beyond 2^53 are floats in truth
 * (no metric value is an exact integer that large after arithmetic), so they are marked as such.
 */
export function withFloats<T extends JsonResult>(value: T): T {
  return fix(value) as T
}

function fix(v: JsonResult | undefined): JsonResult | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) ? new JsonFloat(formatFloat(v)) : v
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = fix(v[i]) as Json
    return v
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, JsonResult | undefined>
    for (const k of Object.keys(o)) o[k] = fix(o[k])
  }
  return v
}
