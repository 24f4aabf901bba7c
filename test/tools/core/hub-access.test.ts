import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ForbiddenError, UnauthorizedError, UpstreamError } from '../../../src/errors'
import { HubAccess, type SpaceIdentity } from '../../../src/tools/core/hub-access'
import { startFakeHub, type FakeHub } from './fake-hub'

let hub: FakeHub
beforeAll(() => {
  hub = startFakeHub()
})
afterAll(() => hub.stop())

const space = (): SpaceIdentity => ({ owner: 'team', repo: 'tracker', spaceToken: 'hf_space_secret', endpoint: hub.url })
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => `${(e as Error).constructor.name}: ${(e as Error).message}`,
  )

describe('HubAccess.check (Trackio\'s rules, clear statuses)', () => {
  test('who may write to a Space owned by an organisation', async () => {
    const access = new HubAccess(space())
    const results: Record<string, string> = {}
    for (const t of ['hf_space_secret', 'hf_member_write', 'hf_fine_space', 'hf_fine_org', 'hf_owner_write', 'hf_fine_readonly', 'hf_fine_other_space', 'hf_stranger_write', 'hf_invalid'])
      results[t] = await outcome(access.check(t))
    expect(results).toEqual({
      hf_space_secret: 'ok',
      hf_member_write: 'ok',
      hf_fine_space: 'ok',
      hf_fine_org: 'ok',
      hf_owner_write: 'ForbiddenError: Expected the provided hf_token to be the user owner of the space, or be a member of the org owner of the space',
      hf_fine_readonly: 'ForbiddenError: Expected the provided hf_token with fine grained permissions to provide write access to the space',
      hf_fine_other_space: 'ForbiddenError: Expected the provided hf_token with fine grained permissions to provide write access to the space',
      hf_stranger_write: 'ForbiddenError: Expected the provided hf_token to be the user owner of the space, or be a member of the org owner of the space',
      hf_invalid: 'ForbiddenError: The Hugging Face Hub did not accept the provided hf_token (invalid or expired).',
    })
  })

  test('a user-owned Space: the owner with a write token, not with a read token; no token is a 401', async () => {
    const access = new HubAccess({ ...space(), owner: 'alice' })
    expect(await outcome(access.check('hf_owner_write'))).toBe('ok')
    expect(await outcome(access.check('hf_owner_read'))).toBe('ForbiddenError: Expected the provided hf_token to provide write permissions')
    expect(await access.check(null).catch((e) => e)).toBeInstanceOf(UnauthorizedError)
  })

  test('answers are remembered (accepted and refused alike), within a bound and a TTL; the Space token never asks', async () => {
    let now = 0
    const access = new HubAccess(space(), { now: () => now, maxEntries: 2 })
    const before = hub.calls
    await access.check('hf_space_secret')
    expect(hub.calls).toBe(before)
    await Promise.all([access.check('hf_member_write'), access.check('hf_member_write'), access.check('hf_member_write')])
    expect(hub.calls).toBe(before + 1)
    await access.check('hf_stranger_write').catch(() => {})
    await access.check('hf_stranger_write').catch(() => {})
    expect(hub.calls).toBe(before + 2)
    await access.check('hf_fine_org')
    expect(access.size).toBe(2)
    now += 61_000 // refusals expire after a minute, acceptances after ten
    await access.check('hf_fine_org')
    expect(hub.calls).toBe(before + 3)
    now += 600_000
    await access.check('hf_fine_org')
    expect(hub.calls).toBe(before + 4)
  })

  test('a Hub that is down or too slow: 503, nothing let through, nothing remembered', async () => {
    const access = new HubAccess(space(), { timeoutMs: 300 })
    hub.mode = 'down'
    expect(await access.check('hf_member_write').catch((e) => e)).toBeInstanceOf(UpstreamError)
    hub.mode = 'slow'
    const err = await access.check('hf_member_write').catch((e) => e)
    expect(err).toBeInstanceOf(UpstreamError)
    expect((err as Error).message).toContain('could not be reached')
    hub.mode = 'ok'
    expect(await outcome(access.check('hf_member_write'))).toBe('ok')
    const unreachable = new HubAccess({ ...space(), endpoint: 'http://127.0.0.1:9' })
    expect(await unreachable.check('hf_member_write').catch((e) => e)).toBeInstanceOf(UpstreamError)
    expect(ForbiddenError).toBeDefined()
  })
})
