import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { BadRequestError, StorageError } from '../../errors'

/**
 * Files received by `POST /api/upload`, waiting for the `bulk_upload_media` call that names them
 * (spec 8.2). Only paths handed out here can be consumed, each once; a staged file nobody claims
 * is deleted after `ttlMs`. Staging is bounded in files and bytes, so a client that uploads and
 * never commits cannot fill the disk.
 */
export interface StagingLimits {
  /** Most files waiting at once. */
  maxFiles: number
  /** Most bytes waiting at once. */
  maxBytes: number
  /** How long an unclaimed file is kept (the Python client claims it in the next request). */
  ttlMs: number
}

export const DEFAULT_STAGING_LIMITS: StagingLimits = { maxFiles: 1000, maxBytes: 512 * 1024 * 1024, ttlMs: 10 * 60 * 1000 }

interface Staged {
  size: number
  expires: number
}

/** A suffix worth keeping from a client's file name (`.png`); anything unusual is dropped. */
export function uploadSuffix(filename: string): string {
  const m = /(\.[A-Za-z0-9]{1,16})$/.exec(filename.replace(/\\/g, '/').split('/').pop() ?? '')
  return m && m.index > 0 ? m[1]! : ''
}

/** Stagings holding a folder right now: removed when the process exits (tests, a server stopped by exit()). */
const live = new Set<UploadStaging>()
let exitHook = false

function track(s: UploadStaging): void {
  live.add(s)
  if (exitHook) return
  exitHook = true
  process.once('exit', () => {
    for (const each of live) each.close()
  })
}

export class UploadStaging {
  private dir_: string | null = null
  private readonly files = new Map<string, Staged>()
  private bytes = 0
  /** Uploads being written right now (the folder must not be removed under them). */
  private writing = 0
  private readonly timer: ReturnType<typeof setInterval>

  constructor(
    readonly limits: StagingLimits = DEFAULT_STAGING_LIMITS,
    private readonly parent: string = tmpdir(),
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.max(1000, Math.min(60_000, limits.ttlMs / 2)))
    this.timer.unref?.()
  }

  /** Our private folder under the system temp dir (mode 0700), made when needed, removed when empty. */
  private dir(): string {
    if (this.dir_ === null) {
      this.dir_ = mkdtempSync(join(this.parent, 'trackio-uploads-'))
      track(this)
    }
    return this.dir_
  }

  get count(): number {
    return this.files.size
  }

  get stagedBytes(): number {
    return this.bytes
  }

  /** Reserve room for `sizes` more files or throw 503 (staging full: the client retries later). */
  private reserve(sizes: number[]): void {
    this.sweep()
    const total = sizes.reduce((a, b) => a + b, 0)
    if (this.files.size + sizes.length > this.limits.maxFiles || this.bytes + total > this.limits.maxBytes)
      throw new StorageError(
        `Upload staging is full (${this.files.size} files, ${this.bytes} bytes waiting for bulk_upload_media; ` +
          `limits ${this.limits.maxFiles} files, ${this.limits.maxBytes} bytes); retry later`,
      )
  }

  /** Write the files of one upload request; returns their absolute staged paths, in order. */
  async stage(files: { name: string; data: Blob }[]): Promise<string[]> {
    this.reserve(files.map((f) => f.data.size))
    const dir = this.dir()
    const paths: string[] = []
    this.writing++
    try {
      for (const f of files) {
        const path = join(dir, `trackio-upload-${randomBytes(6).toString('base64url')}${uploadSuffix(f.name)}`)
        await Bun.write(path, f.data)
        paths.push(path)
        this.files.set(path, { size: f.data.size, expires: this.now() + this.limits.ttlMs })
        this.bytes += f.data.size
      }
    } catch (err) {
      this.writing--
      for (const p of paths) this.discard(p)
      this.removeIfEmpty()
      throw new StorageError(`Could not stage the upload: ${(err as Error).message}`)
    }
    this.writing--
    return paths
  }

  /** Whether `path` is a staged file waiting to be claimed (no side effect). */
  has(path: string): boolean {
    const s = this.files.get(resolve(path))
    return s !== undefined && s.expires > this.now()
  }

  /**
   * Claim a staged file: afterwards it is the caller's to delete (`discard`). Trackio's messages
   * for a path we did not hand out, or one whose file has gone.
   */
  claim(path: string): string {
    const p = resolve(path)
    if (!this.has(p)) throw new BadRequestError('Uploaded file was not created by this Trackio server.')
    this.forget(p)
    let ok = false
    try {
      ok = statSync(p).isFile()
    } catch {}
    if (!ok) throw new BadRequestError('Uploaded file is missing.')
    return p
  }

  private forget(p: string): void {
    const s = this.files.get(p)
    if (!s) return
    this.files.delete(p)
    this.bytes -= s.size
  }

  /** Delete a staged (or claimed) file. */
  discard(path: string): void {
    const p = resolve(path)
    this.forget(p)
    try {
      unlinkSync(p)
    } catch {}
    this.removeIfEmpty()
  }

  private removeIfEmpty(): void {
    if (this.dir_ === null || this.files.size || this.writing) return
    try {
      rmdirSync(this.dir_)
      this.dir_ = null
      live.delete(this)
    } catch {}
  }

  /** Delete every file whose time is up. */
  sweep(): void {
    const t = this.now()
    for (const [p, s] of this.files) if (s.expires <= t) this.discard(p)
  }

  /** Delete everything staged and the folder itself (server shutdown). */
  close(): void {
    clearInterval(this.timer)
    this.files.clear()
    this.bytes = 0
    if (this.dir_) rmSync(this.dir_, { recursive: true, force: true })
    this.dir_ = null
    live.delete(this)
  }
}
