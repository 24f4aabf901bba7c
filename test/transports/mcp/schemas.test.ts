import { describe, expect, test } from 'bun:test'
import { TOOLS } from '../../../src/tools/registry'
import { inputSchemaOf, mcpToolOf, outputSchemaOf } from '../../../src/transports/mcp/schemas'

const byName = Object.fromEntries(TOOLS.map((t) => [t.name, t]))
const tool = (name: string) => {
  const t = byName[name]
  if (!t) throw new Error(`no tool ${name}`)
  return t
}

/** Every key/value pair of a JSON Schema tree. */
function* entries(node: unknown): Generator<[string, unknown]> {
  if (Array.isArray(node)) for (const n of node) yield* entries(n)
  else if (node !== null && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      yield [k, v]
      yield* entries(v)
    }
}

describe('inputSchemaOf', () => {
  test('an object named {tool}Arguments, each property titled as pydantic titles it', () => {
    const s = inputSchemaOf(tool('get_runs_for_project'))
    expect(s.type).toBe('object')
    expect(s.title).toBe('get_runs_for_projectArguments')
    expect(s.required).toEqual(['project'])
    expect((s.properties!.project as { title: string }).title).toBe('Project')
    const m = inputSchemaOf(tool('get_metric_values')).properties as Record<string, { title: string }>
    expect(m.metric_name!.title).toBe('Metric Name')
  })

  test('write tools declare hf_token and write_token as optional strings', () => {
    const s = inputSchemaOf(tool('log_metrics'))
    for (const name of ['hf_token', 'write_token']) {
      expect(s.properties![name]).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }], default: null })
      expect(s.required ?? []).not.toContain(name)
    }
    expect(inputSchemaOf(tool('get_all_projects')).properties).not.toHaveProperty('write_token')
  })

  test('mcpOmit drops parameters; mcpRequire makes a parameter a required string', () => {
    const d = inputSchemaOf(tool('delete_run'))
    expect(d.properties).not.toHaveProperty('run_id')
    expect(d.required).toContain('run')
    expect(d.properties!.run).toMatchObject({ type: 'string', title: 'Run' })
    expect(d.properties!.run).not.toHaveProperty('default')
    expect(inputSchemaOf(tool('get_logs')).properties).not.toHaveProperty('max_points')
  })

  test('no ±2^53 bounds anywhere (steps beyond 2^53 exist in real data)', () => {
    for (const t of TOOLS)
      for (const [k, v] of entries(inputSchemaOf(t))) if (k === 'minimum' || k === 'maximum') expect(Math.abs(v as number)).not.toBe(Number.MAX_SAFE_INTEGER)
  })
})

describe('outputSchemaOf', () => {
  test('lists and booleans are wrapped as a required `result`', () => {
    const s = outputSchemaOf(tool('get_all_projects'))
    expect(s).toMatchObject({ type: 'object', title: 'get_all_projectsOutput', required: ['result'] })
    const result = (schema: Record<string, unknown>) => (schema.properties as Record<string, { title: string; type: string }>).result!
    expect(result(s).title).toBe('Result')
    expect(result(s).type).toBe('array')
    expect(result(outputSchemaOf(tool('trigger_sync'))).type).toBe('boolean')
  })

  test('objects are themselves, titled {tool}DictOutput, and open (no additionalProperties: false)', () => {
    for (const t of TOOLS.filter((x) => x.result === 'object' || x.result === 'image')) {
      const s = outputSchemaOf(t)
      expect(s.type).toBe('object')
      expect(s.title).toBe(`${t.name}DictOutput`)
      for (const [k, v] of entries(s)) if (k === 'additionalProperties') expect(v).not.toBe(false)
    }
  })

  test('an image tool’s structured output leaves out the base64 image', () => {
    const s = outputSchemaOf(tool('plot_metrics'))
    expect(s.properties).toHaveProperty('mime_type')
    expect(s.properties).not.toHaveProperty('image_base64')
  })
})

describe('mcpToolOf', () => {
  test('annotations follow access and destructiveness', () => {
    expect(mcpToolOf(tool('get_all_projects')).annotations).toEqual({ readOnlyHint: true, openWorldHint: false })
    expect(mcpToolOf(tool('delete_run')).annotations).toEqual({ readOnlyHint: false, destructiveHint: true, openWorldHint: false })
    expect(mcpToolOf(tool('log_metrics')).annotations).toEqual({ readOnlyHint: false, destructiveHint: false, openWorldHint: false })
  })

  test('name and description come from the tool definition', () => {
    const t = tool('get_project_summary')
    const m = mcpToolOf(t)
    expect(m.name).toBe('get_project_summary')
    expect(m.description).toBe(t.description)
  })
})
