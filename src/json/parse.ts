import { JsonFloat, JsonListText, type Json, type JsonObject } from './values'

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
  const p = new JsonCursor(text, options)
  p.ws()
  const v = p.value(0)
  p.ws()
  if (p.i < text.length) p.fail('unexpected data after the JSON value')
  return v
}

export interface AsyncParseOptions extends ParseOptions {
  /** Characters read between two yields to the event loop (default 256 KiB). */
  yieldEveryChars?: number
  /** Levels of objects and arrays read asynchronously (default 3); values below are parsed at once. */
  depth?: number
  /**
   * Member names whose list values are kept as text (`JsonListText`, checked but not built), when
   * they are members of the top-level object or of its `kwargs` object (Trackio's body forms).
   */
  deferLists?: readonly string[]
}

/**
 * `parseJson` for large request bodies: the outer `depth` levels of objects and arrays are read
 * asynchronously, yielding to the event loop whenever `yieldEveryChars` more characters were read,
 * while each value below them is parsed synchronously. A 10 MB batch (its entries at depth 3) then
 * never holds the server for more than a slice. Same result and errors as `parseJson`, except that
 * lists named in `deferLists` come back as `JsonListText` (their text checked with the same errors).
 */
export async function parseJsonAsync(text: string, options: AsyncParseOptions = {}): Promise<Json> {
  const p = new JsonCursor(text, options)
  const every = options.yieldEveryChars ?? 256 * 1024
  const outer = options.depth ?? 3
  const deferred = new Set(options.deferLists ?? [])
  let last = 0
  const pause = async (): Promise<void> => {
    if (p.i - last < every) return
    last = p.i
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  /** The list at the position (value depth `depth`), checked item by item but kept as text. */
  const listText = async (depth: number): Promise<JsonListText> => {
    const start = p.i
    p.open(depth + 1)
    let n = 0
    let firstNonObject = -1
    if (!p.closeAt(93))
      for (;;) {
        if (firstNonObject < 0 && text.charCodeAt(p.i) !== 123) firstNonObject = n
        p.skip(depth + 1)
        n++
        await pause()
        if (p.next(93)) break
      }
    return new JsonListText(text, start, n, firstNonObject, depth + 1, p.allowNonFinite, p.maxDepth)
  }
  /** `defers`: this object's members named in `deferLists` are kept as text. */
  const value = async (depth: number, defers = false): Promise<Json> => {
    if (depth >= outer) return p.value(depth)
    const c = text.charCodeAt(p.i)
    if (c === 123) {
      p.open(depth + 1)
      const m: JsonObject = new Map()
      if (p.closeAt(125)) return m
      for (;;) {
        const k = p.memberKey()
        if (defers && deferred.has(k) && text.charCodeAt(p.i) === 91) m.set(k, (await listText(depth + 1)) as unknown as Json)
        else m.set(k, await value(depth + 1, defers && depth === 0 && k === 'kwargs'))
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
  const v = await value(0, deferred.size > 0)
  p.ws()
  if (p.i < text.length) p.fail('unexpected data after the JSON value')
  return v
}

/** A cursor at the first item of a deferred list; call `next(93)` between items (see `JsonCursor`). */
export function listCursor(list: JsonListText): JsonCursor {
  const c = new JsonCursor(list.text, { allowNonFinite: list.allowNonFinite, maxDepth: list.maxDepth })
  c.i = list.start
  c.open(list.itemDepth)
  return c
}

/** Item `index` of a deferred list as a value. */
export function listItem(list: JsonListText, index: number): Json {
  const c = listCursor(list)
  for (let i = 0; i < index; i++) {
    c.skip(list.itemDepth)
    c.next(93)
  }
  return c.value(list.itemDepth)
}

/** A deferred list's items as values. */
export function listValues(list: JsonListText): Json[] {
  const c = listCursor(list)
  const out: Json[] = []
  for (let i = 0; i < list.length; i++) {
    if (i) c.next(93)
    out.push(c.value(list.itemDepth))
  }
  return out
}

/**
 * The parser, one step at a time: `i` is the position in `s`. Readers of deferred lists use it
 * directly (`listCursor`): at an item, they read it (`value`, `skip`, or their own look at `s`),
 * leaving `i` just past it.
 */
export class JsonCursor {
  i = 0
  readonly allowNonFinite: boolean
  readonly maxDepth: number
  constructor(
    readonly s: string,
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

  /** Check the value at the position and step past it without building it: `value`'s errors, no values. */
  skip(depth: number): void {
    const c = this.s.charCodeAt(this.i)
    if (c === 123) {
      this.open(depth + 1)
      if (this.closeAt(125)) return
      do {
        if (this.s.charCodeAt(this.i) !== 34) this.fail('expected a string key')
        this.skipString()
        this.colon()
        this.skip(depth + 1)
      } while (!this.next(125))
    } else if (c === 91) {
      this.open(depth + 1)
      if (this.closeAt(93)) return
      do this.skip(depth + 1)
      while (!this.next(93))
    } else if (c === 34) this.skipString()
    else if (c === 45 || (c >= 48 && c <= 57)) this.scanNumber()
    else this.value(depth)
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
    this.colon()
    return k
  }

  /** `:` after a key, and the spaces around it. */
  colon(): void {
    this.ws()
    if (this.s.charCodeAt(this.i) !== 58) this.fail("expected ':'")
    this.i++
    this.ws()
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

  /** Step past the string at the position, checking it as `string` does. */
  skipString(): void {
    const s = this.s
    let i = this.i + 1
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === 34) {
        this.i = i + 1
        return
      }
      if (c === 92) {
        const e = s.charCodeAt(i + 1)
        i += 2
        if (e === 117) {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i, i + 4))) {
            this.i = i
            this.fail('invalid \\u escape')
          }
          i += 4
        } else if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) {
          this.i = i - 1
          this.fail('invalid escape')
        }
        continue
      }
      if (c < 32 || Number.isNaN(c)) {
        this.i = i
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string')
      }
      i++
    }
  }

  number(): number | bigint | JsonFloat {
    const start = this.i
    const kind = this.scanNumber()
    if (kind === NEG_INFINITY) return -Infinity
    const text = this.s.slice(start, this.i)
    if (kind === FLOAT) return new JsonFloat(text)
    // An integer lexeme "-0" is the int 0 (Python reads it so), not the float -0.0.
    if (this.i - start - (text.charCodeAt(0) === 45 ? 1 : 0) < 16) return Number(text) || 0
    const b = BigInt(text)
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b
  }

  /** Step past the number at the position (checked): INT, FLOAT (`.`, `e` or `E`) or NEG_INFINITY. */
  scanNumber(): number {
    const s = this.s
    let i = this.i
    if (s.charCodeAt(i) === 45) {
      i++
      if (this.allowNonFinite && s.startsWith('Infinity', i)) {
        this.i = i + 8
        return NEG_INFINITY
      }
    }
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
    return float ? FLOAT : INT
  }
}

/** What `scanNumber` read. */
export const INT = 0
export const FLOAT = 1
export const NEG_INFINITY = 2
