import { afterAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { parseInstant } from '../../../src/storage/db/timestamps'
import { alerts, type AlertQuery } from '../../../src/storage/read/alerts'
import { copyFixtures, queryProject } from '../../helpers'

const dir = copyFixtures('basic', 'edge')
const storage = new Storage(dir)
afterAll(() => storage.close())

const all: AlertQuery = { run: null, level: null, since: null }
function read(project: string, q: Partial<AlertQuery> = {}) {
  const p = storage.project(project)!
  return p.read(() => alerts(p, { ...all, ...q }))
}

describe('alerts', () => {
  test('every alert of a project, newest first, as the file holds them', () => {
    const got = read('llm-finetune')
    const rows = queryProject(dir, 'llm-finetune', 'SELECT timestamp, run_name AS run, title, text, level, step FROM alerts ORDER BY timestamp DESC, id DESC')
    expect(got).toHaveLength(5)
    expect(got).toEqual(rows.map((r) => ({ ...r, step: r.step === null ? null : Number(r.step) })) as never)
  })

  test('alerts-only project: three levels of one run', () => {
    expect(read('alerts-only').map((a) => [a.run, a.title, a.level, a.step])).toEqual([
      ['watcher', 'error alert', 'error', 0],
      ['watcher', 'warn alert', 'warn', 0],
      ['watcher', 'info alert', 'info', 0],
    ])
  })

  test('level is an exact match; a run filter keeps that run only', () => {
    expect(read('alerts-only', { level: 'warn' }).map((a) => a.title)).toEqual(['warn alert'])
    expect(read('alerts-only', { level: 'WARN' })).toEqual([])
    const small = read('llm-finetune', { run: { column: 'run_name', value: 'gpt2-small' } })
    expect(small.length).toBeGreaterThan(0)
    expect(small.every((a) => a.run === 'gpt2-small')).toBe(true)
    expect(small.length).toBeLessThan(5)
  })

  test('since compares instants, strictly after', () => {
    const at = parseInstant('2026-11-25T04:40:31.050037+00:00')!
    expect(read('alerts-only', { since: at }).map((a) => a.title)).toEqual(['error alert', 'warn alert'])
    // The same instant spelled in another offset selects the same alerts.
    const other = parseInstant('2026-11-25T06:40:31.050037+02:00')!
    expect(other).toBe(at)
    expect(read('alerts-only', { since: at - 1 })).toHaveLength(3)
  })

  test('a project without alerts reads []', () => {
    expect(read('image-classification')).toEqual([])
  })
})
