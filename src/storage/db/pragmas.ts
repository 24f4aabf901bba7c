const JOURNAL_MODES = new Set(['wal', 'delete', 'truncate', 'persist', 'memory', 'off'])
const SYNC_MODES = new Set(['off', 'normal', 'full', 'extra'])
const TEMP_STORES = new Set(['default', 'file', 'memory'])
const LOCKING_MODES = new Set(['normal', 'exclusive'])

/** Trackio's connection PRAGMAs (compat §2), honouring the same environment overrides. */
export function writePragmas(env: Record<string, string | undefined> = process.env): string[] {
  const pick = (name: string, allowed: Set<string>, fallback: string): string => {
    const v = env[name]?.toLowerCase()
    return v && allowed.has(v) ? v.toUpperCase() : fallback
  }
  const spaces = env.SYSTEM === 'spaces'
  const mmap = Number.parseInt(env.TRACKIO_SQLITE_MMAP_SIZE ?? '', 10)
  const pragmas = [
    `PRAGMA journal_mode = ${pick('TRACKIO_SQLITE_JOURNAL_MODE', JOURNAL_MODES, spaces ? 'DELETE' : 'WAL')}`,
    `PRAGMA synchronous = ${pick('TRACKIO_SQLITE_SYNCHRONOUS', SYNC_MODES, 'NORMAL')}`,
    `PRAGMA temp_store = ${pick('TRACKIO_SQLITE_TEMP_STORE', TEMP_STORES, 'MEMORY')}`,
    'PRAGMA cache_size = -20000',
    `PRAGMA mmap_size = ${Number.isFinite(mmap) ? mmap : 0}`,
  ]
  // Trackio's Spaces default (EXCLUSIVE) is not applied: it would shut out our own readers.
  const locking = env.TRACKIO_SQLITE_LOCKING_MODE?.toLowerCase()
  if (locking && LOCKING_MODES.has(locking)) pragmas.push(`PRAGMA locking_mode = ${locking.toUpperCase()}`)
  return pragmas
}

