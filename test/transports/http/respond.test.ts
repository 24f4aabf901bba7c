import { describe, expect, spyOn, test } from 'bun:test'
import { BadRequestError, NotFoundError, StorageError } from '../../../src/errors'
import { JsonFloat, JsonRecords } from '../../../src/json/values'
import { errorResponse, jsonResponse } from '../../../src/transports/http/respond'

describe('jsonResponse', () => {
  test('compact JSON with Python float spelling, exact big ints, non-finite as null', async () => {
    const r = jsonResponse({ data: new Map<string, unknown>([['b', new JsonFloat('1.0')], ['a', 2n ** 64n], ['n', NaN], ['x', 0.1]]) as never })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json')
    expect(await r.text()).toBe('{"data":{"b":1.0,"a":18446744073709551616,"n":null,"x":0.1}}')
  })

  test('status and extra headers are passed through', async () => {
    const r = jsonResponse({ data: true }, 201, { 'x-extra': 'y' })
    expect(r.status).toBe(201)
    expect(r.headers.get('x-extra')).toBe('y')
    expect(await r.text()).toBe('{"data":true}')
  })

  test('a large record set is streamed in chunks and reads back as the whole array', async () => {
    const n = 20_000
    const steps = Array.from({ length: n }, (_, i) => i)
    const values = steps.map((i) => i / 4)
    const r = jsonResponse({ data: new JsonRecords(['step', 'value'], [steps, values]) })
    const reader = r.body!.getReader()
    let chunks = 0
    let text = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      chunks++
      text += new TextDecoder().decode(value)
    }
    expect(chunks).toBeGreaterThan(1)
    const parsed = JSON.parse(text) as { data: { step: number; value: number }[] }
    expect(parsed.data).toHaveLength(n)
    expect(parsed.data[0]).toEqual({ step: 0, value: 0 })
    expect(parsed.data[n - 1]).toEqual({ step: n - 1, value: (n - 1) / 4 })
    expect(text).toContain('{"step":2,"value":0.5}')
  })

  test('a small record set, or one beside other keys, is written in one piece with the same text', async () => {
    const rec = new JsonRecords(['a'], [[1, 2]])
    expect(await jsonResponse({ data: rec }).text()).toBe('{"data":[{"a":1},{"a":2}]}')
    expect(await jsonResponse({ data: rec, more: 1 }).text()).toBe('{"data":[{"a":1},{"a":2}],"more":1}')
  })
})

describe('errorResponse', () => {
  test('our errors: their status and {"error": message}; a client error is not logged', async () => {
    const log = spyOn(console, 'error').mockImplementation(() => {})
    try {
      const r = errorResponse(new BadRequestError("Invalid value for 'step'"))
      expect(r.status).toBe(400)
      expect(await r.text()).toBe(`{"error":"Invalid value for 'step'"}`)
      expect((errorResponse(new NotFoundError('nope'))).status).toBe(404)
      expect(log).not.toHaveBeenCalled()
      const s = errorResponse(new StorageError('database is locked'))
      expect(s.status).toBe(503)
      expect(log).toHaveBeenCalledWith('trackio: database is locked')
    } finally {
      log.mockRestore()
    }
  })

  test('anything else is a 500 with its message, logged with the error', async () => {
    const log = spyOn(console, 'error').mockImplementation(() => {})
    try {
      const err = new TypeError('x is undefined')
      const r = errorResponse(err)
      expect(r.status).toBe(500)
      expect(await r.json()).toEqual({ error: 'x is undefined' })
      expect(log).toHaveBeenCalledWith('trackio: internal error:', err)
    } finally {
      log.mockRestore()
    }
  })
})
