import { describe, expect, test } from 'bun:test'
import {
  BadRequestError,
  ForbiddenError,
  messageOf,
  MisdirectedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  statusOf,
  StorageError,
  TrackioError,
  UnauthorizedError,
  UpstreamError,
} from '../src/errors'

describe('error classes', () => {
  test('each named class carries its HTTP status and its own name', () => {
    const cases: [TrackioError, number, string][] = [
      [new BadRequestError('b'), 400, 'BadRequestError'],
      [new UnauthorizedError('u'), 401, 'UnauthorizedError'],
      [new ForbiddenError('f'), 403, 'ForbiddenError'],
      [new NotFoundError('n'), 404, 'NotFoundError'],
      [new PayloadTooLargeError('p'), 413, 'PayloadTooLargeError'],
      [new MisdirectedRequestError('m'), 421, 'MisdirectedRequestError'],
      [new StorageError('s'), 503, 'StorageError'],
      [new UpstreamError('x'), 503, 'UpstreamError'],
    ]
    for (const [err, status, name] of cases) {
      expect(err).toBeInstanceOf(TrackioError)
      expect(err).toBeInstanceOf(Error)
      expect(err.status).toBe(status)
      expect(err.name).toBe(name)
      expect(statusOf(err)).toBe(status)
    }
  })

  test('anything that is not ours is a 500', () => {
    expect(statusOf(new Error('boom'))).toBe(500)
    expect(statusOf(new TypeError('x'))).toBe(500)
    expect(statusOf('a string')).toBe(500)
    expect(statusOf(undefined)).toBe(500)
    expect(statusOf(new TrackioError('base'))).toBe(500)
  })

  test('messageOf: an Error gives its message, anything else its string form', () => {
    expect(messageOf(new NotFoundError("run 'x' not found"))).toBe("run 'x' not found")
    expect(messageOf(new RangeError('r'))).toBe('r')
    expect(messageOf('plain')).toBe('plain')
    expect(messageOf(42)).toBe('42')
    expect(messageOf(null)).toBe('null')
  })
})
