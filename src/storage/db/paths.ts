import { lstatSync, realpathSync, type Stats } from 'node:fs'
import { homedir } from 'node:os'
import { join, sep } from 'node:path'
import { StorageError } from '../../errors'

/**
 * TRACKIO_DIR resolution (compat §1): a non-empty TRACKIO_DIR is used verbatim; otherwise
 * HF_HOME/trackio, where HF_HOME defaults to $XDG_CACHE_HOME/huggingface, then ~/.cache/huggingface,
 * and gets ~ and $VAR expansion.
 */
export function resolveTrackioDir(env: Record<string, string | undefined> = process.env): string {
  const dir = env.TRACKIO_DIR
  if (dir) return dir
  let hfHome = env.HF_HOME
  if (hfHome === undefined) {
    const xdg = env.XDG_CACHE_HOME
    // os.getenv semantics: an empty XDG_CACHE_HOME is set (it yields the relative path huggingface)
    hfHome = xdg !== undefined ? join(xdg, 'huggingface') : join('~', '.cache', 'huggingface')
  }
  return join(expandVars(expandUser(hfHome, env), env), 'trackio')
}

function expandUser(p: string, env: Record<string, string | undefined>): string {
  if (p === '~' || p.startsWith('~/')) return (env.HOME || homedir()) + p.slice(1)
  return p
}

function expandVars(p: string, env: Record<string, string | undefined>): string {
  return p.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a, b) => env[a ?? b] ?? whole)
}

const KEEP = /[\p{L}\p{N}_-]/u

/**
 * Project name → on-disk stem (compat §1): keep Unicode letters and digits, `-` and `_`; nothing
 * left → `default`. The result never holds a path separator, a dot or a NUL, so it cannot
 * leave the data directory.
 */
export function canonicalProjectName(project: string): string {
  let out = ''
  for (const ch of project) if (KEEP.test(ch)) out += ch
  out = out.trimEnd()
  return out === '' ? 'default' : out
}

/** Longest stem we create or open: keeps `{stem}_configs.parquet` under NAME_MAX (255 bytes). */
export const MAX_STEM_BYTES = 200

export function stemTooLong(stem: string): boolean {
  return Buffer.byteLength(stem, 'utf8') > MAX_STEM_BYTES
}

export interface ProjectPaths {
  stem: string
  db: string
  lock: string
  mediaDir: string
}

export function projectPaths(dataDir: string, project: string): ProjectPaths {
  const stem = canonicalProjectName(project)
  return {
    stem,
    db: join(dataDir, `${stem}.db`),
    lock: join(dataDir, `${stem}.lock`),
    mediaDir: join(dataDir, 'media', stem),
  }
}

/** Stem prefix Trackio keeps for artifact-registry databases. */
export const REGISTRY_PREFIX = 'registry-'
/** Stem suffixes of the parquet export files Trackio writes beside a project's database. */
export const EXPORT_SUFFIXES = ['_system', '_configs', '_traces', '_artifacts', '_artifact_versions', '_artifact_aliases', '_run_artifact_links'] as const

/** The export suffix a stem ends with (and is longer than), or null: such a project's exports collide with the shorter one's. */
export function exportSuffixOf(stem: string): string | null {
  return EXPORT_SUFFIXES.find((s) => stem.length > s.length && stem.endsWith(s)) ?? null
}

/**
 * Why Trackio's `init()` refuses a project name (spec 1.2), or null when it is allowed: a stem
 * starting with `registry-` belongs to artifact registries; one ending with an export suffix
 * would write the parquet files of another project. We refuse them for every write.
 */
export function reservedProjectReason(project: string): string | null {
  const stem = canonicalProjectName(project)
  if (stem.startsWith(REGISTRY_PREFIX))
    return `Project name '${project}' is reserved: names starting with '${REGISTRY_PREFIX}' belong to Trackio artifact registries`
  const suffix = exportSuffixOf(stem)
  if (suffix)
    return `Project name '${project}' is reserved: its file name '${stem}' ends with '${suffix}', so its parquet export would collide with the files of project '${stem.slice(0, -suffix.length)}'`
  return null
}

/** Files SQLite creates beside a database and writes through whatever is at that name. */
const SQLITE_SIDECARS = ['-wal', '-shm', '-journal'] as const

/**
 * Refuse to use a project's database when something in the data directory points the server
 * outside it (a process writing there must not act through the server): a `.db` that is a
 * symbolic link leading out of the data directory or nowhere (SQLite would create the target),
 * or a `-wal` / `-shm` / `-journal` that is a link at all (SQLite writes and truncates through
 * it). The `.lock` file is opened with O_NOFOLLOW instead (lock.ts). Throws StorageError (503).
 * `dbStat`: the caller's lstat of the `.db` (null: none there), so it is not taken twice.
 */
export function refuseLinksOut(dataDir: string, paths: ProjectPaths, dbStat?: Stats | null): void {
  // throwIfNoEntry: a missing sidecar (the usual case) costs no exception on every request.
  const linked = (p: string): boolean => {
    try {
      return lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() ?? false
    } catch {
      return false
    }
  }
  const refuse = (what: string): never => {
    throw new StorageError(`Refusing to open the database of project '${paths.stem}': ${what}`)
  }
  if (dbStat === undefined ? linked(paths.db) : dbStat?.isSymbolicLink()) {
    let target: string
    try {
      target = realpathSync(paths.db)
    } catch {
      return refuse(`${paths.stem}.db is a symbolic link to nothing (a database would be created outside the data directory)`)
    }
    let root: string
    try {
      root = realpathSync(dataDir)
    } catch {
      root = dataDir
    }
    if (!target.startsWith(root + sep)) refuse(`${paths.stem}.db is a symbolic link out of the data directory`)
  }
  for (const suffix of SQLITE_SIDECARS)
    if (linked(paths.db + suffix)) refuse(`${paths.stem}.db${suffix} is a symbolic link`)
}
