import { compareCodePoints } from '../../storage/db/connection'
import { runKeys } from '../../storage/read/metrics'
import { listRuns, resolveRun } from '../../storage/read/runs'
import { readProject } from '../../tools/core/read-project'
import type { ToolContext } from '../../tools/core/define'

/** At most this many completion values are returned (the MCP limit is 100). */
export const MAX_COMPLETIONS = 100

/** Project, run and metric names an argument can take, given the arguments already chosen. */
export function namesFor(ctx: ToolContext, argument: string, chosen: Record<string, string | undefined>): string[] {
  const project = chosen.project
  if (argument === 'project') return ctx.storage.listProjects()
  if (project === undefined || project === '') return []
  if (argument === 'run' || argument === 'runs' || argument === 'run_a' || argument === 'run_b') {
    const names = readProject(ctx, project, [] as string[], (p) => listRuns(p).map((r) => r.name))
    // A run name may repeat (several runs of one name); offer it once, latest-created first.
    return [...new Set(names.reverse())]
  }
  if (argument === 'metric') {
    const run = chosen.run
    return readProject(ctx, project, [] as string[], (p) => {
      const runs = run ? [run] : listRuns(p).map((r) => r.name)
      const keys = new Set<string>()
      for (const r of runs.slice(-50)) {
        const f = resolveRun(p, 'metrics', r, null)
        if (f) for (const k of runKeys(p, 'metrics', f, ['timestamp', 'step'])) keys.add(k)
      }
      return [...keys].sort(compareCodePoints)
    })
  }
  return []
}

/** completion/complete's answer: names starting with what was typed (case-insensitive), then names containing it. */
export function complete(names: string[], typed: string): { values: string[]; total: number; hasMore: boolean } {
  const t = typed.toLowerCase()
  const starts = names.filter((n) => n.toLowerCase().startsWith(t))
  const contains = t === '' ? [] : names.filter((n) => !n.toLowerCase().startsWith(t) && n.toLowerCase().includes(t))
  const all = [...starts, ...contains]
  return { values: all.slice(0, MAX_COMPLETIONS), total: all.length, hasMore: all.length > MAX_COMPLETIONS }
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]!
}

/** Up to `n` known names closest to a missed one (case-insensitive edit distance, substrings first). */
export function closest(names: string[], missed: string, n = 3): string[] {
  const m = missed.toLowerCase()
  return names
    .slice(0, 5000)
    .map((name) => {
      const l = name.toLowerCase()
      return { name, d: l.includes(m) || m.includes(l) ? 0 : distance(l.slice(0, 64), m.slice(0, 64)) }
    })
    .filter((x) => x.d <= Math.max(2, Math.floor(m.length / 2)))
    .sort((a, b) => a.d - b.d || compareCodePoints(a.name, b.name))
    .slice(0, n)
    .map((x) => x.name)
}
