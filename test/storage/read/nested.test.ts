import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { chartKeys, nestedPath, nestedPoints, parsePath } from '../../../src/storage/read/nested'
import { appCaller, copyFixtures, tempDir, WRITE_HEADERS } from '../../helpers'

test('nestedPath and parsePath agree with SQLite on quoted, dotted and odd keys', () => {
  const db = new Database(':memory:')
  const keys = ['v a', 'lo"ss', 'a.b', 'é', '', 'back\\slash', 'plain_1']
  const doc = JSON.stringify({ 'v a': { 'lo"ss': { 'a.b': { é: { '': { 'back\\slash': { plain_1: 7 } } } } } } })
  const [row] = db.query(`SELECT path, key FROM json_tree(?) WHERE type = 'integer'`).values(doc)
  expect([...parsePath(String(row![0]))!, row![1]]).toEqual(keys)
  expect(db.query('SELECT ? -> ?').values(doc, nestedPath(keys))[0]![0]).toBe('7')
  expect(parsePath('$.a[0].b')).toBeNull()
})

test('the nested leaves of a Trackio fixture run, and their points in timestamp order', async () => {
  const storage = new Storage(copyFixtures('basic'))
  const p = storage.project('image-classification')!
  const f = { column: 'run_name' as const, value: 'baseline' }
  const run = p.read(() => p.db.query(`SELECT run_id FROM metrics WHERE run_name = 'baseline' LIMIT 1`).values()[0]![0]) as string
  const byId = { column: 'run_id' as const, value: run }
  const keys = p.read(() => chartKeys(p, byId))
  expect(keys.numeric).toEqual(['acc', 'epoch', 'loss', 'lr'])
  expect([...keys.nested]).toEqual([['val/acc', ['val', 'acc']], ['val/loss', ['val', 'loss']]])
  const pts = p.read(() => nestedPoints(p, f, ['val', 'loss'], { kind: 'steps', lo: 0, hi: 60 }))
  const rows = p.read(() => p.db.query(`SELECT step, metrics ->> '$.val.loss' FROM metrics WHERE run_name = 'baseline' AND step <= 60 AND metrics ->> '$.val.loss' IS NOT NULL ORDER BY timestamp`).values())
  expect(pts.steps).toEqual(rows.map((r) => Number(r[0])))
  expect(pts.values).toEqual(rows.map((r) => Number(r[1])))
})

test('nested NaN tokens are charted as NaN; strings are skipped', async () => {
  const dir = tempDir()
  const call = appCaller(dir)
  const logs = [0, 1, 2].map((step) => ({ project: 'n', run: 'r', step, metrics: { d: { x: step === 1 ? 'NaN' : step === 2 ? 'word' : 0.5 } } }))
  expect((await call('bulk_log', { logs, hf_token: null }, WRITE_HEADERS)).status).toBe(200)
  const p = new Storage(dir).project('n')!
  const f = { column: 'run_name' as const, value: 'r' }
  const pts = p.read(() => nestedPoints(p, f, ['d', 'x'], { kind: 'all' }))
  expect(pts.steps).toEqual([0, 1])
  expect(pts.values).toEqual([0.5, NaN])
  expect(pts.skipped).toBe(1)
})

test('a run that grows is scanned from where it was: new names appear, a deleted and re-logged run starts over', async () => {
  const dir = tempDir()
  const call = appCaller(dir)
  const log = async (step: number, metrics: Record<string, unknown>) =>
    expect((await call('bulk_log', { logs: [{ project: 'g', run: 'r', step, metrics }], hf_token: null }, WRITE_HEADERS)).status).toBe(200)
  await log(0, { a: 1, d: { x: 1 } })
  const p = new Storage(dir).project('g')!
  const f = { column: 'run_name' as const, value: 'r' }
  const names = () => p.read(() => { const k = chartKeys(p, f); return [...k.numeric, ...k.nested.keys()] })
  expect(names()).toEqual(['a', 'd/x'])
  await log(1, { b: 2, d: { y: 2, img: { _type: 'trackio.image', file_path: 'x.png', n: 1 } } })
  expect(names()).toEqual(['a', 'b', 'd/x', 'd/y'])
  expect((await call('delete_run', { project: 'g', run: 'r' }, WRITE_HEADERS)).json.data).toBe(true)
  await log(0, { c: 3 })
  expect(names()).toEqual(['c'])
})
