import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { BadRequestError } from '../../errors'
import type { UndoLog } from './transaction'

/** Whether a run name can be used as a directory below a project's media folder (no `..`, no empty segment). */
export function safeMediaName(name: string): boolean {
  if (name.includes('\0')) return false
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
}

const stat = (p: string) => {
  try {
    return lstatSync(p)
  } catch {
    return null
  }
}

/**
 * Move a run's media folder `from` → `to`, registering how to undo every step. A missing source
 * is a no-op. An existing target folder is merged into (Trackio replaces it, deleting the other
 * run's media); a file present in both is refused. Missing parents of `to` are created.
 */
export function moveMediaDir(from: string, to: string, undo: UndoLog): void {
  if (!stat(from)) return
  const target = stat(to)
  if (target && !target.isDirectory()) throw new BadRequestError(`Cannot move media: ${to} exists and is not a folder`)
  const nested = to.startsWith(from + sep)
  if (target && nested) throw new BadRequestError('Cannot move media into a folder inside itself that already exists')
  if (target) return merge(from, to, to, undo)
  let source = from
  if (nested) {
    // The new folder lies inside the old one ("a" → "a/b"): hop through a sibling first.
    source = `${from}.rename-${process.pid}-${Date.now()}`
    renameSync(from, source)
    undo.push(() => renameSync(source, from))
  }
  makeParents(dirname(to), undo)
  renameSync(source, to)
  undo.push(() => renameSync(to, source))
}

function makeParents(dir: string, undo: UndoLog): void {
  if (existsSync(dir)) {
    if (!stat(dir)?.isDirectory()) throw new BadRequestError(`Cannot move media: ${dir} exists and is not a folder`)
    return
  }
  const first = mkdirSync(dir, { recursive: true })
  if (!first) return
  undo.push(() => {
    for (let d = dir; d.length >= first.length; d = dirname(d)) rmdirSync(d)
  })
}

function merge(from: string, to: string, root: string, undo: UndoLog): void {
  for (const entry of readdirSync(from)) {
    const src = join(from, entry)
    const dst = join(to, entry)
    const d = stat(dst)
    if (!d) {
      renameSync(src, dst)
      undo.push(() => renameSync(dst, src))
    } else if (d.isDirectory() && !d.isSymbolicLink() && stat(src)?.isDirectory()) {
      merge(src, dst, root, undo)
    } else {
      throw new BadRequestError(`Cannot move media: ${relative(dirname(root), dst)} exists for both runs`)
    }
  }
  rmdirSync(from)
  undo.push(() => mkdirSync(from))
}
