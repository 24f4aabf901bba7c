import { BadRequestError } from '../../errors'
import { formatFloat } from '../../json/serialize'
import { JsonFloat, type Json } from '../../json/values'

/**
 * Values → the JSON bytes Trackio stores (compat §3): orjson's compact output after
 * Trackio replaced non-finite floats by the strings "NaN" / "Infinity" / "-Infinity".
 * orjson spells floats like pydantic-core (fixed iff 1e-5 <= |x| < 1e16, else `1e-7`,
 * `1e+16`), which is formatFloat's 'pydantic' style.
 */

const INT_MIN = -(2n ** 63n)
const UINT_MAX = 2n ** 64n - 1n
const encoder = new TextEncoder()

function nonFiniteString(x: number): string {
  return Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"'
}

/** A float as stored: orjson's spelling, non-finite ones as Trackio's strings ("NaN", "Infinity", "-Infinity"). */
export function floatText(x: number): string {
  return Number.isFinite(x) ? formatFloat(x, 'pydantic') : nonFiniteString(x)
}

const float = floatText

/**
 * An object already spelled as its stored text: the entry readers spell a batch's metrics as they
 * read them (ingest/entry-text.ts), so the values themselves are never built or kept.
 */
export class StoredJson {
  constructor(readonly text: string) {}
}

function int(v: bigint, path: string): string {
  if (v < INT_MIN || v > UINT_MAX) throw new BadRequestError(`Integer exceeds 64-bit range in '${path}': ${v}`)
  return v.toString()
}

function str(s: string, path: string): string {
  // A lone UTF-16 surrogate cannot be written as UTF-8; orjson refuses such strings.
  if (!s.isWellFormed()) throw new BadRequestError(`String is not valid UTF-8 (lone surrogate) in '${path}'`)
  return JSON.stringify(s)
}

/** Serialise one value to orjson's text; `path` names the offending key in errors. */
export function encodeJsonText(value: Json | undefined, path = ''): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'string':
      return str(value, path)
    case 'bigint':
      return int(value, path)
    case 'number':
      if (Number.isInteger(value) && !Object.is(value, -0)) {
        return Number.isSafeInteger(value) ? String(value) : int(BigInt(value), path)
      }
      return float(value)
  }
  if (value instanceof JsonFloat) return float(Number(value.text))
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + encodeJsonText(value[i], path)
    return out + ']'
  }
  let out = '{'
  let first = true
  const entries = value instanceof Map ? value.entries() : Object.entries(value)
  for (const [k, item] of entries) {
    if (item === undefined) continue
    const keyPath = path ? `${path}.${k}` : k
    out += (first ? '' : ',') + str(k, keyPath) + ':' + encodeJsonText(item as Json, keyPath)
    first = false
  }
  return out + '}'
}

/**
 * Texts of objects checked by `checkEncodable` (entries are validated before anything is written),
 * taken once by `encodeJson` so a 50,000-row batch is spelled once, not twice.
 */
const checked = new WeakMap<object, string>()

/** Throw (naming the key under `path`) unless `value` can be stored; remembers its text for `encodeJson`. */
export function checkEncodable(value: Json, path: string): void {
  const text = encodeJsonText(value, path)
  if (typeof value === 'object' && value !== null) checked.set(value, text)
}

/** The stored text of a value (taken from `checkEncodable` when it spelled it already). */
export function storedText(value: Json | StoredJson | undefined): string {
  if (value instanceof StoredJson) return value.text
  if (typeof value === 'object' && value !== null) {
    const text = checked.get(value)
    if (text !== undefined) {
      checked.delete(value)
      return text
    }
  }
  return encodeJsonText(value)
}

/** The stored BLOB for a metrics / system metrics / config object (UTF-8 JSON). */
export function encodeJson(value: Json | StoredJson | undefined): Uint8Array {
  return encoder.encode(storedText(value))
}
