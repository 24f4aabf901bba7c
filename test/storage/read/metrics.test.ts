import { afterAll, describe, expect, test } from 'bun:test'
import { JsonFloat } from '../../../src/json/values'
import { Storage } from '../../../src/storage/db/connection'
import { metricRows, metricValues, prescanKeys, projectLastStep, runConfig, runKeys, runStats, sqlMetricValues } from '../../../src/storage/read/metrics'
import { resolveRun, type RunFilter } from '../../../src/storage/read/runs'
import { copyFixtures, queryProject } from '../../helpers'

const dir = copyFixtures('basic', 'edge')
const storage = new Storage(dir)
afterAll(() => storage.close())

function onRun<T>(project: string, run: string, fn: (p: NonNullable<ReturnType<Storage['project']>>, f: RunFilter) => T): T {
  const p = storage.project(project)!
  return p.read(() => fn(p, resolveRun(p, 'metrics', run, null)!))
}

/** The file's own view of one metric over a run: [step, value as text] in (timestamp, id) order. */
function fromFile(metric: string): [number, number][] {
  return queryProject(
    dir,
    'image-classification',
    `SELECT step, json_extract(metrics, '$.${metric}') AS v FROM metrics WHERE run_name = 'baseline' AND json_extract(metrics, '$.${metric}') IS NOT NULL ORDER BY timestamp, id`,
  ).map((r) => [Number(r.step), Number(r.v)])
}

describe('run keys, stats and config', () => {
  test('runKeys: the sorted distinct keys of the run’s rows, minus the excluded ones', () => {
    const keys = onRun('image-classification', 'baseline', (p, f) => runKeys(p, 'metrics', f, []))
    const expected = [...new Set(queryProject(dir, 'image-classification', "SELECT CAST(metrics AS TEXT) AS m FROM metrics WHERE run_name = 'baseline'").flatMap((r) => Object.keys(JSON.parse(r.m as string))))].sort()
    expect(keys).toEqual(expected)
    expect(onRun('image-classification', 'baseline', (p, f) => runKeys(p, 'metrics', f, ['lr']))).toEqual(expected.filter((k) => k !== 'lr'))
  })

  test('runStats and projectLastStep agree with the file; beyond 2^53 they stay exact', () => {
    expect(onRun('image-classification', 'baseline', (p, f) => runStats(p, f))).toEqual({ count: 150, lastStep: 149, safeSteps: true })
    const p = storage.project('image-classification')!
    expect(p.read(() => projectLastStep(p))).toBe(179)
    const e = storage.project('Edge Cases: ünïcødé/with.dots & spaces')!
    expect(e.read(() => projectLastStep(e))).toBe(9007199254740994n)
  })

  test('runConfig: the run’s stored config, in stored key order', () => {
    const c = onRun('image-classification', 'baseline', (p, f) => runConfig(p, f, 'baseline'))!
    expect([...c.keys()].slice(0, 4)).toEqual(['lr', 'batch_size', 'optimizer', 'epochs'])
    expect(c.get('optimizer')).toBe('adam')
    expect(onRun('image-classification', 'baseline', (p) => runConfig(p, { column: 'run_id', value: 'none' }, null))).toBeNull()
  })
})

describe('metric values and rows', () => {
  test('metricValues: every logged value of the metric, in timestamp order, with its step', () => {
    const r = onRun('image-classification', 'baseline', (p, f) => metricValues(p, f, 'loss', { kind: 'all' }))
    expect(r.keys).toEqual(['timestamp', 'step', 'value'])
    const got = r.toArray().map((x) => [Number(x.step), Number(x.value)])
    expect(got).toEqual(fromFile('loss'))
  })

  test('step filters: one step, a range, none', () => {
    const at = (rf: Parameters<typeof sqlMetricValues>[3]) => onRun('image-classification', 'baseline', (p, f) => sqlMetricValues(p, f, 'loss', rf)).toArray().map((x) => Number(x.step))
    expect(at({ kind: 'step', step: 3 })).toEqual(fromFile('loss').filter(([s]) => s === 3).map(([s]) => s))
    expect(at({ kind: 'steps', lo: 10, hi: 12 })).toEqual(fromFile('loss').filter(([s]) => s >= 10 && s <= 12).map(([s]) => s))
    expect(at({ kind: 'none' })).toEqual([])
  })

  test('metricRows: the run’s rows decoded, as many as the file holds', () => {
    const rows = onRun('image-classification', 'baseline', (p, f) => metricRows(p, f, { kind: 'all' }, 'timestamp, id'))
    expect(rows).toHaveLength(150)
    expect(rows[0]!.step).toBe(0)
    expect(rows[0]!.metrics.get('loss')).toEqual(new JsonFloat('2.369329'))
  })
})

describe('run keys after changes (only newer rows are scanned again)', () => {
  test('keys logged by another connection appear; rows deleted or renamed away take their keys with them', async () => {
    const { Database } = await import('bun:sqlite')
    const { join } = await import('node:path')
    const own = new Storage(copyFixtures('basic'))
    const keysOf = (run: string) => {
      const p = own.project('image-classification')!
      return p.read(() => runKeys(p, 'metrics', resolveRun(p, 'metrics', run, null)!, ['timestamp', 'step']))
    }
    const other = new Database(join(own.dataDir, 'image-classification.db'))
    // What a full scan finds now, from the other connection.
    const truth = (run: string) =>
      (other.query("SELECT DISTINCT j.key FROM metrics m, json_each(m.metrics) j WHERE m.run_name = ?").values(run) as [string][])
        .map(([k]) => k)
        .sort()
    const before = keysOf('baseline')
    expect(before).toEqual(truth('baseline'))
    const rid = (other.query("SELECT run_id FROM metrics WHERE run_name = 'baseline' LIMIT 1").values()[0] as [string])[0]
    const add = (metrics: string) =>
      other.query("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, '2026-01-01T00:00:00+00:00', 'baseline', 9999, ?)").run(rid, metrics)
    add('{"fresh":1}')
    expect(keysOf('baseline')).toEqual([...before, 'fresh'].sort())
    add('{"later":2}')
    expect(keysOf('baseline')).toEqual([...before, 'fresh', 'later'].sort())
    other.run(`DELETE FROM metrics WHERE metrics LIKE '%"fresh"%'`)
    expect(keysOf('baseline')).toEqual([...before, 'later'].sort())
    other.run(`DELETE FROM metrics WHERE metrics LIKE '%"later"%'`)
    expect(keysOf('baseline')).toEqual(before)
    other.run(`UPDATE metrics SET run_id = 'elsewhere', run_name = 'elsewhere' WHERE run_name = 'baseline' AND step >= 100`)
    expect(keysOf('baseline')).toEqual(truth('baseline'))
    expect(keysOf('elsewhere')).toEqual(truth('elsewhere'))
    other.close()
    own.close()
  })
})

describe('keys of a long run scanned ahead in slices (prescanKeys)', () => {
  test('equal to a full json_each scan: on a 150,000-row run, after it grows, and after rows are deleted between scans', async () => {
    const { Database } = await import('bun:sqlite')
    const { join } = await import('node:path')
    const own = new Storage(copyFixtures('basic'))
    const other = new Database(join(own.dataDir, 'image-classification.db'))
    const rid = 'feed0000long'
    const insert = other.prepare("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, '2026-02-01T00:00:00+00:00', 'long', ?, ?)")
    const add = (from: number, n: number, row: (i: number) => string) => other.transaction(() => { for (let i = from; i < from + n; i++) insert.run(rid, i, row(i)) })()
    // Rare keys in the middle and near the end of different slices; a nested dict; a NaN token.
    add(0, 150_000, (i) => (i === 70_001 ? '{"loss":1,"rare":2}' : i === 149_999 ? '{"loss":"NaN","val":{"acc":0.5}}' : `{"loss":${i / 7},"acc":${i}}`))
    const f = { column: 'run_id', value: rid } as const
    const p = own.project('image-classification')!
    const truth = () =>
      (other.query('SELECT DISTINCT j.key FROM metrics m, json_each(m.metrics) j WHERE m.run_id = ?').values(rid) as [string][]).map(([k]) => k).filter((k) => k !== 'step').sort()
    const keys = () => p.read(() => runKeys(p, 'metrics', f, ['step', 'timestamp']))
    await prescanKeys(p, f)
    expect(keys()).toEqual(truth())
    expect(keys()).toEqual(['acc', 'loss', 'rare', 'val'])
    add(150_000, 140_000, (i) => (i === 200_000 ? '{"late":1}' : `{"loss":${i}}`))
    await prescanKeys(p, f)
    expect(keys()).toEqual(truth())
    expect(keys()).toContain('late')
    other.close()
    own.close()
  }, 60_000)

  test('a row deleted after its slice was scanned, before the scan ahead ends: the answer is still exact', async () => {
    const { Database } = await import('bun:sqlite')
    const { join } = await import('node:path')
    const own = new Storage(copyFixtures('basic'))
    const other = new Database(join(own.dataDir, 'image-classification.db'))
    const rid = 'feed0000gone'
    const insert = other.prepare("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, '2026-02-01T00:00:00+00:00', 'gone', ?, ?)")
    other.transaction(() => { for (let i = 0; i < 150_000; i++) insert.run(rid, i, i === 5 ? '{"rare":1}' : `{"loss":${i}}`) })()
    const f = { column: 'run_id', value: rid } as const
    const p = own.project('image-classification')!
    // The first slice is read before prescanKeys first yields.
    const scan = prescanKeys(p, f)
    other.run(`DELETE FROM metrics WHERE run_id = '${rid}' AND metrics LIKE '%"rare"%'`)
    await scan
    expect(p.read(() => runKeys(p, 'metrics', f, []))).toEqual(['loss'])
    other.close()
    own.close()
  }, 60_000)
})
