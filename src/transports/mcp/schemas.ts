import { z } from 'zod'
import type { Tool } from '@modelcontextprotocol/server'
import { COMMON_ARGS, type ToolDef } from '../../tools/core/define'

type Schema = Record<string, unknown>

/**
 * Zod's JSON Schema with two things removed that real data breaks: the ±2^53 bounds zod puts on
 * every integer (steps reach 2^53+2 in Trackio data) and, for outputs, `additionalProperties:
 * false` (Trackio's output schemas are open; clients validate structuredContent against them).
 */
function jsonSchema(s: z.ZodType, io: 'input' | 'output'): Schema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Schema
  const loosen = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(loosen)
    if (node === null || typeof node !== 'object') return node
    const out: Schema = {}
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'minimum' || k === 'maximum') && Math.abs(v as number) === Number.MAX_SAFE_INTEGER) continue
      if (io === 'output' && k === 'additionalProperties' && v === false) continue
      out[k] = loosen(v)
    }
    return out
  }
  return loosen(rest) as Schema
}

/** `metric_name` → `Metric Name`, as pydantic titles parameters. */
function titleOf(name: string): string {
  return name
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ')
}

const optionalString = { anyOf: [{ type: 'string' }, { type: 'null' }], default: null }

/** Parameters the MCP variant requires although HTTP does not (see ToolDef.mcpRequire). */
export function mcpRequiredExtra(tool: ToolDef): string[] {
  return tool.mcpRequire ?? []
}

export function inputSchemaOf(tool: ToolDef): Tool['inputSchema'] {
  const s = jsonSchema(tool.input, 'input')
  const omit = new Set(tool.mcpOmit ?? [])
  const props: Record<string, Schema> = {}
  for (const [name, p] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    if (!omit.has(name)) props[name] = { title: titleOf(name), ...p }
  }
  // Trackio's MCP mutations declare the token arguments (Appendix A); the binder accepts them for every tool.
  if (tool.access === 'write')
    for (const name of COMMON_ARGS) if (!(name in props) && !omit.has(name)) props[name] = { title: titleOf(name), ...optionalString }
  const required = ((s.required ?? []) as string[]).filter((r) => !omit.has(r))
  for (const name of mcpRequiredExtra(tool)) {
    const { default: _d, type: _t, anyOf: _a, ...rest } = props[name] ?? {}
    props[name] = { ...rest, type: 'string' }
    if (!required.includes(name)) required.push(name)
  }
  return {
    type: 'object',
    title: `${tool.name}Arguments`,
    properties: props as NonNullable<Tool['inputSchema']['properties']>,
    ...(required.length ? { required } : {}),
  }
}

export function outputSchemaOf(tool: ToolDef): NonNullable<Tool['outputSchema']> {
  // An image travels as image content over MCP; the structured part is everything else.
  const output = tool.result === 'image' && tool.output instanceof z.ZodObject ? tool.output.omit({ image_base64: true }) : tool.output
  const s = jsonSchema(output, 'output')
  if (tool.result === 'object' || tool.result === 'image') {
    const base = s.type === 'object' ? s : { type: 'object', additionalProperties: true }
    return { ...base, type: 'object', title: `${tool.name}DictOutput` }
  }
  return {
    type: 'object',
    title: `${tool.name}Output`,
    properties: { result: { ...s, title: 'Result' } },
    required: ['result'],
  }
}

/** The tools/list entry of a tool. */
export function mcpToolOf(tool: ToolDef): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: inputSchemaOf(tool),
    outputSchema: outputSchemaOf(tool),
    annotations:
      tool.access === 'read'
        ? { readOnlyHint: true, openWorldHint: false }
        : { readOnlyHint: false, destructiveHint: tool.destructive === true, openWorldHint: false },
  }
}
