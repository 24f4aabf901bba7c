import { afterAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import type { ToolContext } from '../../../src/tools/core/define'
import { readProject } from '../../../src/tools/core/read-project'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { copyFixtures, queryProject } from '../../helpers'

const dir = copyFixtures('basic', 'edge')
const storage = new Storage(dir)
const ctx: ToolContext = { storage, settings: settingsFromEnv({}, dir) }
afterAll(() => storage.close())

describe('readProject', () => {
  test('runs fn on the project database and returns its result', () => {
    const n = readProject(ctx, 'image-classification', -1, (p) => Number(p.db.query('SELECT COUNT(*) FROM metrics').values()[0]![0]))
    expect(n).toBe(Number(queryProject(dir, 'image-classification', 'SELECT COUNT(*) AS n FROM metrics')[0]!.n))
  })

  test('fn runs inside a read transaction', () => {
    expect(readProject(ctx, 'llm-finetune', null, (p) => p.db.inTransaction)).toBe(true)
  })

  test('a project with no database file gives `empty` without calling fn', () => {
    let called = false
    const out = readProject(ctx, 'no-such-project', 'EMPTY', () => {
      called = true
      return 'x'
    })
    expect(out).toBe('EMPTY')
    expect(called).toBe(false)
  })

  test('project names resolve as everywhere else (logged name → file stem)', () => {
    const count = (project: string) => readProject(ctx, project, -1, (p) => Number(p.db.query('SELECT COUNT(*) FROM metrics').values()[0]![0]))
    expect(count('Edge Cases: ünïcødé/with.dots & spaces')).toBe(count('EdgeCasesünïcødéwithdotsspaces'))
    expect(count('EdgeCasesünïcødéwithdotsspaces')).toBeGreaterThan(0)
  })
})
