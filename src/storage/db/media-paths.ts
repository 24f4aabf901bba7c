/**
 * Rewriting `file_path` values inside stored JSON without re-encoding it: the text is scanned
 * token by token and only the string value of a `"file_path"` key whose value starts with one
 * of the prefixes is replaced, so every other byte (number spellings, NaN tokens, key order,
 * spacing of old `json.dumps` rows) stays as stored.
 */

export type PrefixMap = readonly (readonly [from: string, to: string])[]

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

/** The rewritten column value (same storage class: bytes stay bytes), or null when nothing changes. */
export function rewriteStoredJson(value: unknown, prefixes: PrefixMap): string | Uint8Array | null {
  if (typeof value === 'string') return rewriteFilePaths(value, prefixes)
  if (!(value instanceof Uint8Array)) return null
  let text: string
  try {
    text = utf8.decode(value)
  } catch {
    return null
  }
  const out = rewriteFilePaths(text, prefixes)
  return out === null ? null : encoder.encode(out)
}

/** `json` with matching `file_path` values re-prefixed, or null when none matched. */
export function rewriteFilePaths(json: string, prefixes: PrefixMap): string | null {
  if (!json.includes('file_path')) return null
  let out = ''
  let copied = 0
  let i = 0
  while (i < json.length) {
    if (json[i] !== '"') {
      i++
      continue
    }
    const end = stringEnd(json, i)
    let j = skipSpace(json, end)
    if (json[j] !== ':' || json.slice(i, end) !== '"file_path"') {
      i = end
      continue
    }
    j = skipSpace(json, j + 1)
    if (json[j] !== '"') {
      i = j
      continue
    }
    const valueEnd = stringEnd(json, j)
    const token = json.slice(j, valueEnd)
    const replaced = rePrefix(token, prefixes)
    if (replaced !== null) {
      out += json.slice(copied, j) + replaced
      copied = valueEnd
    }
    i = valueEnd
  }
  return copied === 0 ? null : out + json.slice(copied)
}

/** Index just past the string token starting at `start` (a `"`). */
function stringEnd(s: string, start: number): number {
  let k = start + 1
  while (k < s.length) {
    const c = s[k]
    if (c === '\\') k += 2
    else if (c === '"') return k + 1
    else k++
  }
  return s.length
}

function skipSpace(s: string, k: number): number {
  while (k < s.length && (s[k] === ' ' || s[k] === '\t' || s[k] === '\n' || s[k] === '\r')) k++
  return k
}

function rePrefix(token: string, prefixes: PrefixMap): string | null {
  let value: unknown
  try {
    value = JSON.parse(token)
  } catch {
    return null
  }
  if (typeof value !== 'string') return null
  for (const [from, to] of prefixes) {
    if (!value.startsWith(from)) continue
    const next = to + value.slice(from.length)
    // Rows written by Python's json.dumps escape every non-ASCII character; keep that style.
    const asciiOnly = /\\u/.test(token) && !/[^\x00-\x7e]/.test(token)
    return asciiOnly ? asciiJsonString(next) : JSON.stringify(next)
  }
  return null
}

function asciiJsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
