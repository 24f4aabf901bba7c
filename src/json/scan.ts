import { JsonSyntaxError, parseJson } from './parse'

/** What a top-level value is, as far as subsampling cares. */
export type ValueKind = 'number' | 'histogram' | 'other'

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i)
    if (c === 32 || c === 10 || c === 13 || c === 9) i++
    else return i
  }
}

/** Letters, digits, `+`, `-`, `.`: what a number, true/false/null, NaN or Infinity is made of. */
function isScalarChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 45 || c === 46
}

/** Index just past the string starting at `i` (which holds `"`). */
function skipString(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 34) return i + 1
    if (c === 92) i++
  }
  throw new JsonSyntaxError('unterminated string', i)
}

/** Index just past the object or array starting at `i`. */
function skipNested(s: string, i: number): number {
  let depth = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 34) i = skipString(s, i) - 1
    else if (c === 123 || c === 91) depth++
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1
    }
  }
  throw new JsonSyntaxError('unterminated value', i)
}

/**
 * Visit the top-level keys of a JSON object text without building its values: far cheaper than a
 * full parse when only the key set matters (grouping rows for subsampling). Throws on malformed text.
 */
export function scanTopLevel(s: string, visit: (key: string, kind: ValueKind) => void, wantHistograms: boolean): void {
  let i = skipWs(s, 0)
  if (s.charCodeAt(i) !== 123) throw new JsonSyntaxError('expected an object', i)
  i = skipWs(s, i + 1)
  if (s.charCodeAt(i) === 125) return
  for (;;) {
    if (s.charCodeAt(i) !== 34) throw new JsonSyntaxError('expected a key', i)
    const end = skipString(s, i)
    const raw = s.slice(i + 1, end - 1)
    const key = raw.includes('\\') ? (JSON.parse(s.slice(i, end)) as string) : raw
    i = skipWs(s, end)
    if (s.charCodeAt(i) !== 58) throw new JsonSyntaxError("expected ':'", i)
    i = skipWs(s, i + 1)
    const c = s.charCodeAt(i)
    let kind: ValueKind = 'other'
    let next: number
    if (c === 34) next = skipString(s, i)
    else if (c === 123 || c === 91) {
      next = skipNested(s, i)
      if (c === 123 && wantHistograms) {
        const v = parseJson(s.slice(i, next))
        if (v instanceof Map && v.get('_type') === 'trackio.histogram') kind = 'histogram'
      }
    } else {
      // A scalar token (number, true/false/null, NaN, Infinity) is letters, digits, sign, dot; anything
      // else after it must be a separator, which the check below enforces.
      next = i
      while (next < s.length && isScalarChar(s.charCodeAt(next))) next++
      if (next === i) throw new JsonSyntaxError('expected a value', i)
      const first = s[i]
      // Digits, a sign, or the bare NaN/Infinity tokens of pre-2025-09 rows are numbers.
      if ((c >= 48 && c <= 57) || c === 45 || first === 'N' || first === 'I') kind = 'number'
    }
    visit(key, kind)
    i = skipWs(s, next)
    const sep = s.charCodeAt(i)
    if (sep === 125) return
    if (sep !== 44) throw new JsonSyntaxError("expected ',' or '}'", i)
    i = skipWs(s, i + 1)
  }
}
