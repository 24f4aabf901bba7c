import { JsonFloat, type Json, type JsonObject } from './values'

/** Thrown for text that is not JSON; `position` is the offending character index. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message)
    this.name = 'JsonSyntaxError'
  }
}

export interface ParseOptions {
  /** Accept the bare tokens NaN, Infinity and -Infinity (rows written by Trackio before 2025-09-05). */
  allowNonFinite?: boolean
  /** Reject nesting deeper than this (hostile request bodies). */
  maxDepth?: number
}

const decoder = new TextDecoder('utf-8', { fatal: false })

/** Decode a stored JSON column (BLOB as UTF-8 bytes, or TEXT). */
export function columnText(v: unknown): string {
  if (typeof v === 'string') return v
  if (v instanceof Uint8Array) return decoder.decode(v)
  if (v == null) return 'null'
  return String(v)
}

/**
 * Lossless JSON parser: objects become Maps (order kept), floats keep their lexeme,
 * integers beyond 2^53 become bigints. See values.ts.
 */
export function parseJson(text: string, options: ParseOptions = {}): Json {
  const p = new Parser(text, options)
  p.ws()
  const v = p.value(0)
  p.ws()
  if (p.i < text.length) p.fail('unexpected data after the JSON value')
  return v
}

/**
 * `parseJson` for large request bodies: the outer `depth` levels of objects and arrays are read
 * asynchronously, yielding to the event loop whenever `yieldEveryChars` more characters were read,
 * while each value below them is parsed synchronously. A 10 MB batch (its entries at depth 3) then
 * never holds the server for more than a slice. Same result and errors as `parseJson`.
 */
export async function parseJsonAsync(text: string, options: ParseOptions & { yieldEveryChars?: number; depth?: number } = {}): Promise<Json> {
  const p = new Parser(text, options)
  const every = options.yieldEveryChars ?? 256 * 1024
  const outer = options.depth ?? 3
  let last = 0
  const pause = async (): Promise<void> => {
    if (p.i - last < every) return
    last = p.i
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  const value = async (depth: number): Promise<Json> => {
    if (depth >= outer) return p.value(depth)
    const c = text.charCodeAt(p.i)
    if (c === 123) {
      p.open(depth + 1)
      const m: JsonObject = new Map()
      if (p.closeAt(125)) return m
      for (;;) {
        const k = p.memberKey()
        m.set(k, await value(depth + 1))
        await pause()
        if (p.next(125)) return m
      }
    }
    if (c === 91) {
      p.open(depth + 1)
      const a: Json[] = []
      if (p.closeAt(93)) return a
      for (;;) {
        a.push(await value(depth + 1))
        await pause()
        if (p.next(93)) return a
      }
    }
    return p.value(depth)
  }
  p.ws()
  const v = await value(0)
  p.ws()
  if (p.i < text.length) p.fail('unexpected data after the JSON value')
  return v
}

class Parser {
  i = 0
  private readonly allowNonFinite: boolean
  private readonly maxDepth: number
  constructor(
    private readonly s: string,
    options: ParseOptions,
  ) {
    this.allowNonFinite = options.allowNonFinite ?? true
    this.maxDepth = options.maxDepth ?? 512
  }

  fail(msg: string): never {
    throw new JsonSyntaxError(`${msg} at position ${this.i}`, this.i)
  }

  ws(): void {
    const s = this.s
    let i = this.i
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === 32 || c === 10 || c === 13 || c === 9) i++
      else break
    }
    this.i = i
  }

  value(depth: number): Json {
    const c = this.s.charCodeAt(this.i)
    if (c === 123) return this.object(depth + 1)
    if (c === 91) return this.array(depth + 1)
    if (c === 34) return this.string()
    if (c === 45 || (c >= 48 && c <= 57)) return this.number()
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null
    if (this.allowNonFinite) {
      if (this.s.startsWith('NaN', this.i)) return (this.i += 3), NaN
      if (this.s.startsWith('Infinity', this.i)) return (this.i += 8), Infinity
    }
    if (this.i >= this.s.length) this.fail('unexpected end of JSON')
    this.fail('unexpected character')
  }

  /** Step into an object or array at `depth` (the caller saw its opening bracket). */
  open(depth: number): void {
    if (depth > this.maxDepth) this.fail('JSON nested too deeply')
    this.i++
    this.ws()
  }

  /** Consume `close` (`}` 125 or `]` 93) if it is next: an empty object or array. */
  closeAt(close: number): boolean {
    if (this.s.charCodeAt(this.i) !== close) return false
    this.i++
    return true
  }

  /** `"key" :` of an object member; leaves the position at its value. */
  memberKey(): string {
    if (this.s.charCodeAt(this.i) !== 34) this.fail('expected a string key')
    const k = this.key()
    this.ws()
    if (this.s.charCodeAt(this.i) !== 58) this.fail("expected ':'")
    this.i++
    this.ws()
    return k
  }

  /** After a member or item: `,` (more follow, false) or `close` (done, true). */
  next(close: number): boolean {
    this.ws()
    const c = this.s.charCodeAt(this.i)
    if (c === 44) {
      this.i++
      this.ws()
      return false
    }
    if (c === close) {
      this.i++
      return true
    }
    this.fail(close === 125 ? "expected ',' or '}'" : "expected ',' or ']'")
  }

  object(depth: number): JsonObject {
    if (depth > this.maxDepth) this.fail('JSON nested too deeply')
    const m: JsonObject = new Map()
    this.i++
    this.ws()
    if (this.s.charCodeAt(this.i) === 125) return this.i++, m
    do m.set(this.memberKey(), this.value(depth))
    while (!this.next(125))
    return m
  }

  array(depth: number): Json[] {
    if (depth > this.maxDepth) this.fail('JSON nested too deeply')
    const a: Json[] = []
    this.i++
    this.ws()
    if (this.s.charCodeAt(this.i) === 93) return this.i++, a
    do a.push(this.value(depth))
    while (!this.next(93))
    return a
  }

  /** Keys repeat in every entry of a batch: one string per distinct key (a 50,000-entry body holds 7). */
  private readonly keys = new Map<string, string>()

  key(): string {
    const k = this.string()
    if (k.length > 64) return k
    const known = this.keys.get(k)
    if (known !== undefined) return known
    if (this.keys.size < 4096) this.keys.set(k, k)
    return k
  }

  string(): string {
    const s = this.s
    let i = this.i + 1
    const start = i
    // fast path: no escapes
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === 34) {
        this.i = i + 1
        return s.slice(start, i)
      }
      if (c === 92) break
      if (c < 32 || Number.isNaN(c)) {
        this.i = i
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string')
      }
      i++
    }
    let out = s.slice(start, i)
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === 34) {
        this.i = i + 1
        return out
      }
      if (c < 32 || Number.isNaN(c)) {
        this.i = i
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string')
      }
      if (c !== 92) {
        out += s[i]
        i++
        continue
      }
      const e = s.charCodeAt(i + 1)
      i += 2
      switch (e) {
        case 34: out += '"'; break
        case 92: out += '\\'; break
        case 47: out += '/'; break
        case 98: out += '\b'; break
        case 102: out += '\f'; break
        case 110: out += '\n'; break
        case 114: out += '\r'; break
        case 116: out += '\t'; break
        case 117: {
          const hex = s.slice(i, i + 4)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.i = i
            this.fail('invalid \\u escape')
          }
          out += String.fromCharCode(parseInt(hex, 16))
          i += 4
          break
        }
        default:
          this.i = i - 1
          this.fail('invalid escape')
      }
    }
  }

  number(): number | bigint | JsonFloat {
    const s = this.s
    const start = this.i
    let i = start
    if (s.charCodeAt(i) === 45) {
      i++
      if (this.allowNonFinite && s.startsWith('Infinity', i)) {
        this.i = i + 8
        return -Infinity
      }
    }
    const intStart = i
    let c = s.charCodeAt(i)
    if (c === 48) i++
    else if (c >= 49 && c <= 57) {
      while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++
    } else {
      this.i = i
      this.fail('invalid number')
    }
    let float = false
    if (s.charCodeAt(i) === 46) {
      float = true
      i++
      const d = i
      while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++
      if (i === d) {
        this.i = i
        this.fail('invalid number')
      }
    }
    c = s.charCodeAt(i)
    if (c === 101 || c === 69) {
      float = true
      i++
      c = s.charCodeAt(i)
      if (c === 43 || c === 45) i++
      const d = i
      while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++
      if (i === d) {
        this.i = i
        this.fail('invalid number')
      }
    }
    this.i = i
    const text = s.slice(start, i)
    if (float) return new JsonFloat(text)
    // An integer lexeme "-0" is the int 0 (Python reads it so), not the float -0.0.
    if (i - intStart < 16) return Number(text) || 0
    const b = BigInt(text)
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b
  }
}
