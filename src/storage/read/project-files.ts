import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { compareCodePoints } from '../db/connection'

/** Most files get_project_files lists (a project's `files/` folder is written by `trackio.save`). */
export const MAX_PROJECT_FILES = 10_000

export interface ProjectFile {
  name: string
  path: string
  size: number
}

/** Python's Path ordering: by path segments, each compared by code point. */
function compareParts(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareCodePoints(a[i]!, b[i]!)
    if (d) return d
  }
  return a.length - b.length
}

/**
 * Regular files below `{media}/{project}/files`, by relative path in Python's Path order. Symbolic
 * links are not followed or listed (they could name files outside the media directory).
 */
export function projectFiles(mediaDir: string, limit = MAX_PROJECT_FILES): ProjectFile[] {
  const root = join(mediaDir, 'files')
  const found: { parts: string[]; path: string; size: number }[] = []
  const walk = (dir: string, parts: string[]): void => {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const name of names) {
      if (found.length >= limit) return
      const path = join(dir, name)
      const st = lstatSync(path, { throwIfNoEntry: false })
      if (!st) continue
      if (st.isDirectory()) walk(path, [...parts, name])
      else if (st.isFile()) found.push({ parts: [...parts, name], path, size: st.size })
    }
  }
  walk(root, [])
  return found.sort((a, b) => compareParts(a.parts, b.parts)).map((f) => ({ name: f.parts.join('/'), path: f.path, size: f.size }))
}
