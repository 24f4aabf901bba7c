import { describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { BadRequestError } from '../../../src/errors'
import { JsonFloat, type Json } from '../../../src/json/values'
import { checkArgumentNames, MAX_ARGUMENTS, validateArguments } from '../../../src/tools/core/arguments'
import { defineTool, intArg, jsonValueArg, rawValue } from '../../../src/tools/core/define'

const tool = defineTool({
  name: 't',
  description: 'A tool.',
  input: z.object({ project: z.string(), step: intArg('step').nullable().optional().default(null), metrics: jsonValueArg('values').optional() }),
  output: z.unknown(),
  result: 'object',
  access: 'read',
  example: {},
  handler: () => null,
})

const message = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestError)
    return (e as Error).message
  }
  throw new Error('did not throw')
}

describe('checkArgumentNames', () => {
  test('unknown names: the first five quoted, the rest counted, long names cut', () => {
    const args: Record<string, unknown> = { project: 'p' }
    for (let i = 0; i < 8; i++) args[`x${i}`] = i
    expect(message(() => checkArgumentNames(tool, args))).toBe(
      "Unknown arguments 'x0', 'x1', 'x2', 'x3', 'x4' and 3 more for t; accepted: project, step, metrics, hf_token, write_token",
    )
    const long = 'y'.repeat(5000)
    const m = message(() => checkArgumentNames(tool, { project: 'p', [long]: 1 }))
    expect(m.length).toBeLessThan(200)
    expect(m).toContain(`'${'y'.repeat(64)}…'`)
  })

  test('an absurd number of arguments is refused before the names are looked at', () => {
    const many = new Map<string, unknown>(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i]))
    const m = message(() => checkArgumentNames(tool, many))
    expect(m).toStartWith('Too many arguments (200000) for t')
    expect(m.length).toBeLessThan(200)
    expect(MAX_ARGUMENTS).toBeLessThan(100)
  })

  test('missing required parameters; hf_token and write_token are always accepted', () => {
    expect(message(() => checkArgumentNames(tool, { step: 1 }))).toBe('Missing required parameter: project')
    expect([...checkArgumentNames(tool, { project: 'p', hf_token: null, write_token: 'x' }).keys()]).toEqual(['project', 'hf_token', 'write_token'])
  })
})

describe('validateArguments', () => {
  test('lossless values reach the handler through rawValue; zod sees plain JS', () => {
    const metrics = new Map<string, Json>([['a', new JsonFloat('1.0')], ['big', 2n ** 64n - 1n]])
    const v = validateArguments(tool, new Map<string, unknown>([['project', 'p'], ['metrics', metrics], ['step', 2n ** 60n]]))
    expect(rawValue(v, 'metrics')).toBe(metrics)
    expect(v.step).toBe(2n ** 60n)
  })

  test('type errors name the field and what was expected', () => {
    expect(message(() => validateArguments(tool, new Map<string, unknown>([['project', 5]])))).toBe("Invalid value for 'project': Invalid input: expected string, received number")
    expect(message(() => validateArguments(tool, new Map<string, unknown>([['project', 'p'], ['step', 1.5]])))).toBe("Invalid value for 'step': expected int or string")
  })
})
