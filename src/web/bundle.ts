/**
 * Build-time macro (imported `with { type: 'macro' }`): bundles the dashboard's browser code and stylesheet
 * into strings that are inlined into the server code, so `bun build --compile` embeds them in the binary
 * and a source run (`bun src/cli/main.ts`) serves the current files. Bun.build cannot run inside a macro,
 * so the CLI bundler is spawned instead.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const WEB = import.meta.dir
const ROOT = join(WEB, '..', '..')

export function dashboardJs(): string {
  const r = Bun.spawnSync(['bun', 'build', join(WEB, 'main.ts'), '--target=browser', '--format=iife', '--minify'], { cwd: ROOT })
  if (!r.success) throw new Error(`dashboard bundle failed: ${r.stderr.toString()}`)
  return r.stdout.toString()
}

export function dashboardCss(): string {
  const uplot = readFileSync(join(ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8')
  const ours = readFileSync(join(WEB, 'style.css'), 'utf8')
  // Whitespace and comments only: the stylesheet has no strings or urls where this could change meaning.
  const min = ours.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ').replace(/\s*([{}:;,>])\s*/g, '$1').trim()
  return uplot + '\n' + min
}
