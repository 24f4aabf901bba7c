import { relative } from 'node:path'

/**
 * How the user ran us, for commands we print: the compiled binary as typed (`./dist/trackio`,
 * `trackio`), or `bun <script>` when run from source.
 */
export function invokedAs(argv: readonly string[] = process.argv, argv0: string = process.argv0): string {
  const script = argv[1] ?? ''
  if (script.startsWith('/$bunfs/') || script.startsWith('B:/~BUN/')) return shellQuote(argv0 || 'trackio')
  return `bun ${shellQuote(relative(process.cwd(), script) || script)}`
}

/** A word as a POSIX shell reads it back: as is when plain, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
