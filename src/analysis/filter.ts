import { BadRequestError } from '../errors'
import { AGGREGATES, type AggregateName } from './stats'

/**
 * The small expression language of list_runs.
 *
 *   filter   := or
 *   or       := and ("or" and)*
 *   and      := not ("and" not)*
 *   not      := "not" not | "(" or ")" | field op literal
 *   op       := = | == | != | < | <= | > | >=
 *   literal  := number | 'string' | "string" | true | false | null
 *   field    := config.<key>            a stored config value (`config.optimizer.lr` looks inside dicts)
 *             | run.name | run.id | run.created_at
 *             | <metric>.<aggregate>    aggregate: last first min max mean count nan_count inf_count
 *                                       last_step min_step max_step
 *   order_by := field [asc|desc] ("," field [asc|desc])*
 *
 * Names are runs of letters, digits and `_ / - : @`, joined by dots (`train/loss.min`); a name
 * part with other characters is written in backticks (`` `val loss`.last ``). Keywords are
 * case-insensitive. A comparison with a missing value (no such config key, a metric the run
 * lacks, a NaN last value) is false, except `= null`; `<`-style operators compare numbers with
 * numbers and strings with strings (by code point), anything else is false.
 */

export type Field =
  | { kind: 'config'; key: string }
  | { kind: 'run'; key: 'name' | 'id' | 'created_at' }
  | { kind: 'metric'; metric: string; agg: AggregateName }

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>='
export type Literal = number | string | boolean | null

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'cmp'; field: Field; op: Op; value: Literal }

export interface OrderKey {
  field: Field
  desc: boolean
}

type TokKind = 'name' | 'number' | 'string' | 'op' | 'lparen' | 'rparen' | 'comma' | 'dot' | 'end'
interface Token {
  kind: TokKind
  text: string
  /** The quoted/backticked part's content, or the name itself. */
  value: string
  pos: number
  quoted?: boolean
}

/** Longest expression accepted (a filter is a line, not a program). */
export const MAX_EXPRESSION_LENGTH = 2000

const NAME_START = /[A-Za-z_]/
const NAME_CHAR = /[A-Za-z0-9_/\-:@]/
const RUN_FIELDS = ['name', 'id', 'created_at'] as const

function fail(arg: string, src: string, pos: number, what: string): never {
  const near = pos >= src.length ? 'end of input' : `'${src.slice(pos, pos + 12)}'`
  throw new BadRequestError(`Invalid value for '${arg}': ${what} at position ${pos} (${near}) in: ${src}`)
}

function tokenize(src: string, arg: string): Token[] {
  if (src.length > MAX_EXPRESSION_LENGTH) throw new BadRequestError(`Invalid value for '${arg}': longer than ${MAX_EXPRESSION_LENGTH} characters`)
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const start = i
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      out.push({ kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === ',' ? 'comma' : 'dot', text: c, value: c, pos: start })
      i++
    } else if ('=!<>'.includes(c)) {
      let op = c
      if (src[i + 1] === '=') op += '='
      if (op === '!') fail(arg, src, start, "expected '!=' ")
      out.push({ kind: 'op', text: op, value: op === '==' ? '=' : op, pos: start })
      i += op.length
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1
      let value = ''
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++
        value += src[j]
        j++
      }
      if (j >= src.length) fail(arg, src, start, 'unterminated quote')
      out.push({ kind: c === '`' ? 'name' : 'string', text: src.slice(start, j + 1), value, pos: start, quoted: true })
      i = j + 1
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(src[i + 1] ?? ''))) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i))!
      if (NAME_START.test(src[i + m[0].length] ?? '')) fail(arg, src, start, 'a name cannot start with a digit (quote it in backticks)')
      out.push({ kind: 'number', text: m[0], value: m[0], pos: start })
      i += m[0].length
    } else if (NAME_START.test(c)) {
      let j = i + 1
      while (j < src.length && NAME_CHAR.test(src[j]!)) j++
      out.push({ kind: 'name', text: src.slice(i, j), value: src.slice(i, j), pos: start })
      i = j
    } else fail(arg, src, start, `unexpected character '${c}'`)
  }
  out.push({ kind: 'end', text: '', value: '', pos: src.length })
  return out
}

const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'null', 'asc', 'desc'])

class Parser {
  private i = 0
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
    private readonly arg: string,
  ) {}

  private peek(): Token {
    return this.toks[this.i]!
  }
  private next(): Token {
    return this.toks[this.i++]!
  }
  private isKeyword(t: Token, word: string): boolean {
    return t.kind === 'name' && !t.quoted && t.value.toLowerCase() === word
  }
  fail(t: Token, what: string): never {
    fail(this.arg, this.src, t.pos, what)
  }

  expectEnd(): void {
    const t = this.peek()
    if (t.kind !== 'end') this.fail(t, t.kind === 'rparen' ? "unmatched ')'" : "expected 'and', 'or' or the end")
  }

  or(): Expr {
    let left = this.and()
    while (this.isKeyword(this.peek(), 'or')) {
      this.next()
      left = { kind: 'or', left, right: this.and() }
    }
    return left
  }

  private and(): Expr {
    let left = this.not()
    while (this.isKeyword(this.peek(), 'and')) {
      this.next()
      left = { kind: 'and', left, right: this.not() }
    }
    return left
  }

  private not(): Expr {
    const t = this.peek()
    if (this.isKeyword(t, 'not')) {
      this.next()
      return { kind: 'not', expr: this.not() }
    }
    if (t.kind === 'lparen') {
      this.next()
      const inner = this.or()
      const close = this.next()
      if (close.kind !== 'rparen') this.fail(close, "expected ')'")
      return inner
    }
    const field = this.field()
    const op = this.next()
    if (op.kind !== 'op') this.fail(op, 'expected a comparison operator (= != < <= > >=)')
    return { kind: 'cmp', field, op: op.value as Op, value: this.literal() }
  }

  private literal(): Literal {
    const t = this.next()
    if (t.kind === 'number') return Number(t.value)
    if (t.kind === 'string') return t.value
    if (this.isKeyword(t, 'true')) return true
    if (this.isKeyword(t, 'false')) return false
    if (this.isKeyword(t, 'null')) return null
    this.fail(t, 'expected a value (a number, a quoted string, true, false or null)')
  }

  field(): Field {
    const first = this.peek()
    const parts: string[] = []
    for (;;) {
      const t = this.next()
      if (t.kind !== 'name' || (!t.quoted && KEYWORDS.has(t.value.toLowerCase()))) this.fail(t, 'expected a field such as config.lr, loss.min or run.name')
      parts.push(t.value)
      if (this.peek().kind !== 'dot') break
      this.next()
    }
    if (parts[0] === 'config' && !first.quoted && parts.length >= 2) return { kind: 'config', key: parts.slice(1).join('.') }
    if (parts[0] === 'run' && !first.quoted && parts.length === 2 && (RUN_FIELDS as readonly string[]).includes(parts[1]!))
      return { kind: 'run', key: parts[1] as (typeof RUN_FIELDS)[number] }
    const agg = parts[parts.length - 1]!
    if (parts.length >= 2 && (AGGREGATES as readonly string[]).includes(agg))
      return { kind: 'metric', metric: parts.slice(0, -1).join('.'), agg: agg as AggregateName }
    this.fail(first, `expected config.<key>, run.name|id|created_at or <metric>.<aggregate> with an aggregate among ${AGGREGATES.join(', ')}`)
  }

  orderKeys(): OrderKey[] {
    const keys: OrderKey[] = []
    for (;;) {
      const field = this.field()
      let desc = false
      const t = this.peek()
      if (this.isKeyword(t, 'asc') || this.isKeyword(t, 'desc')) {
        desc = this.isKeyword(t, 'desc')
        this.next()
      }
      keys.push({ field, desc })
      const sep = this.next()
      if (sep.kind === 'end') return keys
      if (sep.kind !== 'comma') this.fail(sep, "expected 'asc', 'desc', ',' or the end")
    }
  }
}

/** Parse a filter expression; a mistake is a BadRequestError naming the token and its position. */
export function parseFilter(src: string, arg = 'filter'): Expr {
  const p = new Parser(src, tokenize(src, arg), arg)
  const e = p.or()
  p.expectEnd()
  return e
}

/** Parse `field [asc|desc], …`. */
export function parseOrderBy(src: string, arg = 'order_by'): OrderKey[] {
  return new Parser(src, tokenize(src, arg), arg).orderKeys()
}

/** Every field an expression reads. */
export function fieldsOf(e: Expr | null): Field[] {
  if (e === null) return []
  if (e.kind === 'cmp') return [e.field]
  if (e.kind === 'not') return fieldsOf(e.expr)
  return [...fieldsOf(e.left), ...fieldsOf(e.right)]
}

/** Evaluate `e` with `lookup` giving each field's value (null when missing). */
export function evaluate(e: Expr, lookup: (f: Field) => Literal): boolean {
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, lookup) && evaluate(e.right, lookup)
    case 'or':
      return evaluate(e.left, lookup) || evaluate(e.right, lookup)
    case 'not':
      return !evaluate(e.expr, lookup)
    case 'cmp':
      return compare(lookup(e.field), e.op, e.value)
  }
}

function compare(a: Literal, op: Op, b: Literal): boolean {
  if (a === null || b === null) {
    if (op === '=') return a === b
    if (op === '!=') return (a === null) !== (b === null) && a !== null
    return false
  }
  if (op === '=') return a === b
  if (op === '!=') return a !== b
  if (typeof a !== typeof b || typeof a === 'boolean') return false
  const c = typeof a === 'number' ? a - (b as number) : codePointCompare(a as string, b as string)
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0
}

function codePointCompare(a: string, b: string): number {
  const x = [...a]
  const y = [...b]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!
    if (d) return d
  }
  return x.length - y.length
}

/** Sort comparator for order keys; missing values (null) always sort last. */
export function compareBy(keys: OrderKey[], lookup: (row: number, f: Field) => Literal): (a: number, b: number) => number {
  return (ra, rb) => {
    for (const k of keys) {
      const a = lookup(ra, k.field)
      const b = lookup(rb, k.field)
      if (a === null || b === null) {
        if (a !== b) return a === null ? 1 : -1
        continue
      }
      let c = 0
      if (typeof a === 'number' && typeof b === 'number') c = a - b
      else c = codePointCompare(String(a), String(b))
      if (c !== 0) return k.desc ? -c : c
    }
    return ra - rb
  }
}

/** How a field is written back (for answers that echo which metrics/keys were used). */
export function fieldText(f: Field): string {
  if (f.kind === 'config') return `config.${f.key}`
  if (f.kind === 'run') return `run.${f.key}`
  return `${f.metric}.${f.agg}`
}
