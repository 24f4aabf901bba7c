import { describe, expect, test } from 'bun:test'
import { JsonFloat, JsonRecords } from '../../../src/json/values'
import { TOOLS } from '../../../src/tools/registry'
import { errorResult, renderResult } from '../../../src/transports/mcp/text'

const tool = (name: string) => TOOLS.find((t) => t.name === name)!
const big = { maxTokens: 20_000 }

describe('renderResult', () => {
  test('a list is wrapped as {"result": …} and written one item a line', () => {
    const r = renderResult(tool('get_all_projects'), ['a', 'b'], big)
    expect(r.isError).toBe(false)
    expect(r.structuredContent).toEqual({ result: ['a', 'b'] })
    expect(r.content).toEqual([{ type: 'text', text: 'a\nb' }])
  })

  test('rows of records become a tab-separated table; structured rows keep exact numbers', () => {
    const rows = new JsonRecords(['step', 'value'], [[0, 9007199254740993n], [new JsonFloat('1.0'), 2]])
    const r = renderResult(tool('get_metric_values'), rows, big)
    const text = (r.content[0] as { text: string }).text
    expect(text.split('\n')[0]).toBe('step\tvalue')
    expect(text).toContain('9007199254740993')
    const result = (r.structuredContent as { result: { step: unknown }[] }).result
    expect(result).toHaveLength(2)
    expect(JSON.stringify(result[1]!.step)).toBe('9007199254740993')
  })

  test('an object tool answers with the object itself', () => {
    const value = new Map<string, never>([['project', 'p' as never], ['num_runs', 2 as never]])
    const r = renderResult(tool('get_project_summary'), value, big)
    expect(r.structuredContent).toEqual({ project: 'p', num_runs: 2 })
    expect((r.content[0] as { text: string }).text).toContain('"num_runs":2')
  })

  test('an empty list says so, with the caller’s note first when there is one', () => {
    expect(renderResult(tool('get_all_projects'), [], big).content).toEqual([{ type: 'text', text: 'No rows.' }])
    const withNote = renderResult(tool('get_all_projects'), [], { maxTokens: 20_000, note: 'The data directory is empty.' })
    expect(withNote.content).toEqual([{ type: 'text', text: 'The data directory is empty.' }])
  })

  test('a tool’s own note explains its answer (delete_run that deleted nothing)', () => {
    const r = renderResult(tool('delete_run'), false, big)
    expect(r.structuredContent).toEqual({ result: false })
    expect((r.content[0] as { text: string }).text).toStartWith('Nothing was deleted: the project or the run does not exist.')
  })

  test('an image result is image content plus the rest as text; the base64 is not repeated', () => {
    const value = { mime_type: 'image/png', image_base64: 'iVBORw0KGgo=', width: 2, height: 1 }
    const r = renderResult(tool('plot_metrics'), value, big)
    expect(r.content[0]).toEqual({ type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' })
    expect((r.content[1] as { text: string }).text).not.toContain('iVBORw0KGgo=')
    expect(r.structuredContent).toEqual({ mime_type: 'image/png', width: 2, height: 1 })
  })

  test('a long list is cut down to the budget and the text says so', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `project-${i}`)
    const r = renderResult(tool('get_all_projects'), long, { maxTokens: 200 })
    const shown = (r.structuredContent as { result: string[] }).result
    expect(shown.length).toBeLessThan(5000)
    expect((r.content[0] as { text: string }).text.length).toBeLessThan(long.join('\n').length)
    expect((r.content[0] as { text: string }).text).toStartWith(`5,000 rows, ${shown.length} returned: downsampled to fit the answer budget of 200 tokens`)
  })
})

describe('errorResult', () => {
  test('a failed call is an isError result carrying the message', () => {
    expect(errorResult("Run 'x' not found")).toEqual({ content: [{ type: 'text', text: "Run 'x' not found" }], isError: true })
  })
})
