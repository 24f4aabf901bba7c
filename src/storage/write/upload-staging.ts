import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
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

/** Largest `POST /api/upload` request by default (artifact files come this way); --max-upload-bytes changes it. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024

export const DEFAULT_STAGING_LIMITS: StagingLimits = { maxFiles: 1000, maxBytes: 2 * DEFAULT_MAX_UPLOAD_BYTES, ttlMs: 10 * 60 * 1000 }

/** Staging limits for a server taking uploads of up to `maxUploadBytes`: room for two of them at once. */
export function stagingLimitsFor(maxUploadBytes: number): StagingLimits {
  return { ...DEFAULT_STAGING_LIMITS, maxBytes: Math.max(512 * 1024 * 1024, 2 * maxUploadBytes) }
}

/**
 * The files of one upload request, staged as their bytes arrive (`UploadStaging.begin`): `open`
 * starts the next file, `write` appends to it, `finish` hands the paths over (claimable from then
 * on), `abort` deletes what was written. Every byte counts against the staging bounds as it comes.
 */
export interface StagingWriter {
  open(filename: string): Promise<void>
  write(chunk: Uint8Array): Promise<void>
  finish(): Promise<string[]>
  abort(): Promise<void>
}

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

const PREFIX = 'trackio-uploads-'

/**
 * Remove staging folders a killed server left behind: named for a process that no longer exists and
 * untouched for longer than a staged file may wait (so a live server elsewhere is never robbed).
 */
export function removeOrphans(parent: string, ttlMs: number, now: number): void {
  let names: string[]
  try {
    names = readdirSync(parent)
  } catch {
    return
  }
  for (const name of names) {
    const m = /^trackio-uploads-(\d+)-/.exec(name)
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue
    const path = join(parent, name)
    try {
      const st = statSync(path)
      if (st.isDirectory() && now - st.mtimeMs > ttlMs) rmSync(path, { recursive: true, force: true })
    } catch {
      /* gone meanwhile, or not ours to remove */
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
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
      removeOrphans(this.parent, this.limits.ttlMs, this.now())
      this.dir_ = mkdtempSync(join(this.parent, `${PREFIX}${process.pid}-`))
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
    const files = this.files.size + this.arrivingFiles
    const bytes = this.bytes + this.arrivingBytes
    if (files + sizes.length > this.limits.maxFiles || bytes + total > this.limits.maxBytes)
      throw new StorageError(
        `Upload staging is full (${files} files, ${bytes} bytes waiting for bulk_upload_media or arriving; ` +
          `limits ${this.limits.maxFiles} files, ${this.limits.maxBytes} bytes); retry later`,
      )
  }

  /** Write the files of one upload request; returns their absolute staged paths, in order. */
  async stage(files: { name: string; data: Blob }[]): Promise<string[]> {
    this.reserve(files.map((f) => f.data.size))
    const w = this.begin()
    try {
      for (const f of files) {
        await w.open(f.name)
        await w.write(new Uint8Array(await f.data.arrayBuffer()))
      }
      return await w.finish()
    } catch (err) {
      await w.abort()
      throw err
    }
  }

  /** Files and bytes of uploads still arriving (counted against the bounds, not claimable yet). */
  private arrivingFiles = 0
  private arrivingBytes = 0

  /** Stage one request's files as they arrive (see StagingWriter). */
  begin(): StagingWriter {
    const parts: { path: string; size: number }[] = []
    let fh: FileHandle | null = null
    let ended = false
    this.writing++
    const closeFile = async () => {
      const f = fh
      fh = null
      await f?.close()
    }
    const end = () => {
      if (ended) return
      ended = true
      this.writing--
      this.arrivingFiles -= parts.length
      this.arrivingBytes -= parts.reduce((n, p) => n + p.size, 0)
    }
    const fail = (err: unknown): never => {
      if (err instanceof StorageError || err instanceof BadRequestError) throw err
      throw new StorageError(`Could not stage the upload: ${(err as Error).message}`)
    }
    return {
      open: async (filename) => {
        await closeFile()
        this.sweep()
        if (this.files.size + this.arrivingFiles + 1 > this.limits.maxFiles) this.reserve([0])
        const path = join(this.dir(), `trackio-upload-${randomBytes(6).toString('base64url')}${uploadSuffix(filename)}`)
        try {
          fh = await open(path, 'wx', 0o600)
        } catch (err) {
          fail(err)
        }
        parts.push({ path, size: 0 })
        this.arrivingFiles++
      },
      write: async (chunk) => {
        const part = parts[parts.length - 1]
        if (!part || !fh) throw new Error('StagingWriter.write before open')
        if (this.bytes + this.arrivingBytes + chunk.byteLength > this.limits.maxBytes) this.reserve([this.limits.maxBytes])
        this.arrivingBytes += chunk.byteLength
        part.size += chunk.byteLength
        try {
          // A chunk at a time, synchronously: no copy kept for a background write, and a few hundred KiB take well under a millisecond.
          for (let off = 0; off < chunk.byteLength; ) off += writeSync(fh.fd, chunk, off, chunk.byteLength - off)
        } catch (err) {
          fail(err)
        }
      },
      finish: async () => {
        await closeFile()
        end()
        const expires = this.now() + this.limits.ttlMs
        for (const p of parts) {
          this.files.set(p.path, { size: p.size, expires })
          this.bytes += p.size
        }
        return parts.map((p) => p.path)
      },
      abort: async () => {
        await closeFile().catch(() => {})
        end()
        for (const p of parts) {
          try {
            unlinkSync(p.path)
          } catch {}
        }
        this.removeIfEmpty()
      },
    }
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
