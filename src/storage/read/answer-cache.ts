import { stringify } from '../../json/serialize'
import type { Json } from '../../json/values'
import type { ProjectDb } from '../db/connection'
import { versionToken } from './series-cache'

/**
 * Whole answers of read tools that cost far more to compute than to keep (get_logs: up to 3,000 decoded
 * rows), kept until the database changes (checked with the version token, as the series cache is) and
 * spelled for HTTP once. Bounded: at most ANSWER_CACHE_BYTES of estimated memory, least recently used
 * evicted first. Empty answers are never kept (so names of runs that do not exist take no memory).
 */
export const ANSWER_CACHE_BYTES = 64 * 1024 * 1024

/**
 * A list that remembers its own HTTP spelling (compact JSON, Python float spelling): the transport asks
 * `pythonText()` instead of serialising it again. Otherwise a plain array of the value model.
 */
export class SpelledList extends Array<Json> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }
  private text?: string
  pythonText(): string {
    return (this.text ??= stringify(this as Json[], { style: 'python' }))
  }
}

interface Entry {
  version: object
  value: SpelledList
  bytes: number
}

const entries = new Map<string, Entry>()
let total = 0

function evict(key: string): void {
  const e = entries.get(key)
  if (e) {
    entries.delete(key)
    total -= e.bytes
  }
}

/**
 * The answer kept under `key` for this database version, or `compute()` (then kept, with its HTTP
 * spelling made now so concurrent readers share it). Call inside `p.read`.
 */
export function cachedAnswer(p: ProjectDb, key: string, compute: () => Json[]): Json[] {
  const full = `${p.paths.db}\u0000${p.inode}\u0000${key}`
  const version = versionToken(p)
  const hit = entries.get(full)
  if (hit && hit.version === version) {
    entries.delete(full)
    entries.set(full, hit)
    return hit.value
  }
  evict(full)
  const rows = compute()
  if (rows.length === 0) return rows
  const value = SpelledList.from(rows) as SpelledList
  const bytes = 2 * value.pythonText().length * 3 + 2 * full.length + 256
  if (bytes > ANSWER_CACHE_BYTES) return value
  entries.set(full, { version, value, bytes })
  total += bytes
  for (const [k] of entries) {
    if (total <= ANSWER_CACHE_BYTES) break
    evict(k)
  }
  return value
}

/** Number of kept answers and their estimated bytes (tests). */
export function answerCacheStats(): { answers: number; bytes: number } {
  return { answers: entries.size, bytes: total }
}
