import { describe, expect, test } from 'bun:test'
import { decodeCursor, diffRuns, encodeCursor, MAX_TRACKED_RUNS, runSignature } from '../../src/analysis/changes'
import { BadRequestError } from '../../src/errors'

describe('change cursor', () => {
  test('round trip', () => {
    const c = { time: '2026-01-01T00:00:00+00:00', scope: 'p', projects: new Map([['p', { metrics: 12, alerts: 3, runs: ['abcdefgh:1x'] }]]) }
    expect(decodeCursor(encodeCursor(c))).toEqual(c)
  })
  test('anything else is a 400 naming cursor', () => {
    for (const bad of ['', 'nope', Buffer.from('{"v":2}').toString('base64url'), Buffer.from('{"v":1,"t":"x","s":null,"p":{"a":[-1,0,""]}}').toString('base64url')]) {
      let err: unknown
      try {
        decodeCursor(bad)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(BadRequestError)
      expect((err as Error).message).toContain("'cursor'")
    }
  })
  test('renamed and deleted runs from the signature', () => {
    const before = runSignature([
      { id: 'aaaaaaaa1111', name: 'base' },
      { id: 'bbbbbbbb2222', name: 'high-lr' },
      { id: 'cccccccc3333', name: 'gone' },
    ])
    const d = diffRuns(before, [
      { id: 'aaaaaaaa1111', name: 'base' },
      { id: 'bbbbbbbb2222', name: 'high-lr-diverged' },
      { id: 'dddddddd4444', name: 'new' },
    ])
    expect(d).toEqual({ renamed: [{ id: 'bbbbbbbb2222', name: 'high-lr-diverged' }], deleted: ['cccccccc'], changed_untracked: false })
  })
  test('large run sets keep one hash: changes are flagged without detail', () => {
    const many = Array.from({ length: MAX_TRACKED_RUNS + 1 }, (_, i) => ({ id: `id${i}`, name: `r${i}` }))
    const sig = runSignature(many)
    expect(sig).toHaveLength(1)
    expect(diffRuns(sig, many).changed_untracked).toBe(false)
    expect(diffRuns(sig, many.slice(1)).changed_untracked).toBe(true)
  })
})
