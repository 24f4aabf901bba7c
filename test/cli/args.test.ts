import { describe, expect, test } from 'bun:test'
import { parseArgs, UsageError } from '../../src/cli/args'

const SPEC = { values: ['port', 'host'], switches: ['mcp-server'] }

describe('parseArgs', () => {
  test('values as separate or = arguments, switches, positionals in order', () => {
    const a = parseArgs(['proj', '--port', '7860', '--host=0.0.0.0', '--mcp-server', 'extra'], SPEC, 'show')
    expect(a.positionals).toEqual(['proj', 'extra'])
    expect([...a.flags]).toEqual([
      ['port', '7860'],
      ['host', '0.0.0.0'],
      ['mcp-server', true],
    ])
  })

  test('a single dash prefix and a value holding = are accepted', () => {
    const a = parseArgs(['-port=1', '--host', 'a=b'], SPEC, 'show')
    expect(a.flags.get('port')).toBe('1')
    expect(a.flags.get('host')).toBe('a=b')
  })

  test('-h and --help set help; - alone is a positional; after -- everything is positional', () => {
    expect(parseArgs(['-h'], SPEC, 'show').flags.get('help')).toBe(true)
    expect(parseArgs(['--help'], SPEC, 'show').flags.get('help')).toBe(true)
    const a = parseArgs(['-', '--', '--port', '-h'], SPEC, 'show')
    expect(a.positionals).toEqual(['-', '--port', '-h'])
    expect(a.flags.size).toBe(0)
  })

  test('a later value overrides an earlier one', () => {
    expect(parseArgs(['--port', '1', '--port', '2'], SPEC, 'show').flags.get('port')).toBe('2')
  })

  test('errors name the option and the command', () => {
    expect(() => parseArgs(['--port'], SPEC, 'show')).toThrow(new UsageError('option --port needs a value'))
    expect(() => parseArgs(['--mcp-server=yes'], SPEC, 'show')).toThrow(new UsageError('option --mcp-server takes no value'))
    expect(() => parseArgs(['--nope'], SPEC, 'show')).toThrow(new UsageError("unknown option '--nope' for 'show'. See 'trackio show --help'."))
    try {
      parseArgs(['-x'], SPEC, 'demo')
      throw new Error('no error')
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError)
      expect((e as Error).name).toBe('UsageError')
    }
  })
})
