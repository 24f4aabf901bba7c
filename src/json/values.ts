/**
 * The value model shared by every layer.
 *
 * Trackio's stored JSON carries facts that plain JS values lose: the int/float distinction
 * (`1` vs `1.0`), integers beyond 2^53, and key order for integer-like keys. Decoded stored
 * JSON therefore uses:
 *  - `JsonFloat` for a number written with `.`, `e` or `E` (its lexeme is kept);
 *  - `bigint` for an integer outside the safe range (a safe one is a plain `number`);
 *  - `Map` for objects, so insertion order survives.
 * Values the server computes itself may use plain numbers (integral → int) and plain objects.
 */
export class JsonFloat {
  constructor(readonly text: string) {}
  get value(): number {
    return Number(this.text)
  }
  valueOf(): number {
    return Number(this.text)
  }
}

/**
 * Many objects with the same keys, held by column: serialises exactly like an array of objects
 * but never allocates one object per row (200,000-point answers are the hot path).
 */
export class JsonRecords {
  /**
   * `lexemes[j][i]`, when set, is the number of column j row i as its stored text (an integer, or a
   * float in fixed notation at or above 1e-4): written verbatim, so the hot path neither parses nor
   * re-spells it. `columns[j][i]` is then unused.
   */
  constructor(
    readonly keys: readonly string[],
    readonly columns: readonly Json[][],
    readonly lexemes: readonly ((string | undefined)[] | undefined)[] = [],
  ) {}
  get length(): number {
    return this.columns[0]?.length ?? 0
  }
  /** Rows `start` to `end` (exclusive) as records of their own. */
  slice(start: number, end: number): JsonRecords {
    return new JsonRecords(
      this.keys,
      this.columns.map((c) => c.slice(start, end)),
      this.lexemes.map((l) => l?.slice(start, end)),
    )
  }
  /** Row i of column j as a value of the model. */
  at(j: number, i: number): Json {
    const lexeme = this.lexemes[j]?.[i]
    if (lexeme === undefined) return this.columns[j]![i]!
    if (/[.eE]/.test(lexeme)) return new JsonFloat(lexeme)
    const n = Number(lexeme)
    return Number.isSafeInteger(n) ? n || 0 : BigInt(lexeme)
  }
  /** The rows as plain objects, for consumers that need real arrays (MCP). */
  toArray(): { [key: string]: Json }[] {
    const out: { [key: string]: Json }[] = []
    for (let i = 0; i < this.length; i++) {
      const row: { [key: string]: Json } = {}
      this.keys.forEach((k, j) => (row[k] = this.at(j, i)))
      out.push(row)
    }
    return out
  }
}

export type JsonObject = Map<string, Json>

/**
 * A list in a request body left as its (already checked) text, for a tool that reads its items one
 * at a time (parse.ts `deferLists`, read with `listCursor` / `listValues`): a 50,000-entry batch then
 * never exists as 50,000 parsed objects at once. Only the body of a tool that asks for it holds one,
 * as a member value typed `Json`; the code reading that tool's arguments checks for it (not a `Json`
 * variant, so no serialiser or encoder ever has to know it).
 */
export class JsonListText {
  constructor(
    readonly text: string,
    /** Index of the list's `[` in `text`. */
    readonly start: number,
    /** How many items it holds. */
    readonly length: number,
    /** Index of its first item that is not an object (-1: every item is one). */
    readonly firstNonObject: number,
    /** The nesting depth of its items (for the parser's depth limit). */
    readonly itemDepth: number,
    readonly allowNonFinite: boolean,
    readonly maxDepth: number,
  ) {}
}

/** What a tool may answer: any value, or records held by column. */
export type JsonResult = Json | JsonRecords | { [key: string]: JsonResult | undefined }
export type Json =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonFloat
  | Json[]
  | JsonObject
  | { [key: string]: Json | undefined }

/** True for a number stored as a JSON float or a non-integral JS number. */
export function isFloat(v: unknown): boolean {
  return v instanceof JsonFloat || (typeof v === 'number' && !Number.isInteger(v))
}

/** int or float, bools excluded: Python's `isinstance(v, (int, float)) and not isinstance(v, bool)`. */
export function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof JsonFloat
}

/** An integer as a number when exact, else a bigint. */
export function intValue(v: bigint | number): number | bigint {
  if (typeof v === 'number') return v
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v
}
