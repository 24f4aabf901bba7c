import { beforeAll, describe, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../../helpers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
let app: Awaited<ReturnType<typeof inProcessApp>>['app']
beforeAll(async () => {
  ;({ call, app } = await inProcessApp(tempDir()))
})

describe('get_run_mutation_status', () => {
  test('allowed only with the write token, from any of its sources', async () => {
    expect((await call('get_run_mutation_status')).json).toEqual({ data: { spaces: false, allowed: false, auth: 'none' } })
    expect((await call('get_run_mutation_status', {}, { 'x-trackio-write-token': 'wrong' })).json.data.allowed).toBe(false)
    for (const h of [{ 'x-trackio-write-token': 'test-token' }, { cookie: 'a=b; trackio_write_token=test-token' }, { authorization: 'Bearer test-token' }] as Record<string, string>[])
      expect((await call('get_run_mutation_status', {}, h)).json).toEqual({ data: { spaces: false, allowed: true, auth: 'local' } })
  })
})

test('the write_token query parameter counts too; GET is 405 like every /api route', async () => {
  const r = await app.handle(new Request('http://localhost/api/get_run_mutation_status?write_token=test-token', { method: 'POST' }))
  expect(await r.json()).toEqual({ data: { spaces: false, allowed: true, auth: 'local' } })
  const g = await app.handle(new Request('http://localhost/api/get_run_mutation_status'))
  expect(g.status).toBe(405)
})
