import { describe, expect, test } from 'bun:test'
import { compareBy, evaluate, fieldsOf, parseFilter, parseOrderBy, type Field, type Literal } from '../../src/analysis/filter'
import { BadRequestError } from '../../src/errors'

const row: Record<string, Literal> = {
  'config.lr': 0.02,
  'config.optimizer': 'adam',
  'config.use_amp': true,
  'acc.last': 0.85,
  'train/loss.min': 0.3,
  'val loss.last': 0.5,
  'run.name': 'baseline',
}
const key = (f: Field) => (f.kind === 'config' ? `config.${f.key}` : f.kind === 'run' ? `run.${f.key}` : `${f.metric}.${f.agg}`)
const ev = (src: string) => evaluate(parseFilter(src), (f) => row[key(f)] ?? null)

function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestError)
    return (e as Error).message
  }
  throw new Error('no error')
}

describe('filter', () => {
  test('comparisons, and/or/not, parentheses, precedence (and binds tighter than or)', () => {
    expect(ev('config.lr > 0.01 and acc.last > 0.8')).toBe(true)
    expect(ev('config.lr > 0.01 and acc.last > 0.9')).toBe(false)
    expect(ev('config.lr > 0.05 or acc.last >= 0.85')).toBe(true)
    expect(ev('not config.lr > 0.05')).toBe(true)
    expect(ev('config.lr > 0.05 and acc.last > 0 or run.name = "baseline"')).toBe(true)
    expect(ev('config.lr > 0.05 and (acc.last > 0 or run.name = "baseline")')).toBe(false)
    expect(ev("config.optimizer == 'adam' and config.use_amp = true")).toBe(true)
    expect(ev('config.optimizer != "sgd"')).toBe(true)
    expect(ev('train/loss.min <= 0.3 and train/loss.min < 0.31 and train/loss.min >= 3e-1')).toBe(true)
    expect(ev('`val loss`.last = 0.5')).toBe(true)
    expect(ev('config.lr > 0 AND NOT acc.last < 0.5')).toBe(true)
  })
  test('missing values: comparisons are false, = null is true; mixed types are false', () => {
    expect(ev('config.missing > 0')).toBe(false)
    expect(ev('config.missing != 1')).toBe(false)
    expect(ev('config.missing = null')).toBe(true)
    expect(ev('config.lr != null')).toBe(true)
    expect(ev('config.optimizer > 1')).toBe(false)
    expect(ev('config.use_amp > false')).toBe(false)
  })
  test('fields: metric with aggregate split at the last dot, config keys with dots, run fields', () => {
    expect(fieldsOf(parseFilter('a.b.min > 1 and config.model.arch = "x" and run.created_at > "2026"'))).toEqual([
      { kind: 'metric', metric: 'a.b', agg: 'min' },
      { kind: 'config', key: 'model.arch' },
      { kind: 'run', key: 'created_at' },
    ])
  })
  test('errors name the offending token and its position', () => {
    expect(errorOf(() => parseFilter('config.lr > 0.01 and acc.last >'))).toContain('position 31 (end of input)')
    expect(errorOf(() => parseFilter('config.lr >> 1'))).toContain('position 11')
    expect(errorOf(() => parseFilter('loss.median > 1'))).toMatch(/aggregate among last, first, min.* at position 0 \('loss.median/)
    expect(errorOf(() => parseFilter('(config.lr > 1'))).toContain("expected ')' at position 14")
    expect(errorOf(() => parseFilter('config.lr > 1)'))).toContain("unmatched ')' at position 13")
    expect(errorOf(() => parseFilter('config.lr > 1 acc.last > 2'))).toContain("position 14 ('acc.last > 2')")
    expect(errorOf(() => parseFilter('config.lr = "open'))).toContain('unterminated quote at position 12')
    expect(errorOf(() => parseFilter('config.lr # 1'))).toContain("unexpected character '#' at position 10")
    expect(errorOf(() => parseFilter('x'.repeat(3000)))).toContain('longer than')
    expect(errorOf(() => parseFilter('and > 1'))).toContain('expected a field such as config.lr, loss.min or run.name at position 0')
  })
})

describe('order_by', () => {
  test('several keys, asc default, desc, missing values last', () => {
    const keys = parseOrderBy('loss.min asc, acc.last desc')
    expect(keys).toEqual([
      { field: { kind: 'metric', metric: 'loss', agg: 'min' }, desc: false },
      { field: { kind: 'metric', metric: 'acc', agg: 'last' }, desc: true },
    ])
    const rows: Record<string, Literal>[] = [
      { 'loss.min': 0.5, 'acc.last': 0.1 },
      { 'loss.min': null, 'acc.last': 0.9 },
      { 'loss.min': 0.2, 'acc.last': 0.3 },
      { 'loss.min': 0.5, 'acc.last': 0.7 },
    ]
    const order = [0, 1, 2, 3].sort(compareBy(keys, (i, f) => rows[i]![key(f)] ?? null))
    expect(order).toEqual([2, 3, 0, 1])
  })
  test('bad order_by: position of the token', () => {
    expect(errorOf(() => parseOrderBy('loss.min upward'))).toContain("expected 'asc', 'desc', ',' or the end at position 9")
  })
})
