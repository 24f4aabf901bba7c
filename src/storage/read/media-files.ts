import { realpathSync, statSync } from 'node:fs'
import { extname, isAbsolute, join, resolve, sep } from 'node:path'

/** Never served, wherever they lie (spec 6.1): database files and their sidecars. */
const DATABASE_SUFFIXES = new Set(['.db', '.db-journal', '.db-wal', '.db-shm', '.sqlite', '.sqlite3'])

export function isDatabaseName(path: string): boolean {
  return DATABASE_SUFFIXES.has(extname(path).toLowerCase())
}

function real(path: string): string | null {
  try {
    return realpathSync(path)
  } catch {
    return null
  }
}

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep)
}

export interface MediaFile {
  /** The file's real path (links resolved). */
  path: string
  size: number
  mtimeMs: number
}

/**
 * The media file `/file?path=` names, or null (spec 6.1). `requested` is either absolute (what
 * Trackio's dashboard sends) or relative to the media directory (a value's stored `file_path`).
 * Only a regular file whose real path (every link resolved) lies under the media directory is
 * returned: never a database file, never anything a link leads to outside.
 */
export function findMediaFile(mediaDir: string, requested: string): MediaFile | null {
  if (requested === '' || requested.includes('\0')) return null
  const candidate = isAbsolute(requested) ? resolve(requested) : resolve(mediaDir, requested)
  if (isDatabaseName(candidate)) return null
  const root = real(mediaDir)
  const path = real(candidate)
  if (root === null || path === null || !inside(path, root) || isDatabaseName(path)) return null
  try {
    const st = statSync(path)
    if (!st.isFile()) return null
    return { path, size: st.size, mtimeMs: st.mtimeMs }
  } catch {
    return null
  }
}

/** The media directory of a data directory (spec 1.4). */
export function mediaRoot(dataDir: string): string {
  return join(dataDir, 'media')
}
