import { afterAll, describe, expect, test } from 'bun:test'
import { NotFoundError, TrackioError } from '../../../src/errors'
import { Storage } from '../../../src/storage/db/connection'
import { databaseError, findRun, producerScope, scopeOf } from '../../../src/storage/write/run-scope'
import { copyFixtures, queryProject, tempDir, writeLegacyProject } from '../../helpers'

const EDGE = 'Edge Cases: ünïcødé/with.dots & spaces'
const EDGE_STEM = 'EdgeCasesünïcødéwithdotsspaces'
const dir = copyFixtures('basic', 'edge')
const storage = new Storage(dir)
afterAll(() => storage.close())

const find = (project: string, run: string | null, runId: string | null = null) => {
  const p = storage.project(project)!
  return p.read(() => findRun(p, project, run, runId))
}
const idOf = (stem: string, table: string, name: string) =>
  queryProject(dir, stem, `SELECT run_id FROM ${table} WHERE run_name = '${name}' GROUP BY run_id ORDER BY MIN(timestamp) DESC LIMIT 1`)[0]!.run_id as string

describe('findRun', () => {
  test('a run of metrics, by name (the latest of duplicates) or by id', () => {
    expect(find(EDGE, 'dup')).toEqual({ id: idOf(EDGE_STEM, 'metrics', 'dup'), name: 'dup', byName: false })
    const id = idOf('image-classification', 'metrics', 'baseline')
    expect(find('image-classification', null, id)).toEqual({ id, name: 'baseline', byName: false })
  })

  test('runs known only from system metrics or alerts are found there', () => {
    expect(find(EDGE, 'system-only')).toEqual({ id: idOf(EDGE_STEM, 'system_metrics', 'system-only'), name: 'system-only', byName: false })
    expect(find(EDGE, 'alerts-only-run')).toEqual({ id: idOf(EDGE_STEM, 'alerts', 'alerts-only-run'), name: 'alerts-only-run', byName: false })
  })

  test('an unknown run is a 404 naming it and the project', () => {
    expect(() => find('image-classification', 'nope')).toThrow(new NotFoundError("Run 'nope' does not exist in project 'image-classification'"))
    expect(() => find('image-classification', 'baseline', 'ffff')).toThrow("Run 'ffff' does not exist")
  })

  test('a legacy database without run ids: the name is the identity everywhere', () => {
    const legacyDir = tempDir()
    writeLegacyProject(legacyDir, 'old', 'r1')
    const s = new Storage(legacyDir)
    try {
      const p = s.project('old')!
      const r = p.read(() => findRun(p, 'old', 'r1', null))
      expect(r).toEqual({ id: null, name: 'r1', byName: true })
      expect(p.read(() => scopeOf(p, 'metrics', r))).toEqual({ sql: 'run_name = ?', params: ['r1'] })
      expect(p.read(() => scopeOf(p, 'traces', r))).toBeNull()
    } finally {
      s.close()
    }
  })
})

describe('scopeOf / producerScope', () => {
  test('by id where the table has run ids; by name among id-less rows when the run has no id', () => {
    const p = storage.project('llm-finetune')!
    p.read(() => {
      expect(scopeOf(p, 'metrics', { id: 'abc', name: 'n', byName: false })).toEqual({ sql: 'run_id = ?', params: ['abc'] })
      expect(scopeOf(p, 'run_artifact_links', { id: null, name: 'n', byName: false })).toEqual({ sql: 'run_id IS NULL AND run_name = ?', params: ['n'] })
      expect(producerScope(p, { id: 'abc', name: 'n', byName: false })).toEqual({ sql: 'producer_run_id = ?', params: ['abc'] })
      expect(producerScope(p, { id: null, name: 'n', byName: true })).toEqual({ sql: 'producer_run_name = ?', params: ['n'] })
      expect(scopeOf(p, 'no_such_table', { id: 'abc', name: 'n', byName: false })).toBeNull()
    })
  })
})

describe('databaseError', () => {
  test('SQLite failures become a 500 in Trackio’s words; ours and others pass through', () => {
    const sqlite = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })
    const e = databaseError(sqlite, "deleting run 'r'") as TrackioError
    expect(e).toBeInstanceOf(TrackioError)
    expect(e.status).toBe(500)
    expect(e.message).toBe("Database error while deleting run 'r': disk I/O error")
    const ours = new NotFoundError('x')
    expect(databaseError(ours, 'w')).toBe(ours)
    const plain = new TypeError('t')
    expect(databaseError(plain, 'w')).toBe(plain)
    expect(databaseError('s', 'w')).toBe('s')
  })
})
