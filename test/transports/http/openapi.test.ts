import { describe, expect, test } from 'bun:test'
import { TOOLS } from '../../../src/tools/registry'
import { operationFor } from '../../../src/transports/http/openapi'
import { copyFixtures, inProcessApp } from '../../helpers'

const tool = (name: string) => TOOLS.find((t) => t.name === name)!

describe('operationFor', () => {
  test('a read tool: summary, read tag, operationId, its example, 200/400/413 and no security', () => {
    const t = tool('get_runs_for_project')
    const op = operationFor(t) as any
    expect(op.summary).toBe(t.description)
    expect(op.tags).toEqual(['read'])
    expect(op.operationId).toBe('get_runs_for_project')
    expect(op.requestBody.required).toBe(false)
    expect(op.requestBody.content['application/json'].example).toEqual(t.example)
    expect(op.requestBody.content['application/json'].schema.required).toEqual(['project'])
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '413'])
    expect(op.responses[200].content['application/json'].schema.required).toEqual(['data'])
    expect(op.responses[413].description).toBe('Body over 33554432 bytes.')
    expect(op).not.toHaveProperty('security')
    expect(op.description).toContain('`{"kwargs": {...}}`')
  })

  test('a write tool: write tag, 401 and 403, token security; notes go into the description', () => {
    const t = tool('delete_run')
    const op = operationFor(t) as any
    expect(op.tags).toEqual(['write'])
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '413'])
    expect(op.security).toEqual([{ writeToken: [] }, { bearer: [] }])
    expect(op.description).toContain(t.notes!)
    expect(op.description.startsWith(t.description)).toBe(true)
  })
})

describe('the served document', () => {
  test('/swagger/json: every HTTP tool as POST /api/{tool}, our version, token schemes, no MCP paths', async () => {
    const { app } = await inProcessApp(copyFixtures('basic'))
    const doc = (await (await app.handle(new Request('http://localhost/swagger/json'))).json()) as any
    expect(doc.info.title).toBe('Trackio server')
    expect(doc.info.version).toBe('test')
    expect(doc.components.securitySchemes.writeToken).toEqual({ type: 'apiKey', in: 'header', name: 'X-Trackio-Write-Token' })
    for (const t of TOOLS) expect([t.name, doc.paths[`/api/${t.name}`]?.post?.operationId]).toEqual([t.name, t.name])
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/mcp') || p.startsWith('/swagger-assets') || p === '/api/{name}')).toEqual([])
  })

  test('/swagger is the UI page using the local assets', async () => {
    const { app } = await inProcessApp(copyFixtures('basic'))
    const html = await (await app.handle(new Request('http://localhost/swagger'))).text()
    expect(html).toContain('/swagger-assets/swagger-ui-bundle.js')
    expect(html).toContain('/swagger-assets/swagger-ui.css')
  })
})
