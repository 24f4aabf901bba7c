import type { CallToolResult } from '@modelcontextprotocol/server'
import { stringify, toPlain } from '../../json/serialize'
import { JsonRecords, type JsonResult } from '../../json/values'
import { DEFAULT_MCP_MAX_TOKENS, fitBudget } from './budget'
import type { ToolDef } from '../../tools/core/define'

export interface RenderOptions {
  /** The answer budget in tokens (DEFAULT_MCP_MAX_TOKENS unless configured). */
  maxTokens: number
  /** A sentence for the reader placed before the data (an empty answer explained, a default applied). */
  note?: string | null
}

/**
 * A tool's value as an MCP result (compat §9). structuredContent: lists and booleans wrapped as
 * `{"result": …}`, objects as themselves, floats and big integers spelled exactly (JSON.rawJSON).
 * Text: one compact block (a table for rows, compact JSON otherwise) after any note. Both fit the
 * answer budget: long lists and series are downsampled extrema-preserving, and the text says so.
 */
export function renderResult(tool: ToolDef, result: JsonResult, o: RenderOptions = { maxTokens: DEFAULT_MCP_MAX_TOKENS }): CallToolResult {
  const text = (t: string) => ({ type: 'text' as const, text: t })
  if (tool.result === 'image' && result !== null && typeof result === 'object' && !Array.isArray(result) && !(result instanceof JsonRecords)) {
    const { image_base64: data, mime_type: mimeType, ...rest } = toPlain(result) as Record<string, unknown>
    return {
      content: [{ type: 'image', data: String(data), mimeType: String(mimeType) }, text(stringify(rest as JsonResult, { style: 'pydantic' }))],
      structuredContent: { mime_type: mimeType, ...rest },
      isError: false,
    }
  }
  const fit = fitBudget(result, o.maxTokens)
  const value: JsonResult = fit.value instanceof JsonRecords ? fit.value.toArray() : fit.value
  const empty = Array.isArray(value) && value.length === 0
  const notes = [o.note, tool.mcpNote?.(value) ?? null, fit.note].filter((n): n is string => !!n)
  const body = empty ? (notes.length ? notes.join('\n') : 'No rows.') : [...notes, fit.text].join('\n')
  const content = [text(body)]
  if (tool.result === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value))
    return { content, structuredContent: toPlain(value) as Record<string, unknown>, isError: false }
  return { content, structuredContent: { result: toPlain(value) }, isError: false }
}

/** A failed call: a result, never a protocol error (compat §9). */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true }
}
