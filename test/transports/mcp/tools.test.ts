import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { TOOLS } from '../../../src/tools/registry'
import { copyFixtures, startServer, type Server } from '../../helpers'
import { connectMcp, lossless, rawPost, sseData, type McpConn } from './client'

const EDGE = 'EdgeCasesünïcødéwithdotsspaces'
const GOLDEN: Tool[] = readFileSync(join(import.meta.dir, 'appendix-a.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
const READ_TOOLS = GOLDEN.slice(0, 12).map((t) => t.name)

let server: Server
let mcp: McpConn
let tools: Tool[]

beforeAll(async () => {
  server = await startServer(copyFixtures('basic', 'edge'), ['--mcp-server'])
  mcp = await connectMcp(`${server.url}/mcp/`)
  tools = (await mcp.client.listTools()).tools
})
afterAll(async () => {
  await mcp?.close()
  await server?.stop()
})

/** Every JSON type a property schema admits (through anyOf/oneOf and type arrays). */
function typesOf(s: any): Set<string> {
  const out = new Set<string>()
  const walk = (n: any) => {
    if (!n || typeof n !== 'object') return
    if (typeof n.type === 'string') out.add(n.type)
    if (Array.isArray(n.type)) for (const t of n.type) out.add(t)
    for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) walk(alt)
  }
  walk(s)
  return out
}

describe('initialize', () => {
  test('server name, instructions, tools capability', () => {
    expect(mcp.client.getServerVersion()?.name).toBe('Trackio')
    const instructions = mcp.client.getInstructions()!
    expect(instructions).toContain('Workflow: find runs with')
    expect(instructions).toContain('trackio://projects/{project}/runs/{run}/metrics/{metric}')
    expect(mcp.client.getServerCapabilities()?.tools).toBeDefined()
    expect(mcp.transport.sessionId).toMatch(/^[0-9a-f]{32}$/)
  })
  test('/mcp without the slash is served too (no redirect)', async () => {
    const c = await connectMcp(`${server.url}/mcp`)
    expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual(tools.map((t) => t.name))
    await c.close()
  })
})

describe('tools/list', () => {
  test('every registry tool not marked httpOnly, in registry order', () => {
    expect(tools.map((t) => t.name)).toEqual(TOOLS.filter((t) => !t.httpOnly).map((t) => t.name))
    for (const name of READ_TOOLS) expect(tools.map((t) => t.name)).toContain(name)
  })
  test('order agrees with Trackio (Appendix A) for the tools both have', () => {
    const ours = tools.map((t) => t.name)
    const theirs = GOLDEN.map((t) => t.name)
    expect(ours.filter((n) => theirs.includes(n))).toEqual(theirs.filter((n) => ours.includes(n)))
  })
  test('descriptions, parameter names, required-ness and types match Appendix A', () => {
    for (const want of GOLDEN) {
      const got = tools.find((t) => t.name === want.name)
      if (!got) continue
      expect(got.description).toBe(want.description!)
      expect(got.inputSchema.type).toBe('object')
      expect(Object.keys(got.inputSchema.properties ?? {}).sort()).toEqual(Object.keys(want.inputSchema.properties ?? {}).sort())
      expect([...(got.inputSchema.required ?? [])].sort()).toEqual([...(want.inputSchema.required ?? [])].sort())
      for (const [name, prop] of Object.entries(want.inputSchema.properties ?? {})) {
        const ours = typesOf((got.inputSchema.properties as any)[name])
        // `number` admits every integer (our `window` takes 1.5 as Trackio's int() does)
        const admits = (t: string) => ours.has(t) || (t === 'integer' && ours.has('number'))
        for (const t of typesOf(prop)) expect({ tool: want.name, name, has: admits(t) ? t : `missing ${t}` }).toEqual({ tool: want.name, name, has: t })
      }
    }
  })
  test('outputSchema: {result} wrapper for lists and booleans, the object itself for dicts', () => {
    for (const want of GOLDEN) {
      const got = tools.find((t) => t.name === want.name)
      if (!got) continue
      expect(got.outputSchema?.type).toBe('object')
      const wrapped = (want.outputSchema as any).required?.includes('result') === true
      expect({ name: got.name, wrapped: (got.outputSchema as any).required?.includes('result') === true }).toEqual({ name: want.name, wrapped })
      if (wrapped) expect(typesOf((got.outputSchema as any).properties.result)).toEqual(typesOf((want.outputSchema as any).properties.result))
    }
  })
  test('annotations: read tools read-only, write tools not, destructive where the registry says', () => {
    for (const def of TOOLS.filter((t) => !t.httpOnly)) {
      const a = tools.find((t) => t.name === def.name)!.annotations!
      expect({ name: def.name, readOnly: a.readOnlyHint }).toEqual({ name: def.name, readOnly: def.access === 'read' })
      if (def.access === 'write') expect(a.destructiveHint).toBe(def.destructive === true)
    }
  })
})

describe('results (compat §9)', () => {
  test('list of strings: one compact text block, one name per line; structured {result}', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_all_projects', arguments: {} })
    expect(r.isError).toBe(false)
    expect(r.structuredContent.result).toContain('llm-finetune')
    expect(r.content).toHaveLength(1)
    expect(r.content[0].text.split('\n')).toEqual(r.structuredContent.result)
  })
  test('an empty answer says why: an unknown project, with the closest names', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_runs_for_project', arguments: { project: 'llm-finetun' } })
    expect(r.isError).toBe(false)
    expect(r.structuredContent).toEqual({ result: [] })
    expect(r.content[0].text).toBe("Project 'llm-finetun' does not exist; closest projects: 'llm-finetune', 'collision', 'default'.")
  })
  test('dict: the object itself, compact JSON text', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_project_summary', arguments: { project: 'llm-finetune' } })
    expect(r.structuredContent.project).toBe('llm-finetune')
    expect(r.structuredContent.num_runs).toBe(3)
    expect(r.content).toHaveLength(1)
    expect(r.content[0].text.startsWith('{"project":"llm-finetune",')).toBe(true)
    expect(JSON.parse(r.content[0].text)).toEqual(r.structuredContent)
  })
  test('rows: a table (header, one tab-separated line per row), far smaller than JSON', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_metric_values', arguments: { project: 'llm-finetune', run: 'gpt2-small', metric_name: 'lr' } })
    const lines: string[] = r.content[0].text.split('\n')
    expect(lines[0]).toBe('timestamp\tstep\tvalue')
    expect(lines).toHaveLength(r.structuredContent.result.length + 1)
    const first = r.structuredContent.result[0]
    expect(lines[1]).toBe(`${first.timestamp}\t${first.step}\t${lines[1]!.split('\t')[2]}`)
    expect(Number(lines[1]!.split('\t')[2])).toBe(first.value)
    expect(r.content[0].text.length * 2).toBeLessThan(JSON.stringify(r.structuredContent.result, null, 2).length)
  })
  test('NaN/Infinity: bare tokens in text, null in structured; big ints and floats spelled exactly', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_logs', arguments: { project: EDGE, run: 'run with spaces' } })
    expect(r.isError).toBe(false)
    const [header, cells] = (r.content[0].text as string).split('\n').map((l) => l.split('\t'))
    const cell = (k: string) => cells![header!.indexOf(k)]
    expect([cell('nan'), cell('pos_inf'), cell('neg_inf')]).toEqual(['NaN', 'Infinity', '-Infinity'])
    expect(cell('uint64_max')).toBe('18446744073709551615')
    expect(cell('tiny')).toBe('1e-7') // pydantic spelling, not Python's 1e-07
    expect(r.structuredContent.result[0].nan).toBeNull()
    const raw = await mcp.rawReply(mcp.lastCallId())
    expect(raw).toContain('"uint64_max":18446744073709551615')
    expect(raw).toContain('"int64_min":-9223372036854775808')
    expect(raw).toContain('"small_fixed":0.00001')
    expect(raw).toContain('"neg_zero":-0.0')
    const row = (lossless(raw) as any).result.structuredContent.result[0]
    expect(row.pos_inf).toBeNull()
    expect(row.big_int_2_53_plus_1).toEqual({ $n: 'int:9007199254740993' })
  })
  test('integer arguments beyond 2^53 are not rounded on the way in', async () => {
    const r: any = await mcp.client.callTool({
      name: 'get_metric_values',
      arguments: { project: EDGE, run: 'run with spaces', metric_name: 'float', step: '9007199254740993' },
    })
    expect(r.isError).toBe(false)
    const steps = ((lossless(await mcp.rawReply(mcp.lastCallId())) as any).result.structuredContent.result as any[]).map((p) => p.step.$n)
    expect(steps.length).toBeGreaterThan(0)
    expect(new Set(steps)).toEqual(new Set(['int:9007199254740993']))
    // As a JSON number (the SDK client would round it, so send the wire text ourselves).
    const body = `{"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"get_metric_values","arguments":{"project":${JSON.stringify(EDGE)},"run":"run with spaces","metric_name":"float","step":9007199254740993}}}`
    const res = await rawPost(`${server.url}/mcp/`, body, {
      'mcp-session-id': mcp.transport.sessionId!,
      'mcp-protocol-version': mcp.transport.protocolVersion ?? '2025-06-18',
    })
    expect(res.status).toBe(200)
    const reply = lossless(sseData(await res.text())[0]!) as any
    expect(reply.result.isError).toBe(false)
    expect(reply.result.structuredContent.result.map((p: any) => p.step.$n)).toEqual(steps)
  })
})

describe('errors (compat §9): results with isError, never a broken connection', () => {
  test('unknown project is fine: empty value', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_logs', arguments: { project: 'nope', run: 'x' } })
    expect(r.isError).toBe(false)
    expect(r.structuredContent).toEqual({ result: [] })
  })
  test('missing required argument names the field', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_metric_values', arguments: { project: 'llm-finetune', metric_name: 'lr' } })
    expect(r.isError).toBe(true)
    expect(r.structuredContent).toBeUndefined()
    expect(r.content[0].text).toBe('Error executing tool get_metric_values: Missing required parameter: run')
  })
  test('wrong type names the field', async () => {
    const r: any = await mcp.client.callTool({
      name: 'get_metric_values',
      arguments: { project: 'llm-finetune', run: 'gpt2-small', metric_name: 'lr', step: 'abc' },
    })
    expect(r.isError).toBe(true)
    expect(r.content[0].text).toStartWith('Error executing tool get_metric_values: ')
    expect(r.content[0].text).toContain("'step'")
    const r2: any = await mcp.client.callTool({ name: 'get_runs_for_project', arguments: { project: 42 } })
    expect(r2.isError).toBe(true)
    expect(r2.content[0].text).toContain("'project'")
  })
  test('unknown argument is named', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_runs_for_project', arguments: { project: 'llm-finetune', bogus: 1 } })
    expect(r.isError).toBe(true)
    expect(r.content[0].text).toContain("'bogus'")
  })
  test('unknown tool', async () => {
    const r: any = await mcp.client.callTool({ name: 'no_such_tool', arguments: {} })
    expect(r).toEqual({ content: [{ type: 'text', text: 'Unknown tool: no_such_tool' }], isError: true })
  })
  test('the session survives errors', async () => {
    const r: any = await mcp.client.callTool({ name: 'get_all_projects', arguments: {} })
    expect(r.isError).toBe(false)
  })
})
