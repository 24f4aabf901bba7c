import type { ChangeWatcher, ProjectChange } from '../../storage/read/change-watch'
import type { SessionSubscriptions } from './server'
import { parseUri, stemOf, type ResourceRef } from './uris'

/** Where a legacy session's notifications go (its server instance's GET stream). */
export interface LegacySink {
  updated(uri: string): void
  listChanged(): void
}

/** Where modern notifications go: the SDK's `subscriptions/listen` bus (handler.notify). */
export interface ModernSink {
  resourceUpdated(uri: string): void
  resourcesChanged(): void
}

interface Watched {
  uri: string
  ref: ResourceRef
}

function names(refs: { name: string }[]): Set<string> {
  return new Set(refs.map((r) => r.name))
}

/** Whether a change concerns the resource `ref` (so a subscriber of it is told). */
export function touches(ref: ResourceRef, c: ProjectChange): boolean {
  if (ref.kind === 'projects') return c.appeared !== undefined
  if (stemOf(ref) !== c.project) return false
  const runSetChanged = c.appeared !== undefined || c.created.length > 0 || c.deleted.length > 0 || c.renamed.length > 0
  if (ref.kind === 'runs') return runSetChanged
  if (c.appeared === false) return true
  const run = ref.run
  const moved = names(c.created).has(run) || names(c.deleted).has(run) || c.renamed.some((r) => r.from === run || r.to === run)
  if (moved || names(c.newSteps).has(run)) return true
  return ref.kind === 'run' && names(c.newAlerts).has(run)
}

function listChanged(changes: ProjectChange[]): boolean {
  return changes.some((c) => c.appeared !== undefined || c.created.length > 0 || c.deleted.length > 0 || c.renamed.length > 0)
}

/**
 * Live subscriptions of both eras over one change watcher: legacy sessions (resources/subscribe,
 * told on their GET stream) and modern `subscriptions/listen` streams (the URIs they listed are
 * held here while the stream is open, since the SDK's bus only sees published events). Each check
 * of the watcher sends at most one notification per subscribed URI; sending never waits for a
 * client (a slow reader only fills its own stream).
 */
export class LiveHub {
  private readonly sessions = new Set<{ sink: LegacySink; uris: Map<string, Watched> }>()
  private readonly modern = new Map<string, { w: Watched; holds: number }>()
  private listening = false

  constructor(
    private readonly watcher: ChangeWatcher,
    private readonly modernSink: ModernSink,
  ) {}

  /** Start watching (done on the first subscription; the list-changed notices need it too). */
  private listen(): void {
    if (this.listening) return
    this.listening = true
    this.watcher.on((changes) => this.dispatch(changes))
  }

  /** A legacy session's subscription set; `close` forgets it. */
  session(sink: LegacySink): SessionSubscriptions & { close(): void } {
    const entry = { sink, uris: new Map<string, Watched>() }
    this.sessions.add(entry)
    this.listen()
    return {
      subscribe: (uri) => {
        const ref = parseUri(uri)
        if (ref) entry.uris.set(uri, { uri, ref })
      },
      unsubscribe: (uri) => {
        entry.uris.delete(uri)
      },
      has: (uri) => entry.uris.has(uri),
      get size() {
        return entry.uris.size
      },
      close: () => {
        this.sessions.delete(entry)
      },
    }
  }

  /** Hold the URIs of an open modern listen stream; the returned function releases them (idempotent). */
  hold(uris: readonly string[]): () => void {
    this.listen()
    const held: string[] = []
    for (const uri of new Set(uris)) {
      const ref = parseUri(uri)
      if (!ref) continue
      const m = this.modern.get(uri)
      if (m) m.holds++
      else this.modern.set(uri, { w: { uri, ref }, holds: 1 })
      held.push(uri)
    }
    let released = false
    return () => {
      if (released) return
      released = true
      for (const uri of held) {
        const m = this.modern.get(uri)
        if (m && --m.holds === 0) this.modern.delete(uri)
      }
    }
  }

  get heldUris(): number {
    return this.modern.size
  }

  private dispatch(changes: ProjectChange[]): void {
    const hit = (w: Watched) => changes.some((c) => touches(w.ref, c))
    const lists = listChanged(changes)
    safely(() => {
      for (const { w } of this.modern.values()) if (hit(w)) this.modernSink.resourceUpdated(w.uri)
      if (lists) this.modernSink.resourcesChanged()
    })
    for (const s of this.sessions)
      safely(() => {
        for (const w of s.uris.values()) if (hit(w)) s.sink.updated(w.uri)
        if (lists) s.sink.listChanged()
      })
  }
}

/** One subscriber's failure (a closed stream) must not keep the others from hearing. */
function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // The subscriber is gone; its session or stream is cleaned up by its own close.
  }
}
