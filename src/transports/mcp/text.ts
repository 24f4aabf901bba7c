import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { stringify, toPlain } from '../../json/serialize'
import { JsonRecords, type JsonResult } from '../../json/values'
import type { ToolDef } from '../../tools/core/define'

/** Human text as FastMCP writes it: pydantic float spelling, 2-space indent, NaN/Infinity as bare tokens. */
function pretty(value: JsonResult): string {
  return stringify(value, { style: 'pydantic', indent: 2, nanTokens: true })
}

/**
 * A tool's value as an MCP result (compat §9). structuredContent: lists and booleans wrapped as
 * `{"result": …}`, objects as themselves, floats and big integers spelled exactly (JSON.rawJSON).
 * Text: one item per list element (strings raw), one indented JSON item for anything else.
 */
export function renderResult(tool: ToolDef, result: JsonResult): CallToolResult {
  const value: JsonResult = result instanceof JsonRecords ? result.toArray() : result
  const text = (t: string) => ({ type: 'text' as const, text: t })
  if (tool.result === 'image' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { image_base64: data, mime_type: mimeType, ...rest } = toPlain(value) as Record<string, unknown>
    return {
      content: [{ type: 'image', data: String(data), mimeType: String(mimeType) }, text(stringify(rest as JsonResult, { style: 'pydantic' }))],
      structuredContent: { mime_type: mimeType, ...rest },
      isError: false,
    }
  }
  if (tool.result === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return { content: [text(pretty(value))], structuredContent: toPlain(value) as Record<string, unknown>, isError: false }
  }
  const structuredContent = { result: toPlain(value) }
  if (Array.isArray(value)) {
    return { content: value.map((el) => text(typeof el === 'string' ? el : pretty(el))), structuredContent, isError: false }
  }
  return { content: [text(pretty(value))], structuredContent, isError: false }
}

/** A failed call: a result, never a protocol error (compat §9). */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true }
}
