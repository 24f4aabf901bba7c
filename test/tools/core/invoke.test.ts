import { describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../../../src/errors'
import { DatabaseLockedError } from '../../../src/storage/db/connection'
import { defineTool, type ToolContext } from '../../../src/tools/core/define'
import { createInvoker, writeTokenAuthorizer, type Authorizer } from '../../../src/tools/core/invoke'

/** The one call pipeline: names → authorise (writes) → types → run, whatever the transport. */

const ctx = {} as ToolContext
let calls = 0
const read = defineTool({
  name: 'read_thing',
  description: 'Reads a thing.',
  input: z.object({ project: z.string(), n: z.int().nullable().optional().default(null) }),
  output: z.unknown(),
  result: 'object',
  access: 'read',
  example: {},
  handler: (a) => {
    calls++
    if (a.project === 'locked' && calls < 3) throw new DatabaseLockedError('locked')
    return new Map([['project', a.project]])
  },
})
const write = defineTool({
  name: 'write_thing',
  description: 'Writes a thing.',
  input: z.object({ project: z.string(), n: z.int().nullable().optional().default(null) }),
  output: z.unknown(),
  result: 'boolean',
  access: 'write',
  example: {},
  handler: (a) => {
    calls++
    if (a.project === 'locked') throw new DatabaseLockedError('locked')
    return true
  },
})
const invoker = createInvoker(ctx, writeTokenAuthorizer('T'))
const withToken = { request: new Request('http://localhost/', { headers: { 'x-trackio-write-token': 'T' } }) }
const anonymous = { request: null }

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e)

describe('invoke', () => {
  test('a read runs without a token, from a Map (HTTP) or a plain object (MCP)', async () => {
    expect(await invoker.invoke(read, new Map([['project', 'p']]), anonymous)).toEqual(new Map([['project', 'p']]))
    expect(await invoker.invoke(read, { project: 'q' }, anonymous)).toEqual(new Map([['project', 'q']]))
  })

  test('a write needs the token: 401 without, 403 wrong, runs with it (header or write_token argument)', async () => {
    expect(await failure(invoker.invoke(write, { project: 'p' }, anonymous))).toBeInstanceOf(UnauthorizedError)
    const wrong = { request: new Request('http://localhost/', { headers: { 'x-trackio-write-token': 'nope' } }) }
    expect(await failure(invoker.invoke(write, { project: 'p' }, wrong))).toBeInstanceOf(ForbiddenError)
    expect(await invoker.invoke(write, { project: 'p' }, withToken)).toBe(true)
    expect(await invoker.invoke(write, { project: 'p', write_token: 'T' }, anonymous)).toBe(true)
  })

  test('names are checked before the token, types after it', async () => {
    const unknown = await failure(invoker.invoke(write, { project: 'p', bogus: 1 }, anonymous))
    expect(unknown).toBeInstanceOf(BadRequestError)
    expect((unknown as Error).message).toContain("'bogus'")
    expect(await failure(invoker.invoke(write, {}, anonymous))).toBeInstanceOf(BadRequestError)
    expect(await failure(invoker.invoke(write, { project: 'p', n: 'x' }, anonymous))).toBeInstanceOf(UnauthorizedError)
    const typed = await failure(invoker.invoke(write, { project: 'p', n: 'x' }, withToken))
    expect((typed as Error).message).toStartWith("Invalid value for 'n'")
  })

  test('a read that meets a locked database is repeated; a write is not (it retries inside storage)', async () => {
    calls = 0
    expect(await invoker.invoke(read, { project: 'locked' }, anonymous)).toEqual(new Map([['project', 'locked']]))
    expect(calls).toBe(3)
    calls = 0
    expect(await failure(invoker.invoke(write, { project: 'locked' }, withToken))).toBeInstanceOf(DatabaseLockedError)
    expect(calls).toBe(1)
  })

  test('another authoriser decides for write tools only', async () => {
    const seen: string[] = []
    const authorize: Authorizer = (tool, _caller, args) => {
      seen.push(`${tool.name}:${String(args.get('project'))}`)
      if (args.get('project') === 'no') throw new ForbiddenError('not you')
    }
    const custom = createInvoker(ctx, authorize)
    expect(await custom.invoke(read, { project: 'no' }, anonymous)).toEqual(new Map([['project', 'no']]))
    expect(await custom.invoke(write, { project: 'yes' }, anonymous)).toBe(true)
    expect(await failure(custom.invoke(write, { project: 'no' }, anonymous))).toBeInstanceOf(ForbiddenError)
    expect(seen).toEqual(['write_thing:yes', 'write_thing:no'])
  })
})
