import type { Json } from '../json/values'
import { validateArguments } from './bind'
import type { ToolContext, ToolDef } from './define'

/** Validate already-bound arguments and run the tool. Gating of write tools happens in the transport. */
export async function callTool(tool: ToolDef, bound: Record<string, unknown>, ctx: ToolContext): Promise<Json> {
  const args = validateArguments(tool, bound)
  return await tool.handler(args, ctx)
}
