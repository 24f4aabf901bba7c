import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { allRunConfigs } from '../../../src/storage/read/configs'
import { copyFixtures, tempDir } from '../../helpers'
import { dbPath, py } from '../../tools/oracle'

test('every config by run id, in table order, top-level non-finite strings decoded (as Python reads them)', () => {
  const dir = copyFixtures('basic')
  const s = new Storage(dir)
  const p = s.project('image-classification')!
  const got = p.read(() => allRunConfigs(p))
  const expected = JSON.parse(py(`con = connect(sys.argv[1]); dump([[k, list(load(v).keys())] for k, v in con.execute('SELECT run_id, config FROM configs')])`, dbPath(dir, 'image-classification')))
  expect([...got].map(([k, v]) => [k, [...v.keys()]])).toEqual(expected)
  s.close()
})

test('a legacy configs table is keyed by run name; no configs table is empty', () => {
  const dir = tempDir()
  const db = new Database(join(dir, 'old.db'))
  db.run('CREATE TABLE configs (id INTEGER PRIMARY KEY, run_name TEXT, config TEXT, created_at TEXT)')
  db.run(`INSERT INTO configs (run_name, config, created_at) VALUES ('r', '{"lr": "Infinity", "deep": {"x": "NaN"}}', 't')`)
  db.run('CREATE TABLE other (x)')
  db.close()
  const db2 = new Database(join(dir, 'none.db'))
  db2.run('CREATE TABLE metrics (x)')
  db2.close()
  const s = new Storage(dir)
  const p = s.project('old')!
  const c = p.read(() => allRunConfigs(p)).get('r')!
  expect(c.get('lr')).toBe(Infinity)
  expect((c.get('deep') as Map<string, unknown>).get('x')).toBe('NaN')
  const q = s.project('none')!
  expect(q.read(() => allRunConfigs(q)).size).toBe(0)
  s.close()
})
