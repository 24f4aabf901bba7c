import { describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { JsonFloat } from '../../../src/json/values'
import {
  defineTool,
  intArg,
  isIntArg,
  isRawArg,
  jsonValueArg,
  projectArg,
  RAW_ARGS,
  rawValue,
  runArg,
  runIdArg,
  windowArg,
} from '../../../src/tools/core/define'

describe('intArg', () => {
  const step = intArg('a step')
  test('JSON integers and digit strings; exact beyond 2^53', () => {
    expect(step.parse(5)).toBe(5)
    expect(step.parse(' -7 ')).toBe(-7)
    expect(step.parse('+3')).toBe(3)
    expect(step.parse('9007199254740993')).toBe(9007199254740993n)
    expect(step.parse('9007199254740991')).toBe(9007199254740991)
  })
  test('floats, words and empty strings are refused', () => {
    for (const bad of [1.5, '1.5', 'five', '', true, null]) expect(step.safeParse(bad).success).toBe(false)
    expect(step.safeParse('x').error!.issues.some((i) => i.message === 'expected an integer')).toBe(true)
  })
})

describe('windowArg', () => {
  const w = windowArg('a window')
  test('numbers and numeric strings, truncated as Python int() does', () => {
    expect(w.parse(1.9)).toBe(1)
    expect(w.parse(-1.9)).toBe(-1)
    expect(w.parse('2.5')).toBe(2)
    expect(w.parse(' 10 ')).toBe(10)
    expect(w.parse(1e300)).toBe(1e300)
  })
  test('words are refused', () => {
    expect(w.safeParse('wide').success).toBe(false)
  })
})

describe('argument marks', () => {
  test('isIntArg sees through optional, nullable and default wrappers', () => {
    const s = intArg('s')
    expect(isIntArg(s)).toBe(true)
    expect(isIntArg(s.nullable().optional().default(null))).toBe(true)
    expect(isIntArg(windowArg('w').nullable())).toBe(true)
    expect(isIntArg(z.int())).toBe(false)
    expect(isIntArg(z.string().nullable())).toBe(false)
  })

  test('jsonValueArg is raw; plain schemas are not', () => {
    expect(isRawArg(jsonValueArg('metrics'))).toBe(true)
    expect(isRawArg(jsonValueArg('config').nullable().optional())).toBe(true)
    expect(isRawArg(z.record(z.string(), z.unknown()))).toBe(false)
  })

  test('rawValue prefers the lossless copy, else the validated value', () => {
    const lossless = new Map([['a', new JsonFloat('1.0')]])
    const args = { metrics: { a: 1 }, [RAW_ARGS]: new Map([['metrics', lossless]]) }
    expect(rawValue(args, 'metrics')).toBe(lossless)
    expect(rawValue({ metrics: { a: 1 } }, 'metrics')).toEqual({ a: 1 })
    expect(rawValue({}, 'metrics')).toBeUndefined()
  })
})

describe('shared arguments and defineTool', () => {
  test('run and run_id default to null; project is required', () => {
    const input = z.object({ project: projectArg, run: runArg, run_id: runIdArg })
    expect(input.parse({ project: 'p' })).toEqual({ project: 'p', run: null, run_id: null })
    expect(input.safeParse({}).success).toBe(false)
  })

  test('defineTool keeps the definition as given', () => {
    const handler = () => true
    const def = {
      name: 't',
      description: 'd',
      input: z.object({}),
      output: z.boolean(),
      result: 'boolean' as const,
      access: 'read' as const,
      example: {},
      handler,
    }
    // Only a typing aid: the very object comes back, so registry entries are the definitions.
    expect(defineTool(def)).toBe(def)
  })
})
