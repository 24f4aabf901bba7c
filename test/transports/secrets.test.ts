import { afterAll, beforeAll, expect, test } from 'bun:test'
import { api, copyFixtures, startServer, type Server } from '../helpers'

/**
 * The write token is printed once at startup and never again: not in later log lines, not in
 * error messages, not in any response. A wrong token's message does not echo what was presented.
 */
const TOKEN = 'tok-SECRET-7f3a9c1e5b2d48a6b0e4c2f9d1a7e3b5'
const PRESENTED = 'presented-WRONG-a1b2c3d4e5f6a7b8c9d0'
const PREFIX = TOKEN.slice(0, 30) + 'zzzz' // a wrong token sharing a long prefix

let server: Server
const bodies: string[] = []

beforeAll(async () => {
  server = await startServer(copyFixtures('basic', 'edge'), [], { TRACKIO_WRITE_TOKEN: TOKEN })
  expect(server.token).toBe(TOKEN)
})

afterAll(async () => {
  await server?.stop()
})

async function collect(tool: string, body: unknown, headers: Record<string, string> = {}, query = ''): Promise<number> {
  const r = await fetch(`${server.url}/api/${tool}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await r.text()
  bodies.push(`${tool} ${r.status} ${[...r.headers].join(';')} ${text}`)
  return r.status
}

test('wrong, missing and near-miss tokens: 401/403 whose messages echo neither token', async () => {
  const calls: Record<string, Record<string, unknown>> = {
    delete_run: { project: 'llm-finetune', run: 'gpt2-small' },
    rename_run: { project: 'llm-finetune', old_name: 'gpt2-small', new_name: 'x' },
    bulk_log: { logs: [{ project: 'p', run: 'r', metrics: { a: 1 } }], hf_token: null },
    log_metrics: { project: 'p', run: 'r', metrics: { a: 1 } },
    trigger_sync: {},
  }
  for (const [tool, clean] of Object.entries(calls)) {
    expect(await collect(tool, clean)).toBe(401)
    expect(await collect(tool, clean, { 'x-trackio-write-token': PRESENTED })).toBe(403)
    expect(await collect(tool, clean, { 'x-trackio-write-token': PREFIX })).toBe(403)
    expect(await collect(tool, clean, { authorization: `Bearer ${PRESENTED}` })).toBe(403)
    expect(await collect(tool, clean, { cookie: `trackio_write_token=${PRESENTED}` })).toBe(403)
    expect(await collect(tool, clean, {}, `?write_token=${PRESENTED}`)).toBe(403)
    expect(await collect(tool, { ...clean, write_token: PRESENTED })).toBe(403)
  }
  const forbidden = bodies.filter((b) => b.includes(' 403 '))
  expect(forbidden.length).toBeGreaterThan(20)
  for (const b of bodies) {
    expect(b).not.toContain(TOKEN)
    expect(b).not.toContain(PRESENTED)
    expect(b).not.toContain(PREFIX)
  }
})

test('errors of authorised calls, bad bodies and docs never contain the token', async () => {
  const h = { 'x-trackio-write-token': TOKEN }
  await collect('delete_run', { project: 'llm-finetune', run: 'no-such-run' }, h)
  await collect('rename_run', { project: 'llm-finetune', old_name: 'gpt2-small', new_name: '' }, h)
  await collect('bulk_log', { logs: 'x', hf_token: null }, h)
  await collect('bulk_log', { logs: [{ project: 'p' }], hf_token: TOKEN }, h)
  await collect('log_metrics', '{"project": "p", "run": "r", "metrics": {', h)
  await collect('log_metrics', { project: 'p', run: 'r', metrics: 'x', write_token: TOKEN, extra: 1 }, h)
  await collect('get_runs_for_project', { project: 'llm-finetune', write_token: TOKEN, bogus: TOKEN })
  await collect('nope', { write_token: TOKEN })
  for (const path of ['/version', '/swagger', '/swagger/json', '/']) {
    const r = await fetch(`${server.url}${path}`)
    bodies.push(`${path} ${await r.text()}`)
  }
  for (const b of bodies) expect(b).not.toContain(TOKEN)
  // the unknown-argument message names the argument, never its value
  expect(bodies.some((b) => b.includes("'bogus'"))).toBe(true)
})

test('nothing after the startup lines prints the token (stdout and stderr)', async () => {
  const h = { 'x-trackio-write-token': TOKEN }
  await collect('log_metrics', { project: 'secrets-log', run: 'r', metrics: { a: 1 }, new_run: true }, h)
  await collect('log_metrics', { project: 'x'.repeat(10_000), run: 'r', metrics: { a: 1 } }, h)
  await server.stop()
  const stdout = server.output()
  const stderr = await new Response(server.proc.stderr).text()
  const lines = stdout.split('\n')
  const withToken = lines.map((l, i) => (l.includes(TOKEN) ? i : -1)).filter((i) => i >= 0)
  // only the write-access URL line of the startup banner carries it
  expect(withToken.length).toBe(1)
  expect(lines[withToken[0]!]).toContain('write access at:')
  expect(withToken[0]!).toBeLessThan(4)
  expect(stderr).not.toContain(TOKEN)
})
