import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { BadRequestError } from '../../errors'

/** Whether a run name can be used as a directory below a project's media folder (no `..`, no empty segment). */
export function safeMediaName(name: string): boolean {
  if (name.includes('\0')) return false
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
}

/**
 * One file-system step of a media move. A move is planned completely (and refused, if it must
 * be, before anything changes), written to the rename journal, then applied step by step. Each
 * step's effect is visible on disk, so `rollForward` / `rollBack` can finish or undo a plan that
 * was cut off anywhere without knowing how far it got.
 */
export type MoveStep =
  | { op: 'rename'; src: string; dst: string }
  /** `mkdir -p dir`; `first` is the topmost folder it creates (removed again by a rollback when empty). */
  | { op: 'mkdir'; dir: string; first: string }
  | { op: 'rmdir'; dir: string }

const stat = (p: string) => {
  try {
    return lstatSync(p)
  } catch {
    return null
  }
}

const exists = (p: string): boolean => stat(p) !== null

/**
 * Refuse a path below `root` that passes through a symbolic link at any level (the last
 * included): moving through a link planted in the media folder would move files outside it.
 */
export function refuseLinks(root: string, path: string): void {
  let p = root
  for (const seg of relative(root, path).split(sep)) {
    if (!seg) continue
    p = join(p, seg)
    const st = stat(p)
    if (!st) return
    if (st.isSymbolicLink()) throw new BadRequestError(`Cannot move media: ${relative(dirname(root), p)} is a symbolic link`)
  }
}

/**
 * Plan moving a run's media folder `from` → `to` (both below `root`, the project's media
 * folder). A missing source plans nothing. An existing target folder is merged into (Trackio
 * replaces it, deleting the other run's media); a file present in both is refused. Missing
 * parents of `to` are created. Nothing on disk changes here.
 */
export function planMediaMove(root: string, from: string, to: string, hopSuffix: string): MoveStep[] {
  refuseLinks(root, from)
  refuseLinks(root, to)
  if (!exists(from)) return []
  const target = stat(to)
  if (target && !target.isDirectory()) throw new BadRequestError(`Cannot move media: ${to} exists and is not a folder`)
  const nested = to.startsWith(from + sep)
  if (target && nested) throw new BadRequestError('Cannot move media into a folder inside itself that already exists')
  const steps: MoveStep[] = []
  if (target) {
    planMerge(from, to, root, steps)
    return steps
  }
  let source = from
  if (nested) {
    // The new folder lies inside the old one ("a" → "a/b"): hop through a sibling first.
    source = `${from}.rename-${hopSuffix}`
    if (exists(source)) throw new BadRequestError(`Cannot move media: ${source} is in the way`)
    steps.push({ op: 'rename', src: from, dst: source })
  }
  const parent = dirname(to)
  // After the hop, `from` and everything below it are gone.
  const present = (d: string) => exists(d) && !(nested && (d === from || d.startsWith(from + sep)))
  if (!present(parent)) {
    let first = parent
    while (!present(dirname(first))) first = dirname(first)
    const blocker = stat(dirname(first))
    if (blocker && !blocker.isDirectory()) throw new BadRequestError(`Cannot move media: ${dirname(first)} exists and is not a folder`)
    steps.push({ op: 'mkdir', dir: parent, first })
  } else if (!stat(parent)!.isDirectory()) {
    throw new BadRequestError(`Cannot move media: ${parent} exists and is not a folder`)
  }
  steps.push({ op: 'rename', src: source, dst: to })
  return steps
}

function planMerge(from: string, to: string, root: string, steps: MoveStep[]): void {
  for (const entry of readdirSync(from)) {
    const src = join(from, entry)
    const dst = join(to, entry)
    const d = stat(dst)
    if (!d) {
      steps.push({ op: 'rename', src, dst })
    } else if (d.isDirectory() && !d.isSymbolicLink() && stat(src)?.isDirectory() && !stat(src)?.isSymbolicLink()) {
      planMerge(src, dst, root, steps)
    } else {
      throw new BadRequestError(`Cannot move media: ${relative(dirname(root), dst)} exists for both runs`)
    }
  }
  steps.push({ op: 'rmdir', dir: from })
}

/** Index of the last rename already applied (its source gone, its target present); -1 when none. */
function lastApplied(steps: MoveStep[]): number {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!
    if (s.op === 'rename' && !exists(s.src) && exists(s.dst)) return i
  }
  return -1
}

/** Apply a plan from its start (`applySteps`) or finish one that was cut off (`rollForward`). */
export function applySteps(steps: MoveStep[], from = 0, onStep?: (i: number) => void): void {
  for (let i = from; i < steps.length; i++) {
    const s = steps[i]!
    if (s.op === 'rename') {
      if (exists(s.src) && !exists(s.dst)) renameSync(s.src, s.dst)
    } else if (s.op === 'mkdir') {
      mkdirSync(s.dir, { recursive: true })
    } else if (existsSync(s.dir)) {
      try {
        rmdirSync(s.dir)
      } catch {
        /* not empty: someone else's file; leave the folder */
      }
    }
    onStep?.(i)
  }
}

export function rollForward(steps: MoveStep[]): void {
  applySteps(steps, lastApplied(steps) + 1)
}

/** Undo whatever part of a plan was applied, newest first; steps never applied are skipped. */
export function rollBack(steps: MoveStep[]): void {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!
    try {
      if (s.op === 'rename') {
        if (exists(s.dst) && !exists(s.src)) renameSync(s.dst, s.src)
      } else if (s.op === 'mkdir') {
        for (let d = s.dir; d.length >= s.first.length; d = dirname(d)) {
          if (!exists(d)) continue
          rmdirSync(d)
        }
      } else if (!exists(s.dir)) {
        mkdirSync(s.dir, { recursive: true })
      }
    } catch {
      /* best effort: keep undoing the rest (a folder another writer filled stays) */
    }
  }
}
