import type { JsonResult } from '../../json/values'
import { retryWhileLocked, type ProjectDb } from '../../storage/db/connection'
import { runListAhead } from '../../storage/read/read-ahead'
import { checkArgumentNames, validateArguments, type NamedArgs } from './arguments'
import type { ToolContext, ToolDef } from './define'
import { presentedToken, requireWriteToken } from './write-token'

/**
 * Who is calling, as far as authorisation cares: the request whose headers, cookie or query may
 * carry a credential. A transport passes only the sources it trusts (MCP leaves cookies out).
 */
export interface Caller {
  request: Request | null
}

/** Decides whether `caller` may run a write tool with these arguments; throws 401/403 when not. */
export type Authorizer = (tool: ToolDef, caller: Caller, args: ReadonlyMap<string, unknown>) => void | Promise<void>

/** Local mode: the write token printed at startup, from the caller's request or the `write_token` argument. */
export function writeTokenAuthorizer(token: string): Authorizer {
  return (tool, caller, args) => requireWriteToken(token, presentedToken(caller.request, args.get('write_token')), `call ${tool.name}`)
}

/** A long project's run list read by the scan workers (nothing for a short one, or a name that is no project). */
async function runListFirst(ctx: ToolContext, project: unknown): Promise<void> {
  if (typeof project !== 'string') return
  let p: ProjectDb | null
  try {
    p = ctx.storage.project(project)
  } catch {
    return // the handler reports it
  }
  if (p) await runListAhead(p)
}

/** The one call pipeline every transport uses. */
export interface Invoker {
  readonly ctx: ToolContext
  invoke(tool: ToolDef, args: NamedArgs, caller: Caller): Promise<JsonResult>
}

/**
 * check names → authorise (write tools) → validate types → (read a long project's run list ahead) → run. A read that meets a database
 * locked by another process is repeated (reads are safe to repeat); write tools retry inside the
 * storage layer, one whole transaction per attempt. Errors are our named classes (src/errors.ts).
 */
export function createInvoker(ctx: ToolContext, authorize: Authorizer): Invoker {
  return {
    ctx,
    async invoke(tool, args, caller) {
      const named = checkArgumentNames(tool, args)
      if (tool.access === 'write') await authorize(tool, caller, named)
      const valid = validateArguments(tool, named)
      if (tool.readsRunList && (tool.readsRunList === true || tool.readsRunList(valid))) await runListFirst(ctx, valid.project)
      if (tool.access === 'read') return retryWhileLocked(() => tool.handler(valid, ctx))
      return await tool.handler(valid, ctx)
    },
  }
}
