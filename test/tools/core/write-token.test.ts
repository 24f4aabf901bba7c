import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ForbiddenError, UnauthorizedError } from '../../../src/errors'
import { TOOLS } from '../../../src/tools/registry'
import { makeWriteToken, presentedToken, requireWriteToken, tokenMatches } from '../../../src/tools/core/write-token'
import { copyFixtures, inProcessApp } from '../../helpers'

const TOKEN = 'test-token'
const req = (headers: Record<string, string> = {}, query = '') => new Request(`http://localhost/api/delete_run${query}`, { method: 'POST', headers })

describe('presentedToken: sources and precedence', () => {
  test('each source on its own', () => {
    expect(presentedToken(req({ 'X-Trackio-Write-Token': 'h' }), null)).toBe('h')
    expect(presentedToken(req({ 'x-TRACKIO-write-token': 'h2' }), null)).toBe('h2')
    expect(presentedToken(req({ authorization: 'Bearer b' }), null)).toBe('b')
    expect(presentedToken(req({ authorization: 'bearer   b2' }), null)).toBe('b2')
    expect(presentedToken(req({ cookie: 'a=1; trackio_write_token=c; z=2' }), null)).toBe('c')
    expect(presentedToken(req({}, '?write_token=q'), null)).toBe('q')
    expect(presentedToken(req(), 'arg')).toBe('arg')
    expect(presentedToken(null, 'arg')).toBe('arg')
    expect(presentedToken(req(), null)).toBeNull()
    expect(presentedToken(req(), 42)).toBeNull()
  })

  test('header > bearer > cookie > query > argument; a present source is final', () => {
    const all = { 'x-trackio-write-token': 'h', authorization: 'Bearer b', cookie: 'trackio_write_token=c' }
    expect(presentedToken(req(all, '?write_token=q'), 'arg')).toBe('h')
    expect(presentedToken(req({ authorization: 'Bearer b', cookie: 'trackio_write_token=c' }, '?write_token=q'), 'arg')).toBe('b')
    expect(presentedToken(req({ cookie: 'trackio_write_token=c' }, '?write_token=q'), 'arg')).toBe('c')
    expect(presentedToken(req({}, '?write_token=q'), 'arg')).toBe('q')
    // An empty header still decides (Trackio: present means final).
    expect(presentedToken(req({ 'x-trackio-write-token': '' }, '?write_token=q'), 'arg')).toBe('')
    // Not a Bearer scheme, or another cookie name: not a source.
    expect(presentedToken(req({ authorization: 'Basic xyz' }), 'arg')).toBe('arg')
    expect(presentedToken(req({ cookie: 'xtrackio_write_token=c; trackio_write_token_x=d' }), 'arg')).toBe('arg')
  })
})

describe('tokenMatches / requireWriteToken', () => {
  test('constant-time compare does not throw on non-ASCII or different lengths', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true)
    expect(tokenMatches('abc', 'abcd')).toBe(false)
    expect(tokenMatches('abc', '')).toBe(false)
    expect(tokenMatches('abc', 'äbc')).toBe(false)
    expect(tokenMatches('äbc🚀', 'äbc🚀')).toBe(true)
    expect(tokenMatches('x'.repeat(43), 'x'.repeat(10000))).toBe(false)
  })

  test('401 when missing or empty, 403 when wrong, both say where the token is found', () => {
    const missing = (() => {
      try {
        requireWriteToken(TOKEN, null, 'call delete_run')
      } catch (e) {
        return e
      }
    })()
    expect(missing).toBeInstanceOf(UnauthorizedError)
    expect((missing as Error).message).toContain('write_token')
    expect((missing as Error).message).toContain('TRACKIO_WRITE_TOKEN')
    expect(() => requireWriteToken(TOKEN, '', 'x')).toThrow(UnauthorizedError)
    expect(() => requireWriteToken(TOKEN, 'wrong', 'x')).toThrow(ForbiddenError)
    expect(() => requireWriteToken(TOKEN, 'wrong', 'x')).toThrow(/TRACKIO_WRITE_TOKEN/)
    expect(() => requireWriteToken(TOKEN, TOKEN, 'x')).not.toThrow()
  })

  test('makeWriteToken: the env var, else 43 URL-safe characters', () => {
    expect(makeWriteToken({ TRACKIO_WRITE_TOKEN: 'mine' })).toBe('mine')
    const t = makeWriteToken({ TRACKIO_WRITE_TOKEN: '' })
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(makeWriteToken({})).not.toBe(t)
  })
})

describe('the gate over HTTP', () => {
  const dbBytes = (dir: string) => readFileSync(join(dir, 'image-classification.db'))

  async function setup() {
    const dir = copyFixtures('basic')
    const app = await inProcessApp(dir, TOKEN)
    const runs = async () => (await app.call('get_runs_for_project', { project: 'image-classification' })).json.data.map((r: any) => r.name)
    return { dir, ...app, runs }
  }

  test('every source is accepted for delete_run', async () => {
    const { call, runs } = await setup()
    const ways: [Record<string, unknown>, Record<string, string>, string][] = [
      [{}, { 'X-Trackio-Write-Token': TOKEN }, 'baseline'],
      [{}, { authorization: `Bearer ${TOKEN}` }, 'high-lr'],
      [{}, { cookie: `other=1; trackio_write_token=${TOKEN}` }, 'small-batch'],
    ]
    for (const [extra, headers, run] of ways) {
      const r = await call('delete_run', { project: 'image-classification', run, ...extra }, headers)
      expect(r.status).toBe(200)
      expect(r.json).toEqual({ data: true })
      expect(await runs()).not.toContain(run)
    }
  })

  test('query and argument sources', async () => {
    const dir = copyFixtures('basic')
    const { app, call } = await inProcessApp(dir, TOKEN)
    const viaQuery = await app.handle(
      new Request(`http://localhost/api/delete_run?write_token=${TOKEN}`, { method: 'POST', body: JSON.stringify({ project: 'llm-finetune', run: 'gpt2-medium' }) }),
    )
    expect(viaQuery.status).toBe(200)
    const viaArg = await call('delete_run', { project: 'llm-finetune', run: 'gpt2-small', write_token: TOKEN })
    expect(viaArg.status).toBe(200)
    const names = (await call('get_runs_for_project', { project: 'llm-finetune' })).json.data.map((r: any) => r.name)
    expect(names).toEqual(['gpt2-small-lora'])
  })

  test('precedence over HTTP: a wrong header is final even with a right query or argument', async () => {
    const { dir, app, call } = await setup()
    const before = dbBytes(dir)
    const r = await app.handle(
      new Request(`http://localhost/api/delete_run?write_token=${TOKEN}`, {
        method: 'POST',
        headers: { 'x-trackio-write-token': 'nope' },
        body: JSON.stringify({ project: 'image-classification', run: 'baseline', write_token: TOKEN }),
      }),
    )
    expect(r.status).toBe(403)
    const wrongCookieRightQuery = await app.handle(
      new Request(`http://localhost/api/delete_run?write_token=${TOKEN}`, {
        method: 'POST',
        headers: { cookie: 'trackio_write_token=nope' },
        body: JSON.stringify({ project: 'image-classification', run: 'baseline' }),
      }),
    )
    expect(wrongCookieRightQuery.status).toBe(403)
    const wrongQueryRightArg = await app.handle(
      new Request('http://localhost/api/delete_run?write_token=nope', {
        method: 'POST',
        body: JSON.stringify({ project: 'image-classification', run: 'baseline', write_token: TOKEN }),
      }),
    )
    expect(wrongQueryRightArg.status).toBe(403)
    expect(dbBytes(dir).equals(before)).toBe(true)
    expect((await call('get_runs_for_project', { project: 'image-classification' })).json.data).toHaveLength(3)
  })

  test('missing → 401, wrong → 403, non-ASCII → 403 (no 500); nothing changed', async () => {
    const { dir, call, runs } = await setup()
    const before = dbBytes(dir)
    const tools: [string, Record<string, unknown>][] = [
      ['delete_run', { project: 'image-classification', run: 'baseline' }],
      ['rename_run', { project: 'image-classification', old_name: 'baseline', new_name: 'x' }],
      ['trigger_sync', {}],
      ['force_sync', {}],
    ]
    for (const [tool, body] of tools) {
      const none = await call(tool, body)
      expect(none.status).toBe(401)
      expect(none.json.error).toContain('write token')
      expect(none.json.error).toContain('?write_token=')
      const empty = await call(tool, body, { 'x-trackio-write-token': '' })
      expect(empty.status).toBe(401)
      const wrong = await call(tool, body, { 'x-trackio-write-token': 'wrong' })
      expect(wrong.status).toBe(403)
      expect(wrong.json.error).toContain('TRACKIO_WRITE_TOKEN')
      const unicode = await call(tool, { ...body, write_token: 'tëst-tøken-🚀' })
      expect(unicode.status).toBe(403)
      const longer = await call(tool, { ...body, write_token: TOKEN + 'x' })
      expect(longer.status).toBe(403)
    }
    expect(dbBytes(dir).equals(before)).toBe(true)
    expect(await runs()).toEqual(['baseline', 'high-lr', 'small-batch'])
    const { readdirSync } = await import('node:fs')
    expect(readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toEqual([])
  })

  test('read tools never need the token', async () => {
    const { call } = await setup()
    for (const [tool, body] of TOOLS.filter((t) => t.access === 'read').map((t) => [t.name, t.example] as const)) {
      // Some examples name data the basic fixture lacks (query_project: 404, a registry: 400): the
      // token must simply never be what decides, so a wrong token and none answer as a right one does.
      const right = (await call(tool, body, { 'x-trackio-write-token': TOKEN })).status
      expect({ tool, status: right < 500 && right !== 401 && right !== 403 }).toEqual({ tool, status: true })
      expect({ tool, status: (await call(tool, body, { 'x-trackio-write-token': 'wrong' })).status }).toEqual({ tool, status: right })
      expect({ tool, status: (await call(tool, body)).status }).toEqual({ tool, status: right })
    }
  })
})
