import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { BadRequestError, PayloadTooLargeError } from '../../../src/errors'
import { multipartBoundary, readMultipart, type PartHead } from '../../../src/transports/http/multipart'
import { inProcessApp, tempDir } from '../../helpers'

const enc = new TextEncoder()

/** A request whose body arrives in chunks of `size` bytes. */
function streamed(body: Uint8Array, size: number, type = 'multipart/form-data; boundary=B0undary'): Request {
  let at = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= body.length) return c.close()
      c.enqueue(body.slice(at, at + size))
      at += size
    },
  })
  return new Request('http://localhost/api/upload', { method: 'POST', body: stream, headers: { 'content-type': type }, duplex: 'half' } as RequestInit)
}

/** Every part's head and bytes, read with chunks of `size`. */
async function parts(body: string | Uint8Array, size: number, limit = 1 << 20): Promise<[PartHead, string][]> {
  const out: [PartHead, string][] = []
  const bytes = typeof body === 'string' ? enc.encode(body) : body
  await readMultipart(
    streamed(bytes, size),
    'B0undary',
    (head) => {
      const chunks: Uint8Array[] = []
      return { write: (c) => void chunks.push(new Uint8Array(c)), end: () => void out.push([head, Buffer.concat(chunks).toString('utf8')]) }
    },
    limit,
  )
  return out
}

const FORM =
  'preamble\r\n--B0undary\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n' +
  '\x89PNG\r\n--B0undar not yet\r\n\r\n--B0undary  \r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n' +
  '--B0undary\r\ncontent-disposition: form-data; name=files; filename="we\\"ird name.bin"\r\n\r\n\r\n--B0undary--\r\nepilogue'

describe('readMultipart', () => {
  test('parts and their exact bytes, whatever the chunk size (a boundary split across chunks included)', async () => {
    const want: [PartHead, string][] = [
      [{ name: 'files', filename: 'a.png' }, '\x89PNG\r\n--B0undar not yet\r\n'],
      [{ name: 'note', filename: null }, 'hello'],
      [{ name: 'files', filename: 'we"ird name.bin' }, ''],
    ]
    for (const size of [1, 2, 3, 7, 13, 64, 4096]) expect(await parts(FORM, size)).toEqual(want)
  })

  test('a body that ends early, has no boundary, or overlong headers is a 400; past the limit a 413', async () => {
    await expect(parts(FORM.slice(0, FORM.indexOf('--B0undary--')), 5)).rejects.toThrow(BadRequestError)
    await expect(parts('no parts at all', 4)).rejects.toThrow(BadRequestError)
    await expect(parts(`--B0undary\r\n${'X'.repeat(20000)}`, 512)).rejects.toThrow('part headers too long')
    await expect(parts('--B0undary\r\nContent-Type: text/plain\r\n\r\nx\r\n--B0undary--', 8)).rejects.toThrow('no Content-Disposition')
    await expect(parts(FORM, 16, 100)).rejects.toThrow(PayloadTooLargeError)
  })

  test('multipartBoundary: the boundary of a multipart/form-data type, quoted or not', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc')
    expect(multipartBoundary('Multipart/Form-Data;charset=utf-8; boundary="a b:c"')).toBe('a b:c')
    expect(multipartBoundary('application/json')).toBeNull()
    expect(multipartBoundary('multipart/form-data')).toBeNull()
  })
})

describe('POST /api/upload streams files to disk', () => {
  test('a 48 MiB artifact file (over the 32 MiB JSON body limit): staged as it arrives, memory bounded, digest verified when stored', async () => {
    const SIZE = 48 * 1024 * 1024
    const CHUNK = 256 * 1024
    const dir = tempDir()
    const { app, call } = await inProcessApp(dir)
    // The body is generated chunk by chunk and hashed on the way: neither side ever holds the whole file.
    const sha = createHash('sha256')
    const block = new Uint8Array(CHUNK)
    const view = new DataView(block.buffer)
    const head = enc.encode('--B0undary\r\nContent-Disposition: form-data; name="files"; filename="model.bin"\r\n\r\n')
    const tail = enc.encode('\r\n--B0undary--\r\n')
    let sent = -1
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent < 0) {
          sent = 0
          return c.enqueue(head)
        }
        if (sent >= SIZE) return (c.enqueue(tail), c.close())
        for (let i = 0; i < CHUNK; i += 4) view.setUint32(i, (sent + i) * 2654435761)
        sha.update(block)
        sent += CHUNK
        c.enqueue(block.slice())
      },
    })
    Bun.gc(true)
    const before = process.memoryUsage().rss
    let peak = before
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2)
    const r = await app.handle(
      new Request('http://localhost/api/upload', {
        method: 'POST',
        body,
        headers: { 'content-type': 'multipart/form-data; boundary=B0undary', 'x-trackio-write-token': 'test-token' },
        duplex: 'half',
      } as RequestInit),
    )
    clearInterval(timer)
    expect(r.status).toBe(200)
    const [path] = ((await r.json()) as { paths: string[] }).paths
    expect(path).toEndWith('.bin')
    // a body-sized buffer anywhere would show as 48 MiB more (streamed, it stays within a few MiB)
    expect(peak - before).toBeLessThan(SIZE / 4)
    const digest = sha.digest('hex')
    const H = { 'x-trackio-write-token': 'test-token' }
    const stored = await call('bulk_upload_artifact_blob', { kwargs: { project: 'big', uploads: [{ project: 'big', digest, uploaded_file: { path } }], hf_token: null } }, H)
    expect(stored.status).toBe(200)
    const blob = `${dir}/artifacts/big/blobs/sha256/${digest.slice(0, 2)}/${digest}`
    expect(createHash('sha256').update(readFileSync(blob)).digest('hex')).toBe(digest)
  })
})
