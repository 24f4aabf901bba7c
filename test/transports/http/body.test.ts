import { describe, expect, test } from 'bun:test'
import { BadRequestError, PayloadTooLargeError } from '../../../src/errors'
import { JsonFloat } from '../../../src/json/values'
import { checkContentLength, limitedRequest, MAX_BODY_DEPTH, readBodyBytes, readJsonBody, releaseBuffer } from '../../../src/transports/http/body'

const post = (body: string | Uint8Array | null, headers: Record<string, string> = {}) => new Request('http://localhost/api/x', { method: 'POST', body, headers })

/** A request whose body arrives as a stream of chunks, without Content-Length. */
function chunked(...chunks: string[]): Request {
  const enc = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const s of chunks) c.enqueue(enc.encode(s))
      c.close()
    },
  })
  return new Request('http://localhost/api/x', { method: 'POST', body: stream, duplex: 'half' } as RequestInit)
}

describe('readJsonBody', () => {
  test('lossless JSON: key order, float lexemes, big ints; bare NaN/Infinity as Python reads them', async () => {
    const v = (await readJsonBody(post('{"b":1.0,"a":9007199254740993,"n":NaN,"i":-Infinity}'))) as Map<string, unknown>
    expect([...v.keys()]).toEqual(['b', 'a', 'n', 'i'])
    expect(v.get('b')).toEqual(new JsonFloat('1.0'))
    expect(v.get('a')).toBe(9007199254740993n)
    expect(v.get('n')).toBeNaN()
    expect(v.get('i')).toBe(-Infinity)
  })

  test('an empty or blank body means no arguments', async () => {
    expect(await readJsonBody(post(null))).toBeNull()
    expect(await readJsonBody(post(' \n'))).toBeNull()
  })

  test('bodies read the same when chunked', async () => {
    expect(await readJsonBody(chunked('["a",', '1]'))).toEqual(['a', 1])
  })

  test('invalid JSON and invalid UTF-8 are 400s saying so', async () => {
    await expect(readJsonBody(post('{"a":'))).rejects.toThrow(BadRequestError)
    await expect(readJsonBody(post('{"a":'))).rejects.toThrow('Request body is not valid JSON: ')
    await expect(readJsonBody(post(new Uint8Array([0x7b, 0xff, 0x7d])))).rejects.toThrow(new BadRequestError('Request body is not valid UTF-8'))
  })

  test(`nesting deeper than ${MAX_BODY_DEPTH} is refused with a 400`, async () => {
    const ok = '['.repeat(MAX_BODY_DEPTH) + ']'.repeat(MAX_BODY_DEPTH)
    expect(await readJsonBody(post(ok))).toBeArray()
    const deep = '['.repeat(MAX_BODY_DEPTH + 1) + ']'.repeat(MAX_BODY_DEPTH + 1)
    await expect(readJsonBody(post(deep))).rejects.toThrow(BadRequestError)
  })
})

describe('size limits', () => {
  test('checkContentLength: 413 only when the declared length is over the limit', () => {
    expect(() => checkContentLength(post('x', { 'content-length': '11' }), 10)).toThrow(new PayloadTooLargeError('Request body too large: limit is 10 bytes'))
    expect(() => checkContentLength(post('x', { 'content-length': '10' }), 10)).not.toThrow()
    expect(() => checkContentLength(post('x'), 10)).not.toThrow()
  })

  test('readBodyBytes: a chunked body is counted while read and refused past the limit', async () => {
    expect(new TextDecoder().decode(await readBodyBytes(chunked('12345', '67890'), 10))).toBe('1234567890')
    await expect(readBodyBytes(chunked('12345', '67890', '1'), 10)).rejects.toThrow(PayloadTooLargeError)
    await expect(readJsonBody(chunked('"12345', '67890"'), 10)).rejects.toThrow(PayloadTooLargeError)
  })

  test('limitedRequest: a chunked body errors past the limit; others are passed as they are', async () => {
    const under = limitedRequest(chunked('abc', 'def'), 6)
    expect(await under.text()).toBe('abcdef')
    const over = limitedRequest(chunked('abc', 'defg'), 6)
    await expect(over.text()).rejects.toThrow('Request body too large: limit is 6 bytes')
    const sized = post('abcdefgh', { 'content-length': '8' })
    expect(limitedRequest(sized, 6)).toBe(sized)
    const empty = post(null)
    expect(limitedRequest(empty, 6)).toBe(empty)
  })
})

describe('body memory', () => {
  /** A request with a Content-Length whose body arrives in the given chunks (kept, to look at afterwards). */
  function declared(chunks: Uint8Array[]): Request {
    const total = chunks.reduce((n, c) => n + c.byteLength, 0)
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(x)
        c.close()
      },
    })
    return new Request('http://localhost/api/x', { method: 'POST', body: stream, headers: { 'content-length': String(total) }, duplex: 'half' } as RequestInit)
  }

  test('with a Content-Length over 1 MiB, chunks are copied into one buffer and each is released once copied', async () => {
    const enc = new TextEncoder()
    const pad = ' '.repeat(1024 * 1024)
    const chunks = ['{"a": [1, ', '2, 3], ' + pad, '"b": "é"}'].map((s) => enc.encode(s))
    const bytes = await readBodyBytes(declared(chunks))
    expect(new TextDecoder().decode(bytes)).toBe('{"a": [1, 2, 3], ' + pad + '"b": "é"}')
    expect(chunks.map((c) => c.buffer.byteLength)).toEqual([0, 0, 0])
  })

  test('readJsonBody releases the bytes once decoded; releaseBuffer leaves a view into a shared buffer alone', async () => {
    const enc = new TextEncoder()
    const chunks = [enc.encode('[1, '), enc.encode('2]')]
    expect(await readJsonBody(chunked('[1, ', '2]'))).toEqual([1, 2])
    expect(await readJsonBody(declared(chunks))).toEqual([1, 2])
    const shared = new Uint8Array(8)
    releaseBuffer(shared.subarray(2, 4))
    expect(shared.buffer.byteLength).toBe(8)
    releaseBuffer(shared)
    expect(shared.buffer.byteLength).toBe(0)
  })
})
