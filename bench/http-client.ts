/**
 * A small HTTP/1.1 load client on raw keep-alive sockets (Bun.connect), so the benchmark measures the
 * servers, not the client: no Request/Response objects, one pre-encoded request per connection, a
 * minimal response parser (status line, Content-Length or chunked bodies). Used by bench/side-by-side.ts.
 */

export interface Reply {
  status: number
  body: Uint8Array
}

const CRLF2 = Buffer.from('\r\n\r\n')

type Phase = 'head' | 'length' | 'size' | 'data' | 'trailer' | 'eof'

/**
 * One keep-alive connection sending one request at a time. The response parser is incremental (body
 * bytes are counted, never re-concatenated), so a 17 MB answer costs the client one pass.
 */
export class Connection {
  private socket: Bun.Socket<undefined> | null = null
  private waiting: ((r: Reply) => void) | null = null
  private failed: ((e: Error) => void) | null = null
  private keepBody = false
  private phase: Phase = 'head'
  /** Bytes of an unfinished header or chunk-size line. */
  private pending: Buffer = Buffer.alloc(0)
  private remaining = 0
  private status = 0
  private parts: Uint8Array[] = []

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  async open(): Promise<void> {
    this.socket = await Bun.connect({
      hostname: this.host,
      port: this.port,
      socket: {
        data: (_s, chunk) => this.onData(chunk),
        close: () => {
          if (this.phase === 'eof' && this.waiting) return this.finish()
          this.failed?.(new Error(`connection to port ${this.port} closed`))
        },
        error: (_s, e) => this.failed?.(e),
      },
    })
    this.socket.setNoDelay(true)
  }

  /** Send a pre-encoded request; resolves with the status and (when `keepBody`) the body bytes. */
  send(request: Uint8Array, keepBody = false): Promise<Reply> {
    this.keepBody = keepBody
    this.phase = 'head'
    this.pending = Buffer.alloc(0)
    this.parts = []
    return new Promise<Reply>((resolve, reject) => {
      this.waiting = resolve
      this.failed = reject
      let off = 0
      while (off < request.length) {
        const n = this.socket!.write(request.subarray(off))
        if (n <= 0) break
        off += n
      }
      if (off < request.length) reject(new Error('request not written in one go'))
    })
  }

  private finish(): void {
    const w = this.waiting
    this.waiting = null
    this.failed = null
    const body = this.keepBody ? Buffer.concat(this.parts) : new Uint8Array(0)
    this.parts = []
    this.phase = 'head'
    w?.({ status: this.status, body })
  }

  private onData(chunk: Buffer): void {
    let buf = chunk
    while (buf.length && this.waiting) {
      switch (this.phase) {
        case 'head': {
          const all = this.pending.length ? Buffer.concat([this.pending, buf]) : buf
          const he = all.indexOf(CRLF2)
          if (he < 0) {
            this.pending = Buffer.from(all)
            return
          }
          this.pending = Buffer.alloc(0)
          const head = all.toString('latin1', 0, he).toLowerCase()
          this.status = Number(head.slice(9, 12))
          buf = all.subarray(he + 4)
          const cl = /\r\ncontent-length:\s*(\d+)/.exec(head)
          if (cl) {
            this.remaining = Number(cl[1])
            this.phase = 'length'
            if (this.remaining === 0) this.finish()
          } else if (/\r\ntransfer-encoding:\s*chunked/.test(head)) this.phase = 'size'
          else this.phase = 'eof'
          break
        }
        case 'length': {
          const n = Math.min(this.remaining, buf.length)
          if (this.keepBody) this.parts.push(Uint8Array.prototype.slice.call(buf, 0, n))
          this.remaining -= n
          buf = buf.subarray(n)
          if (this.remaining === 0) this.finish()
          break
        }
        case 'size':
        case 'trailer': {
          const all = this.pending.length ? Buffer.concat([this.pending, buf]) : buf
          const le = all.indexOf('\r\n')
          if (le < 0) {
            this.pending = Buffer.from(all)
            return
          }
          this.pending = Buffer.alloc(0)
          const line = all.toString('latin1', 0, le)
          buf = all.subarray(le + 2)
          if (this.phase === 'trailer') {
            if (line === '') this.finish()
          } else if (line !== '') {
            const size = parseInt(line, 16)
            if (size === 0) this.phase = 'trailer'
            else {
              this.remaining = size
              this.phase = 'data'
            }
          }
          break
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length)
          if (this.keepBody) this.parts.push(Uint8Array.prototype.slice.call(buf, 0, n))
          this.remaining -= n
          buf = buf.subarray(n)
          // The CRLF closing the chunk's data reads as an empty size line.
          if (this.remaining === 0) this.phase = 'size'
          break
        }
        case 'eof':
          if (this.keepBody) this.parts.push(Uint8Array.prototype.slice.call(buf, 0))
          return
      }
    }
  }

  close(): void {
    this.socket?.end()
    this.socket = null
  }
}

/** `POST path` with a JSON body, as bytes, for a keep-alive connection. */
export function postRequest(host: string, port: number, path: string, body: string): Uint8Array {
  const b = Buffer.from(body)
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\nConnection: keep-alive\r\n\r\n`
  return Buffer.concat([Buffer.from(head), b])
}

export interface LoadResult {
  requests: number
  seconds: number
  latencies: Float64Array
  errors: number
  firstError?: string
}

/**
 * `clients` connections each sending `request` back to back for `seconds` (at least `minRequests` in
 * all). Latencies in ms.
 */
export async function load(host: string, port: number, request: Uint8Array, clients: number, seconds: number, minRequests = 10): Promise<LoadResult> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new Connection(host, port)
      await c.open()
      return c
    }),
  )
  const lat: number[] = []
  let errors = 0
  let firstError: string | undefined
  const start = performance.now()
  const end = start + seconds * 1000
  await Promise.all(
    conns.map(async (c, k) => {
      while (performance.now() < end || lat.length < minRequests) {
        const t = performance.now()
        try {
          const r = await c.send(request)
          lat.push(performance.now() - t)
          if (r.status !== 200) {
            errors++
            firstError ??= `HTTP ${r.status}`
          }
        } catch (err) {
          // A connection the server closed: count it and carry on with a new one.
          errors++
          firstError ??= (err as Error).message
          if (errors > 1000) throw err
          c = conns[k] = new Connection(host, port)
          await c.open()
        }
      }
    }),
  )
  const secs = (performance.now() - start) / 1000
  for (const c of conns) c.close()
  const latencies = Float64Array.from(lat).sort()
  return { requests: lat.length, seconds: secs, latencies, errors, firstError }
}

export function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
