import type { Storage } from '../../storage/db/connection'
import type { ToolDef } from '../../tools/core/define'

/** Estimated memory the kept answers may take in all. */
export const REQUEST_CACHE_BYTES = 64 * 1024 * 1024
/** Requests whose answers are kept at once. */
export const REQUEST_CACHE_ENTRIES = 4096
/** Longest request body (characters) whose answer is kept: small reads, the ones served by the thousand. */
export const MAX_KEY_CHARS = 4096
/** Largest answer kept (characters, or bytes once streamed): a 200,000-point series is about 17 MB. */
export const MAX_ANSWER_CHARS = 24 * 1024 * 1024

/** What an answer was computed against: a project's version object, or the project listing. */
export type ScopeToken = object | string

/** Answers longer than this are kept as UTF-8 bytes, so a hit does not encode them again. */
const KEEP_AS_BYTES_CHARS = 16 * 1024

const utf8 = new TextEncoder()

interface Entry {
  scope: 'project' | 'projects'
  project: string | null
  token: ScopeToken
  body: string | Uint8Array
  bytes: number
}

/**
 * Whole HTTP answers of read tools (those with an `answerScope`), keyed by the tool and the exact
 * request body, and served again only while their scope is unchanged: the project's database version
 * (`ProjectDb.versionToken`, one `PRAGMA data_version` after the usual file checks, so commits of
 * the Python library, our own writes, renames, deletions and replaced files all count) or the data
 * directory's listing. The token is taken before the answer is computed, so a change meanwhile only
 * costs a recomputation. A hit skips parsing, binding, validation, the read and the spelling; the
 * answer is the same text as before (a streamed answer is kept once the client has read all of it).
 * Bounded by REQUEST_CACHE_BYTES and REQUEST_CACHE_ENTRIES, least recently used first; answers of
 * projects without a database file are not kept.
 */
export class RequestCache {
  private entries = new Map<string, Entry>()
  private total = 0

  constructor(
    private readonly storage: Storage,
    private readonly maxBytes: number = REQUEST_CACHE_BYTES,
    private readonly maxEntries: number = REQUEST_CACHE_ENTRIES,
  ) {}

  /** Number of kept answers and their estimated bytes (tests). */
  get stats(): { answers: number; bytes: number } {
    return { answers: this.entries.size, bytes: this.total }
  }

  /** The kept answer to this very request, when its scope has not changed since it was computed. */
  lookup(tool: ToolDef, body: string): string | Uint8Array | undefined {
    if (!tool.answerScope || body.length > MAX_KEY_CHARS) return undefined
    const key = `${tool.name}\u0000${body}`
    const e = this.entries.get(key)
    if (!e) return undefined
    if (this.current(e.scope, e.project) !== e.token) {
      this.evict(key)
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, e)
    return e.body
  }

  /** The scope's token now, to take before computing an answer; null when the answer is not to be kept. */
  token(tool: ToolDef, args: ReadonlyMap<string, unknown>, body: string): ScopeToken | null {
    if (!tool.answerScope || body.length > MAX_KEY_CHARS) return null
    if (tool.keepAnswer && !tool.keepAnswer(args)) return null
    const project = args.get('project')
    if (tool.answerScope === 'project' && typeof project !== 'string') return null
    return this.current(tool.answerScope, tool.answerScope === 'project' ? (project as string) : null)
  }

  /** Keep `text` (or, for a streamed answer, its bytes) as the answer to this request, computed after `token` was taken. */
  store(tool: ToolDef, args: ReadonlyMap<string, unknown>, body: string, token: ScopeToken, text: string | Uint8Array): void {
    const size = typeof text === 'string' ? text.length : text.byteLength
    if (!tool.answerScope || size > MAX_ANSWER_CHARS) return
    const key = `${tool.name}\u0000${body}`
    const project = tool.answerScope === 'project' ? (args.get('project') as string) : null
    const answer = typeof text === 'string' && text.length > KEEP_AS_BYTES_CHARS ? utf8.encode(text) : text
    const bytes = (typeof answer === 'string' ? 2 * answer.length : answer.byteLength) + 2 * (key.length + (project?.length ?? 0)) + 256
    if (bytes > this.maxBytes) return
    this.evict(key)
    this.entries.set(key, { scope: tool.answerScope, project, token, body: answer, bytes })
    this.total += bytes
    for (const [k] of this.entries) {
      if (this.total <= this.maxBytes && this.entries.size <= this.maxEntries) break
      this.evict(k)
    }
  }

  private current(scope: 'project' | 'projects', project: string | null): ScopeToken | null {
    try {
      if (scope === 'projects') return this.storage.listingToken()
      return this.storage.project(project!)?.versionToken() ?? null
    } catch {
      // Locked, refused or unreadable: the request takes the ordinary path, which says why.
      return null
    }
  }

  private evict(key: string): void {
    const e = this.entries.get(key)
    if (e) {
      this.entries.delete(key)
      this.total -= e.bytes
    }
  }
}

/**
 * `stream` passed through unchanged, calling `done` with all its bytes once it has been read to the
 * end (not when the client went away, nor past `limit` bytes).
 */
export function keptWhenRead(stream: ReadableStream<Uint8Array>, done: (bytes: Uint8Array) => void, limit: number = MAX_ANSWER_CHARS): ReadableStream<Uint8Array> {
  let chunks: Uint8Array[] | null = []
  let total = 0
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (chunks) {
          total += chunk.byteLength
          if (total > limit) chunks = null
          else chunks.push(chunk)
        }
        controller.enqueue(chunk)
      },
      flush() {
        if (!chunks) return
        const all = new Uint8Array(total)
        let at = 0
        for (const c of chunks) {
          all.set(c, at)
          at += c.byteLength
        }
        chunks = null
        done(all)
      },
    }),
  )
}
