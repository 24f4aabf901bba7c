import { columnText, parseJson } from '../../json/parse'
import { intValue, type Json, type JsonObject } from '../../json/values'

// A Map, not an object: `'constructor' in {}` is true, and a metric may well hold that string.
const NON_FINITE = new Map<string, number>([['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]])

/** The number Trackio's stored spelling "NaN", "Infinity" or "-Infinity" stands for; undefined for anything else. */
export function nonFiniteOf(v: unknown): number | undefined {
  return typeof v === 'string' ? NON_FINITE.get(v) : undefined
}

/** A stored top-level value: the strings "NaN", "Infinity", "-Infinity" are floats (compat §3). */
export function decodeTopLevel(v: Json): Json {
  return nonFiniteOf(v) ?? v
}

/**
 * A stored JSON object column (metrics, system metrics, config) → Map, with top-level non-finite
 * strings decoded (nested ones stay strings, as in Trackio). A row that is not an object reads as
 * an empty object; a row that is not JSON raises (the caller reports which project).
 */
export function decodeObject(column: unknown, decodeNonFinite = true): JsonObject {
  const v = parseJson(columnText(column))
  if (!(v instanceof Map)) return new Map()
  if (decodeNonFinite)
    for (const [k, item] of v) {
      const x = nonFiniteOf(item)
      if (x !== undefined) v.set(k, x)
    }
  return v
}

/** An INTEGER column read with safeIntegers: exact number or bigint. */
export function int(v: unknown): number | bigint | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint' || typeof v === 'number') return intValue(v)
  const n = Number(v)
  return Number.isInteger(n) ? n : null
}

/** A TEXT column that may hold anything (legacy rows): as a string, or null. */
export function text(v: unknown): string | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') return v
  return columnText(v)
}
