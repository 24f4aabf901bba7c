import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ensureSchema } from '../../../src/storage/db/schema'
import { copyFixtures, tempDir } from '../../helpers'

const columns = (db: Database, table: string) => (db.query(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name)
const tables = (db: Database) => (db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name)
const indexSql = (db: Database, name: string) => (db.query('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string } | null)?.sql

describe('ensureSchema', () => {
  test('a fresh file gets the tables and column order of a file Trackio wrote', () => {
    const dir = copyFixtures('basic')
    const trackio = new Database(join(dir, 'llm-finetune.db'), { readonly: true })
    const fresh = new Database(join(tempDir(), 'fresh.db'))
    try {
      ensureSchema(fresh)
      for (const t of tables(trackio)) expect([t, columns(fresh, t)]).toEqual([t, columns(trackio, t)])
      expect(tables(fresh)).toEqual(expect.arrayContaining(['metrics', 'configs', 'system_metrics', 'alerts', 'traces', 'artifacts']))
      expect(indexSql(fresh, 'idx_metrics_log_id')).toContain('WHERE log_id IS NOT NULL')
    } finally {
      trackio.close()
      fresh.close()
    }
  })

  test('on an existing Trackio file it changes no rows and is idempotent', () => {
    const dir = copyFixtures('basic')
    const db = new Database(join(dir, 'image-classification.db'))
    try {
      const before = db.query('SELECT COUNT(*) AS n, SUM(LENGTH(metrics)) AS bytes FROM metrics').get()
      ensureSchema(db)
      const once = tables(db).map((t) => [t, columns(db, t)])
      ensureSchema(db)
      expect(tables(db).map((t) => [t, columns(db, t)])).toEqual(once)
      expect(db.query('SELECT COUNT(*) AS n, SUM(LENGTH(metrics)) AS bytes FROM metrics').get()).toEqual(before)
    } finally {
      db.close()
    }
  })

  test('an old file gets the added columns last, and run indexes on run_name when it has no run ids', () => {
    const db = new Database(join(tempDir(), 'old.db'))
    try {
      db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, step INTEGER NOT NULL, metrics TEXT NOT NULL)')
      db.run(`INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES ('2025-01-01T00:00:00', 'r', 0, '{"a":1}')`)
      db.run('CREATE TABLE pending_uploads (id INTEGER PRIMARY KEY AUTOINCREMENT, space_id TEXT NOT NULL, run_id TEXT, run_name TEXT, step INTEGER, file_path TEXT NOT NULL, relative_path TEXT, created_at TEXT NOT NULL)')
      ensureSchema(db)
      expect(columns(db, 'metrics')).toEqual(['id', 'timestamp', 'run_name', 'step', 'metrics', 'log_id', 'space_id'])
      expect(columns(db, 'pending_uploads').slice(-2)).toEqual(['kind', 'digest'])
      expect(indexSql(db, 'idx_metrics_run_step')).toContain('metrics(run_name, step)')
      expect(db.query('SELECT run_name, step, metrics, log_id FROM metrics').all()).toEqual([{ run_name: 'r', step: 0, metrics: '{"a":1}', log_id: null }])
      const fresh = new Database(':memory:')
      ensureSchema(fresh)
      expect(indexSql(fresh, 'idx_metrics_run_step')).toContain('metrics(run_id, step)')
      fresh.close()
    } finally {
      db.close()
    }
  })
})
