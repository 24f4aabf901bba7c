import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { ensureSchema } from '../../../src/storage/db/schema'
import { NO_TABS, tabFlags } from '../../../src/storage/read/tabs'
import { tempDir } from '../../helpers'

function flagsOf(rows: string[], setup: (db: Database) => void = () => {}) {
  const dir = tempDir()
  const db = new Database(join(dir, 'p.db'))
  ensureSchema(db)
  for (const m of rows) db.run("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES ('r', 't', 'r', 0, ?)", [Buffer.from(m)])
  setup(db)
  db.close()
  const s = new Storage(dir)
  const p = s.project('p')!
  const f = p.read(() => tabFlags(p))
  s.close()
  return f
}

test('metrics: a number value or a histogram; strings alone are not metrics', () => {
  expect(flagsOf(['{"note":"x"}']).metrics).toBe(false)
  expect(flagsOf(['{"loss":0.5}']).metrics).toBe(true)
  expect(flagsOf(['{"loss":-1}']).metrics).toBe(true)
  expect(flagsOf(['{"h":{"_type":"trackio.histogram","bins":[]}}']).metrics).toBe(true)
})

test('media, reports (markdown), system, traces, alerts, artifacts', () => {
  expect(flagsOf(['{"img":{"_type":"trackio.image","file_path":"x.png"}}']).media).toBe(true)
  expect(flagsOf(['{"t":{"_type":"trackio.table","_value":[]}}']).media).toBe(true)
  expect(flagsOf(['{"r":{"_type":"trackio.markdown","_value":"# hi"}}']).reports).toBe(true)
  const all = flagsOf([], (db) => {
    db.run("INSERT INTO system_metrics (run_id, timestamp, run_name, metrics) VALUES ('r', 't', 'r', '{}')")
    db.run("INSERT INTO alerts (run_id, timestamp, run_name, title) VALUES ('r', 't', 'r', 'a')")
    db.run("INSERT INTO traces (id, run_id, timestamp, run_name, step, key, messages, metadata, search_text) VALUES ('i', 'r', 't', 'r', 0, 'k', '[]', '{}', '')")
    db.run("INSERT INTO artifact_versions (artifact_id, version, manifest_digest, manifest, size_bytes, created_at) VALUES (1, 0, 'd', '[]', 0, 't')")
  })
  expect(all).toEqual({ ...NO_TABS, system: true, alerts: true, traces: true, artifacts: true })
})

test('a database without the newer tables answers false for them', () => {
  const dir = tempDir()
  const db = new Database(join(dir, 'old.db'))
  db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY, timestamp TEXT, run_name TEXT, step INTEGER, metrics TEXT)')
  db.run(`INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES ('t', 'r', 0, '{"loss": 1}')`)
  db.close()
  const s = new Storage(dir)
  const p = s.project('old')!
  expect(p.read(() => tabFlags(p))).toEqual({ ...NO_TABS, metrics: false })
  s.close()
})
