#!/usr/bin/env bun
import { VERSION } from '../version'
import { parseArgs, UsageError } from './args'
import { invokedAs, shellQuote } from './invoked'
import { serverConfig } from './config'
import { writeDemoData } from './demo'
import { DEMO_HELP, MAIN_HELP, SHOW_HELP } from './help'
import { startServer, startupLines } from './show'

const SHOW_FLAGS = { values: ['host', 'port', 'project', 'allowed-hosts', 'cors-origin', 'mcp-max-tokens', 'max-upload-bytes'], switches: ['mcp-server', 'log-requests', 'no-warm-up'] }

async function show(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SHOW_FLAGS, 'show')
  if (args.flags.has('help')) return print(SHOW_HELP)
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}' for 'show'. See 'trackio show --help'.`)
  const cfg = serverConfig(args, process.env)
  for (const w of cfg.warnings) console.error(`trackio: warning: ${w}`)
  const server = await startServer(cfg, process.env)
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    console.log('\nKeyboard interruption in main thread... closing server.')
    setTimeout(() => process.exit(0), 1500).unref()
    server.stop().finally(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // Handlers first: a supervisor that reads the URL may signal right away.
  console.log(startupLines(cfg, server, process.stdout.isTTY === true).join('\n'))
  return new Promise<number>(() => {})
}

async function demo(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: [], switches: [] }, 'demo')
  if (args.flags.has('help')) return print(DEMO_HELP)
  const dir = args.positionals[0]
  if (!dir || args.positionals.length > 1) throw new UsageError("'trackio demo' takes one argument, the directory to write. See 'trackio demo --help'.")
  const summary = await writeDemoData(dir)
  console.log(`Wrote a demo Trackio data directory to ${dir}:`)
  console.log(JSON.stringify(summary, null, 2))
  console.log(`\nServe it with:  TRACKIO_DIR=${shellQuote(dir)} ${invokedAs()} show`)
  return 0
}

function print(text: string): number {
  process.stdout.write(text)
  return 0
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  switch (cmd) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      return print(rest[0] === 'show' ? SHOW_HELP : rest[0] === 'demo' ? DEMO_HELP : MAIN_HELP)
    case '-V':
    case '--version':
    case 'version':
      return print(`trackio ${VERSION}\n`)
    case 'show':
      return show(rest)
    case 'demo':
      return demo(rest)
    default:
      throw new UsageError(`unknown command '${cmd}'. See 'trackio --help'.`)
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof UsageError) {
        console.error(`trackio: ${err.message}`)
        process.exit(2)
      }
      console.error(`trackio: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    },
  )
}
