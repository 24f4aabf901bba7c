/** A command line parsed against one command's known flags. */
export interface ParsedArgs {
  positionals: string[]
  flags: Map<string, string | true>
}

export interface FlagSpec {
  /** Flags that take a value (`--port 7860` or `--port=7860`). */
  values: string[]
  /** Flags that are on or off (`--mcp-server`). */
  switches: string[]
}

export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseArgs(argv: string[], spec: FlagSpec, command: string): ParsedArgs {
  const positionals: string[] = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = (eq > 0 ? a.slice(0, eq) : a).replace(/^-+/, '')
    if (a === '-h' || name === 'help') {
      flags.set('help', true)
    } else if (spec.switches.includes(name)) {
      if (eq > 0) throw new UsageError(`option --${name} takes no value`)
      flags.set(name, true)
    } else if (spec.values.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i]
      if (v === undefined) throw new UsageError(`option --${name} needs a value`)
      flags.set(name, v)
    } else {
      throw new UsageError(`unknown option '${a}' for '${command}'. See 'trackio ${command} --help'.`)
    }
  }
  return { positionals, flags }
}
