import type { ProjectDb } from '../../storage/db/connection'
import type { ToolContext } from './define'

/**
 * Run `fn` on a project's database inside one read transaction, or return `empty` when the
 * project has no database file (Trackio answers unknown projects with empty data).
 */
export function readProject<T>(ctx: ToolContext, project: string, empty: T, fn: (p: ProjectDb) => T): T {
  const p = ctx.storage.project(project)
  return p ? p.read(() => fn(p)) : empty
}
