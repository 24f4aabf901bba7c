import { JsonFloat, JsonRecords, type Json, type JsonResult } from './values'

/**
 * Float spelling of the two peers we mimic:
 *  - 'python': Python's repr (HTTP /api, Starlette JSONResponse): fixed iff 1e-4 <= |x| < 1e16,
 *    else `1e-07` / `1.5e+300` (sign, at least two exponent digits);
 *  - 'pydantic': MCP (pydantic-core): fixed iff 1e-5 <= |x| < 1e16, else `1e-7` / `1e+16`.
 * Both always carry `.0` on integral floats so a float stays a float.
 */
export type FloatStyle = 'python' | 'pydantic'

export interface StringifyOptions {
  style?: FloatStyle
  /** Indent width for pretty output (MCP text content); compact when absent. */
  indent?: number
  /** Write NaN/Infinity as bare tokens (MCP text) instead of null (HTTP, structured content). */
  nanTokens?: boolean
}

export function formatFloat(x: number, style: FloatStyle = 'python'): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(x)
  const low = style === 'python' ? 1e-4 : 1e-5
  if (abs >= low && abs < 1e16) {
    // JS prints fixed notation for 1e-7 <= |x| < 1e21 with the same shortest digits.
    const s = String(x)
    return s.includes('.') ? s : s + '.0'
  }
  const e = x.toExponential()
  if (style === 'pydantic') return e
  const at = e.indexOf('e')
  const exp = e.slice(at + 2)
  return e.slice(0, at + 2) + (exp.length < 2 ? '0' + exp : exp)
}

function nonFinite(x: number, tokens: boolean): string {
  if (!tokens) return 'null'
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'
}

/** Re-spell a stored float lexeme in the given style. */
export function floatLexeme(text: string, style: FloatStyle, nanTokens = false): string {
  const x = Number(text)
  return Number.isFinite(x) ? formatFloat(x, style) : nonFinite(x, nanTokens)
}

export function stringifyNumber(x: number, style: FloatStyle = 'python', nanTokens = false): string {
  if (!Number.isFinite(x)) return nonFinite(x, nanTokens)
  if (Number.isInteger(x) && !Object.is(x, -0)) {
    // An integral JS number beyond 1e21 would print in exponent form; spell digits exactly.
    return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString()
  }
  return formatFloat(x, style)
}

/**
 * Serialise a value of our model (values.ts) to JSON text. Non-ASCII stays raw, as Python's
 * json.dumps(ensure_ascii=False) and JSON.stringify both do; undefined object members are skipped.
 */
export function stringify(value: JsonResult | undefined, options: StringifyOptions = {}): string {
  const style = options.style ?? 'python'
  const tokens = options.nanTokens ?? false
  const indent = options.indent ?? 0
  const nl = indent ? '\n' : ''
  const colon = indent ? ': ' : ':'
  // Metric names repeat across thousands of rows: quote each once.
  const quoted = new Map<string, string>()
  const key = (k: string): string => {
    let q = quoted.get(k)
    if (q === undefined) {
      q = JSON.stringify(k)
      if (quoted.size < 10000) quoted.set(k, q)
    }
    return q
  }
  const write = (v: JsonResult | undefined, pad: string): string => {
    if (v === null || v === undefined) return 'null'
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v)
      case 'number':
        return stringifyNumber(v, style, tokens)
      case 'boolean':
        return v ? 'true' : 'false'
      case 'bigint':
        return v.toString()
    }
    if (v instanceof JsonFloat) return floatLexeme(v.text, style, tokens)
    const inner = indent ? pad + ' '.repeat(indent) : ''
    if (v instanceof JsonRecords) {
      if (v.length === 0) return '[]'
      const rowPad = inner + (indent ? ' '.repeat(indent) : '')
      // Separators and quoted keys are spelled once; strings and numbers skip the generic dispatch.
      const names = v.keys.map((k, j) => (j ? ',' : '') + nl + rowPad + key(k) + colon)
      const open = nl + inner + '{'
      const close = nl + inner + '}'
      const cols = v.columns
      const lexemes = v.keys.map((_, j) => v.lexemes[j])
      // Consecutive rows often share a string (the flush timestamp of a batch): quote it once.
      const lastString: (string | undefined)[] = names.map(() => undefined)
      const lastQuoted: string[] = names.map(() => '')
      let out = '['
      for (let i = 0; i < v.length; i++) {
        out += i ? ',' + open : open
        for (let j = 0; j < names.length; j++) {
          const lexeme = lexemes[j]?.[i]
          if (lexeme !== undefined) {
            out += names[j]! + lexeme
            continue
          }
          const item = cols[j]![i]
          if (typeof item === 'string') {
            if (item !== lastString[j]) {
              lastString[j] = item
              lastQuoted[j] = JSON.stringify(item)
            }
            out += names[j]! + lastQuoted[j]
          } else out += names[j]! + (typeof item === 'number' ? stringifyNumber(item, style, tokens) : write(item, rowPad))
        }
        out += close
      }
      return out + nl + pad + ']'
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]'
      let out = '['
      for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + nl + inner + write(v[i], inner)
      return out + nl + pad + ']'
    }
    let out = '{'
    let first = true
    if (v instanceof Map) {
      for (const [k, item] of v) {
        if (item === undefined) continue
        out += (first ? '' : ',') + nl + inner + key(k) + colon + write(item, inner)
        first = false
      }
    } else {
      for (const k in v) {
        const item = v[k]
        if (item === undefined) continue
        out += (first ? '' : ',') + nl + inner + key(k) + colon + write(item, inner)
        first = false
      }
    }
    return first ? '{}' : out + nl + pad + '}'
  }
  return write(value, '')
}

/**
 * Convert to plain JS values for libraries that serialise with JSON.stringify (the MCP SDK):
 * floats and big integers become JSON.rawJSON so their spelling survives; Maps become objects
 * (JS may then move integer-like keys first: the one place order can differ).
 */
export function toPlain(value: JsonResult | undefined, style: FloatStyle = 'pydantic'): unknown {
  const raw = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON
  const conv = (v: JsonResult | undefined): unknown => {
    if (v === null || v === undefined) return null
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v
      case 'number':
        return Number.isFinite(v) ? (Number.isInteger(v) && !Object.is(v, -0) ? v : raw(formatFloat(v, style))) : null
      case 'bigint':
        return raw(v.toString())
    }
    if (v instanceof JsonFloat) {
      const x = Number(v.text)
      return Number.isFinite(x) ? raw(formatFloat(x, style)) : null
    }
    if (v instanceof JsonRecords) return v.toArray().map(conv)
    if (Array.isArray(v)) return v.map(conv)
    const o: Record<string, unknown> = {}
    const entries = v instanceof Map ? v.entries() : Object.entries(v)
    for (const [k, item] of entries) if (item !== undefined) o[k] = conv(item as Json)
    return o
  }
  return conv(value)
}
