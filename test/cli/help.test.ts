import { describe, expect, spyOn, test } from 'bun:test'
import { UsageError } from '../../src/cli/args'
import { DEMO_HELP, MAIN_HELP, SHOW_HELP } from '../../src/cli/help'
import { main } from '../../src/cli/main'

/** Run main() in this process, capturing what it writes to stdout. */
async function printed(argv: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  const write = spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
    out += chunk
    return true
  }) as typeof process.stdout.write)
  try {
    return { code: await main(argv), out }
  } finally {
    write.mockRestore()
  }
}

/** The `--name` options of the Options section of `trackio show --help`, and whether each takes a value. */
function documentedShowOptions(): [string, boolean][] {
  const section = SHOW_HELP.slice(SHOW_HELP.indexOf('Options:'), SHOW_HELP.indexOf('Limits:'))
  return [...section.matchAll(/^ {2}(?:-h, )?--([a-z-]+)( [A-Z,]+)?/gm)].map((m) => [m[1]!, m[2] !== undefined])
}

describe('help texts', () => {
  test('each help is what main prints for its command', async () => {
    expect(await printed(['--help'])).toEqual({ code: 0, out: MAIN_HELP })
    expect(await printed([])).toEqual({ code: 0, out: MAIN_HELP })
    expect(await printed(['help', 'show'])).toEqual({ code: 0, out: SHOW_HELP })
    expect(await printed(['show', '--help'])).toEqual({ code: 0, out: SHOW_HELP })
    expect(await printed(['demo', '-h'])).toEqual({ code: 0, out: DEMO_HELP })
  })

  test('every option `trackio show --help` documents is one the show command accepts', async () => {
    const options = documentedShowOptions()
    expect(options.map(([n]) => n)).toEqual(['host', 'port', 'mcp-server', 'mcp-max-tokens', 'max-upload-bytes', 'project', 'allowed-hosts', 'cors-origin', 'log-requests', 'no-warm-up', 'help'])
    for (const [name, takesValue] of options) {
      const argv = ['show', `--${name}`, ...(takesValue ? ['1'] : []), '--help']
      expect(await printed(argv)).toEqual({ code: 0, out: SHOW_HELP })
    }
    // The check can fail: an option the command does not know is refused before help is printed.
    await expect(printed(['show', '--no-such-option', '--help'])).rejects.toThrow(UsageError)
  })

  test('the commands MAIN_HELP lists are the ones main knows', async () => {
    const commands = [...MAIN_HELP.matchAll(/^ {2}trackio ([a-z]+)/gm)].map((m) => m[1]!)
    expect(commands).toEqual(['show', 'demo'])
    for (const c of commands) expect((await printed([c, '--help'])).code).toBe(0)
  })

  test('the limits quoted are the ones enforced', () => {
    expect(SHOW_HELP).toContain('Request bodies over 33554432 bytes (32 MiB)')
    expect(SHOW_HELP).toContain('at most 64 levels')
  })
})
