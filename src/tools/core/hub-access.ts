import { createHash } from 'node:crypto'
import { ForbiddenError, TrackioError, UnauthorizedError, UpstreamError } from '../../errors'
import type { Authorizer } from './invoke'
import { presentedToken, requireWriteToken, tokenMatches } from './write-token'

/**
 * Write access on a Hugging Face Space (`SYSTEM=spaces`, compat §7): a Hub token is accepted when it
 * is the Space's own `HF_TOKEN`, or when the Hub's `whoami-v2` shows the Space owner (or a member of
 * the owning organisation) holding a `write` token, or a fine-grained token with `repo.write` on the
 * Space or on its owner. Trackio's rules and messages; its 500s become 401/403, and a Hub that is
 * down or slow is a 503 — never a hang, never a write let through.
 */

export interface SpaceIdentity {
  /** SPACE_AUTHOR_NAME: the user or organisation that owns the Space. */
  owner: string
  /** SPACE_REPO_NAME. */
  repo: string
  /** The Space's own HF_TOKEN secret, when set. */
  spaceToken: string | null
  /** HF_ENDPOINT (default https://huggingface.co). */
  endpoint: string
}

export interface HubAccessOptions {
  fetch?: (url: string, init: RequestInit) => Promise<Response>
  /** How long one whoami-v2 call may take (default 5 s). */
  timeoutMs?: number
  /** How long an accepted token stays accepted without asking the Hub again (default 10 minutes). */
  acceptedTtlMs?: number
  /** How long a refused token stays refused (default 1 minute: whoami-v2 is rate-limited). */
  refusedTtlMs?: number
  /** Tokens remembered at most (least recently used go first; default 256). */
  maxEntries?: number
  now?: () => number
}

const MISSING = 'Expected a HF_TOKEN to be provided when logging to a Space'
const NOT_OWNER = 'Expected the provided hf_token to be the user owner of the space, or be a member of the org owner of the space'
const FINE_GRAINED = 'Expected the provided hf_token with fine grained permissions to provide write access to the space'
const NOT_WRITE = 'Expected the provided hf_token to provide write permissions'

interface Whoami {
  name?: unknown
  orgs?: { name?: unknown }[]
  auth?: { accessToken?: { role?: unknown; fineGrained?: { scoped?: { entity?: { type?: unknown; name?: unknown }; permissions?: unknown }[] } } }
}

/** Whether a whoami-v2 answer grants write access to `space`; the refusal message when not. */
export function writeRefusal(who: Whoami, space: SpaceIdentity): string | null {
  const orgs = (who.orgs ?? []).map((o) => o.name)
  if (who.name !== space.owner && !orgs.includes(space.owner)) return NOT_OWNER
  const token = who.auth?.accessToken
  if (token?.role === 'fineGrained') {
    const ok = (token.fineGrained?.scoped ?? []).some((item) => {
      const perms = Array.isArray(item.permissions) ? item.permissions : []
      if (!perms.includes('repo.write')) return false
      const { type, name } = item.entity ?? {}
      return (type === 'space' && name === `${space.owner}/${space.repo}`) || ((type === 'user' || type === 'org') && name === space.owner)
    })
    return ok ? null : FINE_GRAINED
  }
  return token?.role === 'write' ? null : NOT_WRITE
}

interface Entry {
  refusal: TrackioError | null
  expires: number
}

/** Checks Hub tokens against the Space, remembering answers (bounded, with a TTL). */
export class HubAccess {
  private readonly known = new Map<string, Entry>()
  private readonly pending = new Map<string, Promise<Entry>>()
  private readonly o: Required<HubAccessOptions>

  constructor(
    readonly space: SpaceIdentity,
    o: HubAccessOptions = {},
  ) {
    this.o = {
      fetch: o.fetch ?? ((url, init) => fetch(url, init)),
      timeoutMs: o.timeoutMs ?? 5000,
      acceptedTtlMs: o.acceptedTtlMs ?? 600_000,
      refusedTtlMs: o.refusedTtlMs ?? 60_000,
      maxEntries: o.maxEntries ?? 256,
      now: o.now ?? Date.now,
    }
  }

  /** Resolve when `token` may write to the Space; throw 401/403 when not, 503 when the Hub cannot tell. */
  async check(token: string | null): Promise<void> {
    if (token === null || token === '') throw new UnauthorizedError(MISSING)
    if (this.space.spaceToken && tokenMatches(this.space.spaceToken, token)) return
    const key = createHash('sha256').update(token).digest('base64')
    let entry = this.known.get(key)
    if (entry && entry.expires <= this.o.now()) {
      this.known.delete(key)
      entry = undefined
    }
    if (!entry) {
      let asking = this.pending.get(key)
      if (!asking) {
        asking = this.ask(token).finally(() => this.pending.delete(key))
        this.pending.set(key, asking)
      }
      entry = await asking
      this.remember(key, entry)
    } else {
      this.known.delete(key)
      this.known.set(key, entry)
    }
    if (entry.refusal) throw entry.refusal
  }

  get size(): number {
    return this.known.size
  }

  private remember(key: string, entry: Entry): void {
    this.known.delete(key)
    while (this.known.size >= this.o.maxEntries) this.known.delete(this.known.keys().next().value!)
    this.known.set(key, entry)
  }

  private async ask(token: string): Promise<Entry> {
    const url = `${this.space.endpoint.replace(/\/+$/, '')}/api/whoami-v2`
    let res: Response
    let body: Whoami
    try {
      res = await this.o.fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(this.o.timeoutMs) })
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel()
        return this.refused(new ForbiddenError('The Hugging Face Hub did not accept the provided hf_token (invalid or expired).'))
      }
      if (!res.ok) {
        await res.body?.cancel()
        throw new UpstreamError(`The Hugging Face Hub answered ${res.status} when checking the hf_token; try again`)
      }
      body = (await res.json()) as Whoami
    } catch (err) {
      if (err instanceof TrackioError) throw err
      throw new UpstreamError(`The Hugging Face Hub (${this.space.endpoint}) could not be reached to check the hf_token: ${err instanceof Error ? err.message : String(err)}`)
    }
    const refusal = writeRefusal(body, this.space)
    return refusal ? this.refused(new ForbiddenError(refusal)) : { refusal: null, expires: this.o.now() + this.o.acceptedTtlMs }
  }

  private refused(error: TrackioError): Entry {
    return { refusal: error, expires: this.o.now() + this.o.refusedTtlMs }
  }
}

function bearer(request: Request | null): string | null {
  const auth = request?.headers.get('authorization') ?? null
  return auth !== null && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '') : null
}

/**
 * Spaces mode: logging needs a Hub token with write access to the Space (the `hf_token` argument or
 * `Authorization: Bearer`); the write token does not authorise it there. A mutation (delete, rename,
 * sync) accepts such a Hub token, or else the write token from the usual places.
 */
export function spacesAuthorizer(writeToken: string, hub: HubAccess): Authorizer {
  return async (tool, caller, args) => {
    const arg = args.get('hf_token')
    const hf = typeof arg === 'string' && arg !== '' ? arg : bearer(caller.request)
    if ((tool.writeKind ?? 'log') === 'log') return hub.check(hf)
    if (hf !== null) {
      if (tokenMatches(writeToken, hf)) return
      return hub.check(hf)
    }
    requireWriteToken(writeToken, presentedToken(caller.request, args.get('write_token')), `call ${tool.name}`)
  }
}
