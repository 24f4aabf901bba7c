/**
 * A small stand-in for the Hugging Face Hub's `GET /api/whoami-v2`, started by tests: tokens map to
 * the answers the real Hub gives for an owner, an org member, read-only and fine-grained tokens; an
 * unknown token gets 401. `mode` makes it fail ('down': 500) or hang ('slow').
 */
export interface FakeHub {
  url: string
  calls: number
  mode: 'ok' | 'down' | 'slow'
  stop(): void
}

const who = (name: string, orgs: string[], accessToken: Record<string, unknown>) => ({
  type: 'user',
  name,
  orgs: orgs.map((o) => ({ name: o, roleInOrg: 'write' })),
  auth: { type: 'access_token', accessToken: { displayName: 't', ...accessToken } },
})

export const TOKENS: Record<string, unknown> = {
  'hf_owner_write': who('alice', [], { role: 'write' }),
  'hf_owner_read': who('alice', [], { role: 'read' }),
  'hf_member_write': who('bob', ['team'], { role: 'write' }),
  'hf_stranger_write': who('mallory', ['other'], { role: 'write' }),
  'hf_fine_space': who('bob', ['team'], { role: 'fineGrained', fineGrained: { scoped: [{ entity: { type: 'space', name: 'team/tracker' }, permissions: ['repo.content.read', 'repo.write'] }] } }),
  'hf_fine_org': who('bob', ['team'], { role: 'fineGrained', fineGrained: { scoped: [{ entity: { type: 'org', name: 'team' }, permissions: ['repo.write'] }] } }),
  'hf_fine_readonly': who('bob', ['team'], { role: 'fineGrained', fineGrained: { scoped: [{ entity: { type: 'space', name: 'team/tracker' }, permissions: ['repo.content.read'] }] } }),
  'hf_fine_other_space': who('bob', ['team'], { role: 'fineGrained', fineGrained: { scoped: [{ entity: { type: 'space', name: 'team/other' }, permissions: ['repo.write'] }] } }),
}

export function startFakeHub(): FakeHub {
  const hub: FakeHub = { url: '', calls: 0, mode: 'ok', stop: () => server.stop(true) }
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const path = new URL(req.url).pathname
      if (path !== '/api/whoami-v2') return new Response('not found', { status: 404 })
      hub.calls++
      if (hub.mode === 'down') return new Response('{"error":"down"}', { status: 500 })
      if (hub.mode === 'slow') await Bun.sleep(30_000)
      const token = (req.headers.get('authorization') ?? '').replace(/^Bearer /, '')
      const body = TOKENS[token]
      return body ? Response.json(body) : Response.json({ error: 'Invalid credentials in Authorization header' }, { status: 401 })
    },
  })
  hub.url = `http://127.0.0.1:${server.port}`
  return hub
}
