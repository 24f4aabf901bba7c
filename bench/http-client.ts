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

/** Index of `\r\n\r\n` in buf from `from`, or -1. */
function headerEnd(buf: Buffer, from: number): number {
  return buf.indexOf(CRLF2, from)
}

/** One keep-alive connection sending one request at a time. */
export class Connection {
  private socket: Bun.Socket<undefined> | null = null
  private buf: Buffer = Buffer.alloc(0)
  private waiting: ((r: Reply) => void) | null = null
  private failed: ((e: Error) => void) | null = null
  private keepBody = false

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
        close: () => this.failed?.(new Error(`connection to port ${this.port} closed (${this.buf.length} bytes unparsed: ${this.buf.toString('latin1', 0, 200)})`)),
        error: (_s, e) => this.failed?.(e),
      },
    })
    this.socket.setNoDelay(true)
  }

  /** Send a pre-encoded request; resolves with the status and (when `keepBody`) the body bytes. */
  send(request: Uint8Array, keepBody = false): Promise<Reply> {
    this.keepBody = keepBody
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

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    const r = this.parse()
    if (r && this.waiting) {
      const w = this.waiting
      this.waiting = null
      this.failed = null
      w(r)
    }
  }

  /** A complete response at the start of the buffer (removed from it), or null when more is needed. */
  private parse(): Reply | null {
    const buf = this.buf
    const he = headerEnd(buf, 0)
    if (he < 0) return null
    const head = buf.toString('latin1', 0, he)
    const status = Number(head.slice(9, 12))
    const lower = head.toLowerCase()
    const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower)
    const start = he + 4
    if (cl) {
      const len = Number(cl[1])
      if (buf.length < start + len) return null
      const body = this.keepBody ? Uint8Array.prototype.slice.call(buf, start, start + len) : new Uint8Array(0)
      this.buf = buf.subarray(start + len)
      return { status, body }
    }
    if (/\r\ntransfer-encoding:\s*chunked/.test(lower)) {
      // Walk the chunks; only complete when the terminating 0-size chunk is in.
      const parts: Uint8Array[] = []
      let i = start
      for (;;) {
        const le = buf.indexOf('\r\n', i)
        if (le < 0) return null
        const size = parseInt(buf.toString('latin1', i, le), 16)
        const dataStart = le + 2
        if (size === 0) {
          const end = buf.indexOf(CRLF2, le)
          if (end < 0 && buf.length < dataStart + 2) return null
          this.buf = buf.subarray(Math.min(buf.length, dataStart + 2))
          return { status, body: this.keepBody ? Buffer.concat(parts) : new Uint8Array(0) }
        }
        if (buf.length < dataStart + size + 2) return null
        if (this.keepBody) parts.push(buf.subarray(dataStart, dataStart + size))
        i = dataStart + size + 2
      }
    }
    // No length: the body runs until the connection closes (not used by either server).
    this.buf = buf.subarray(start)
    return { status, body: new Uint8Array(0) }
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
