import { beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES, inProcessApp, tempDir } from '../helpers'

/**
 * Trackio's own answers, recorded by running its server functions on the Trackio-written fixtures
 * (test/fixtures/*-make.py): `artifacts-expected.json` on `artifacts/`, `read-endpoints-expected.json`
 * on basic + edge + artifacts. Each entry is `{args, data}`, keyed `tool[/case]`.
 */
export type AnswersFile = 'artifacts-expected.json' | 'read-endpoints-expected.json'

const SETS: Record<AnswersFile, string[]> = {
  'artifacts-expected.json': ['artifacts'],
  'read-endpoints-expected.json': ['basic', 'edge', 'artifacts'],
}

/** One test per recorded answer of `tool`: our HTTP answer on a copy of the same files equals Trackio's. */
export function describeTrackioAnswers(tool: string, file: AnswersFile, view: (data: any) => unknown = (d) => d): void {
  const all = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, { args: Record<string, unknown>; data: unknown }>
  const cases = Object.entries(all).filter(([k]) => k === tool || k.startsWith(`${tool}/`))
  describe(`${tool} answers what Trackio answered on Trackio-written data`, () => {
    let call: Awaited<ReturnType<typeof inProcessApp>>['call']
    beforeAll(async () => {
      const dir = tempDir()
      for (const set of SETS[file]) cpSync(join(FIXTURES, set), dir, { recursive: true })
      ;({ call } = await inProcessApp(dir))
    })
    test('recorded answers exist', () => expect(cases.length).toBeGreaterThan(0))
    for (const [key, { args, data }] of cases)
      test(key, async () => {
        const r = await call(tool, { kwargs: args })
        expect(r.status).toBe(200)
        expect(view(r.json.data)).toEqual(data)
      })
  })
}
