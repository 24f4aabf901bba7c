import { copyFileSync, mkdirSync, realpathSync, renameSync, unlinkSync } from 'node:fs'
import { basename, join, sep } from 'node:path'
import { BadRequestError, StorageError } from '../../errors'
import { projectPaths } from '../db/paths'
import { safeMediaName } from './media-move'

/** Where one uploaded file goes (spec 1.4, 8.2). */
export interface MediaTarget {
  project: string
  /** A run's media: `media/{canonical}/{run}/{step}/{name}`; null/empty: project files. */
  run: string | null
  step: number | bigint | null
  /** Project files only: `media/{canonical}/files/{relative_path}/` (a folder; the file keeps its staged name). */
  relativePath: string | null
  /** The client's media basename (`orig_name`), which the logged `file_path` ends with. */
  origName: string | null
}

/**
 * The file name Trackio's server stores a run's upload under: the last segment of `orig_name`
 * (either separator), or the staged name when that is empty, `.` or `..`.
 */
export function mediaBasename(origName: string | null, staged: string): string {
  if (!origName || origName.includes('\0')) return basename(staged)
  const name = origName.replace(/\\/g, '/').split('/').pop() ?? ''
  return name === '' || name === '.' || name === '..' ? basename(staged) : name
}

/** The folder (below the data dir) and file name for an upload; names that are not plain segments are a 400. */
export function mediaTargetPath(dataDir: string, t: MediaTarget, staged: string, where: string): { dir: string; file: string } {
  const root = projectPaths(dataDir, t.project).mediaDir
  if (t.run) {
    if (!safeMediaName(t.run)) throw new BadRequestError(`${where}: run name ${JSON.stringify(t.run)} cannot name a media folder`)
    const dir = t.step === null ? join(root, t.run) : join(root, t.run, String(t.step))
    return { dir, file: mediaBasename(t.origName, staged) }
  }
  if (t.step !== null) throw new BadRequestError(`${where}: a step needs a run (project files have no step)`)
  let dir = join(root, 'files')
  if (t.relativePath) {
    if (!safeMediaName(t.relativePath)) throw new BadRequestError(`${where}: relative_path ${JSON.stringify(t.relativePath)} must be a relative path without '.' or '..' segments`)
    dir = join(dir, t.relativePath)
  }
  return { dir, file: basename(staged) }
}

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent + sep)
}

/**
 * Copy a claimed staged file to its media path: written beside the target and renamed over it, so
 * a reader never sees half a file and a retry replaces the same name. A folder on the way that is
 * a link leading out of the media directory is refused.
 */
export function storeMedia(dataDir: string, dir: string, file: string, staged: string): string {
  const mediaRoot = join(dataDir, 'media')
  const target = join(dir, file)
  try {
    mkdirSync(dir, { recursive: true })
    const real = realpathSync(dir)
    if (!inside(real, realpathSync(mediaRoot))) throw new BadRequestError(`Media folder ${dir} leads outside the media directory`)
    const tmp = join(real, `.${file}.upload-${process.pid}-${Date.now()}`)
    try {
      copyFileSync(staged, tmp)
      renameSync(tmp, join(real, file))
    } catch (err) {
      try {
        unlinkSync(tmp)
      } catch {}
      throw err
    }
  } catch (err) {
    if (err instanceof BadRequestError) throw err
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ENOTDIR' || e.code === 'EISDIR' || e.code === 'EEXIST')
      throw new BadRequestError(`Cannot store media at ${target}: a file and a folder would share that name`)
    if (e.code === 'ENAMETOOLONG') throw new BadRequestError(`Cannot store media at ${target}: name too long`)
    throw new StorageError(`Could not store media at ${target}: ${e.message}`)
  }
  return target
}
