import { homedir } from 'node:os'
import { join } from 'node:path'

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
