export interface SessionStoreOptions {
  /** A session unused for this long is closed. */
  idleTtlMs: number
  /** At most this many sessions; adding one more closes the least recently used. */
  maxSessions: number
  /** How often expired sessions are swept (0: never; call sweep() yourself). */
  sweepMs: number
  now?: () => number
}

/**
 * Open MCP sessions, bounded in number and idle time so a client that never sends DELETE
 * cannot grow memory without end. Map order is recency order: a touched entry moves to the end.
 */
export class SessionStore<T> {
  private readonly entries = new Map<string, { value: T; lastUsed: number }>()
  private readonly timer: ReturnType<typeof setInterval> | null
  private readonly now: () => number

  constructor(
    private readonly o: SessionStoreOptions,
    /** Called for a session the store drops by itself (expired or evicted), after removing it. */
    private readonly onDrop: (id: string, value: T) => void,
  ) {
    this.now = o.now ?? Date.now
    this.timer = o.sweepMs > 0 ? setInterval(() => this.sweep(), o.sweepMs) : null
    // Housekeeping must not keep the process alive.
    ;(this.timer as { unref?: () => void } | null)?.unref?.()
  }

  get size(): number {
    return this.entries.size
  }

  /** The session, marked as just used; undefined when unknown or expired. */
  get(id: string): T | undefined {
    const e = this.entries.get(id)
    if (!e) return undefined
    if (this.now() - e.lastUsed > this.o.idleTtlMs) {
      this.drop(id)
      return undefined
    }
    this.entries.delete(id)
    e.lastUsed = this.now()
    this.entries.set(id, e)
    return e.value
  }

  add(id: string, value: T): void {
    this.entries.delete(id)
    while (this.entries.size >= this.o.maxSessions) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.drop(oldest)
    }
    this.entries.set(id, { value, lastUsed: this.now() })
  }

  /** Forget a session that ended by itself (DELETE, transport closed); onDrop is not called. */
  remove(id: string): void {
    this.entries.delete(id)
  }

  /** Drop every session idle for longer than the TTL; returns how many were dropped. */
  sweep(): number {
    const cutoff = this.now() - this.o.idleTtlMs
    let n = 0
    for (const [id, e] of this.entries) {
      // Recency order: the first fresh entry means the rest are fresh too.
      if (e.lastUsed >= cutoff) break
      this.drop(id)
      n++
    }
    return n
  }

  /** Drop every session and stop the sweeper. */
  clear(): void {
    if (this.timer) clearInterval(this.timer)
    for (const id of [...this.entries.keys()]) this.drop(id)
  }

  private drop(id: string): void {
    const e = this.entries.get(id)
    if (!e) return
    this.entries.delete(id)
    this.onDrop(id, e.value)
  }
}
