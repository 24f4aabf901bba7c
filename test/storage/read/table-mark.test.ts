import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { stringify } from '../../../src/json/serialize'
import { Storage, type ProjectDb } from '../../../src/storage/db/connection'
import { formatIsoTimestamp } from '../../../src/storage/db/timestamps'
import { metricValues, runStats, sqlMetricValues } from '../../../src/storage/read/metrics'
import { listRuns, type RunFilter } from '../../../src/storage/read/runs'
import { clearSeriesCache } from '../../../src/storage/read/series-cache'
import { onlyGrewSince, tableMark } from '../../../src/storage/read/table-mark'
import { copyFixtures, freshRead } from '../../helpers'

/**
 * Caches kept across commits (run list, run counts, series) extended by the rows logged since: after
 * every kind of change another process can make, each answer must equal a fresh connection's.
 */

const STEM = 'image-classification'
const run: RunFilter = { column: 'run_id', value: 'grow-id' }
let dir: string
let w: Database
let storage: Storage
let p: ProjectDb
let stamp = Date.UTC(2026, 10, 27) * 1000
let step = 0

function log(n: number, id = run.value, name = 'grow'): void {
  const ins = w.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
  w.transaction(() => {
    for (let i = 0; i < n; i++) ins.run(id, formatIsoTimestamp((stamp += 1000)), name, step++, `{"loss":${(1 / (1 + step)).toFixed(6)}}`)
  })()
}

const fresh = <T>(fn: (q: ProjectDb) => T): T => freshRead(dir, STEM, fn)

const loss = (q: ProjectDb) => stringify({ data: metricValues(q, run, 'loss', { kind: 'all' }) }, { style: 'python' })
const lossSql = (q: ProjectDb) => stringify({ data: sqlMetricValues(q, run, 'loss', { kind: 'all' }) }, { style: 'python' })

/** Every kept answer equals a fresh connection's. */
function same(): void {
  expect(JSON.stringify(p.read(() => listRuns(p)))).toBe(JSON.stringify(fresh((q) => listRuns(q))))
  expect(p.read(() => runStats(p, run))).toEqual(fresh((q) => runStats(q, run)))
  expect(p.read(() => loss(p))).toBe(fresh(lossSql))
}

beforeAll(() => {
  dir = copyFixtures('basic')
  w = new Database(join(dir, `${STEM}.db`))
  log(600)
  storage = new Storage(dir)
  p = storage.project(STEM)!
  clearSeriesCache()
})

afterAll(() => {
  storage.close()
  w.close()
  clearSeriesCache()
})

describe('table marks', () => {
  test('appends keep the mark good; a deleted row anywhere does not', () => {
    const mark = p.read(() => tableMark(p))!
    expect(mark.rows).toBeGreaterThan(600)
    log(5)
    expect(p.read(() => onlyGrewSince(p, mark))).toBe(true)
    w.run("DELETE FROM metrics WHERE rowid = (SELECT MIN(rowid) FROM metrics WHERE run_name = 'baseline')")
    expect(p.read(() => onlyGrewSince(p, mark))).toBe(false)
    expect(p.read(() => onlyGrewSince(p, null))).toBe(false)
  })

  test('kept run list, counts and series follow appends, new runs, deletes, renames and earlier timestamps', () => {
    same()
    log(50) // appended: extended
    same()
    log(3, 'another-id', 'another') // a new run
    same()
    w.run("DELETE FROM metrics WHERE run_id = ? AND step % 97 = 0", [run.value]) // rows deleted in the middle
    same()
    log(20)
    same()
    w.run("UPDATE metrics SET run_name = 'renamed' WHERE run_id = 'another-id'") // a rename
    same()
    stamp -= 3_600_000_000 // rows logged an hour earlier (a run's first timestamp moves back)
    log(2, 'another-id', 'renamed')
    same()
    w.run("UPDATE metrics SET run_name = 'half' WHERE run_id = ? AND step > 640", [run.value]) // a run with two names
    same()
  })

  test('a table without AUTOINCREMENT gives no marks (rowids could be used again): answers stay exact', () => {
    const d = copyFixtures()
    const db = new Database(join(d, 'plain.db'))
    db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, step INTEGER NOT NULL, metrics TEXT NOT NULL)')
    db.run(`INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES ('a', '2026-01-01T00:00:00+00:00', 'a', 0, '{}')`)
    const s = new Storage(d)
    const q = s.project('plain')!
    expect(q.read(() => tableMark(q))).toBeNull()
    expect(q.read(() => listRuns(q)).map((r) => r.name)).toEqual(['a'])
    db.run(`DELETE FROM metrics`)
    db.run(`INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES ('b', '2026-01-01T00:00:00+00:00', 'b', 0, '{}')`)
    expect(q.read(() => listRuns(q)).map((r) => r.name)).toEqual(['b'])
    s.close()
    db.close()
  })
})
