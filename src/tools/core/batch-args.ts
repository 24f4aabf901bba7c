import { z } from 'zod'
import { BadRequestError } from '../../errors'

/**
 * The arguments of Trackio's batch reads (get_logs_batch, get_system_logs_batch; spec 13), checked
 * with its messages: `runs` a list of at most 64 objects `{run?, run_id?}`, `max_points` null or
 * < 1 → 3000, capped at 10,000, an integer or integral float.
 */

export const BATCH_MAX_RUNS = 64
export const BATCH_MAX_POINTS = 10_000
export const BATCH_DEFAULT_POINTS = 3000

export interface BatchRun {
  run: string | null
  run_id: string | null
}

const optionalName = (v: unknown, field: string): string | null => {
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') throw new BadRequestError(`${field} must be a string or null`)
  return v
}

export const runsArg = z
  .unknown()
  .transform((runs): BatchRun[] => {
    if (!Array.isArray(runs)) throw new BadRequestError('runs must be a list')
    if (runs.length > BATCH_MAX_RUNS) throw new BadRequestError(`runs cannot contain more than ${BATCH_MAX_RUNS} entries`)
    return runs.map((r, i) => {
      if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new BadRequestError(`runs[${i}] must be an object`)
      const o = r as Record<string, unknown>
      return { run: optionalName(o.run, `runs[${i}].run`), run_id: optionalName(o.run_id, `runs[${i}].run_id`) }
    })
  })
  .describe(`Runs to read, in answer order: a list of at most ${BATCH_MAX_RUNS} objects \`{"run": name, "run_id": id}\` (either may be null).`)
  .meta({ type: 'array', items: { type: 'object', properties: { run: { type: ['string', 'null'] }, run_id: { type: ['string', 'null'] } } } })

export const maxPointsArg = z
  .unknown()
  .optional()
  .transform((v): number => {
    if (v === null || v === undefined) return BATCH_DEFAULT_POINTS
    if (typeof v === 'boolean') throw new BadRequestError('max_points must be a number or null')
    if (typeof v !== 'number' && typeof v !== 'bigint') throw new BadRequestError('max_points must be an integer or null')
    if (typeof v === 'number' && !Number.isInteger(v)) throw new BadRequestError('max_points must be a whole number')
    const n = typeof v === 'bigint' ? (v > BigInt(BATCH_MAX_POINTS) ? BATCH_MAX_POINTS : Number(v)) : v
    if (n < 1) return BATCH_DEFAULT_POINTS
    return Math.min(n, BATCH_MAX_POINTS)
  })
  .describe(`Points per run (default ${BATCH_DEFAULT_POINTS}, at most ${BATCH_MAX_POINTS}; null or < 1 means the default).`)
  .meta({ type: ['integer', 'null'] })

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off', ''])

/** Trackio's `_normalize_bool_param`: a boolean, null (false), or one of the strings it recognises. */
export function boolParam(name: string) {
  return z
    .unknown()
    .optional()
    .transform((v): boolean => {
      if (v === null || v === undefined) return false
      if (typeof v === 'boolean') return v
      if (typeof v === 'string') {
        const s = v.trim().toLowerCase()
        if (TRUE.has(s)) return true
        if (FALSE.has(s)) return false
      }
      throw new BadRequestError(`${name} must be a boolean`)
    })
    .meta({ type: ['boolean', 'null'] })
}
