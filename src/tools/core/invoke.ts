import type { JsonResult } from '../../json/values'
import { retryWhileLocked } from '../../storage/db/connection'
import { validateArguments } from './bind'
import type { ToolContext, ToolDef } from './define'

/**
 * Validate already-bound arguments and run the tool. Gating of write tools happens in the transport.
 * A read that meets a database locked by another process is repeated (reads are safe to repeat);
 * write tools retry inside the storage layer, one whole transaction per attempt.
 */
export async function callTool(tool: ToolDef, bound: Record<string, unknown>, ctx: ToolContext): Promise<JsonResult> {
  const args = validateArguments(tool, bound)
  if (tool.access === 'read') return retryWhileLocked(() => tool.handler(args, ctx))
  return await tool.handler(args, ctx)
}
