import type { Database } from 'bun:sqlite'

/**
 * Trackio's current schema (compat §2), created with IF NOT EXISTS, plus the column migrations
 * an older file needs before current writers can use it (compat §2). Column order matches the
 * files Trackio writes: metrics / system_metrics get log_id, space_id and pending_uploads gets
 * kind, digest through ALTER, so they sit last in both a fresh and a migrated file.
 */

const TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS metrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    run_name TEXT NOT NULL,
    step INTEGER NOT NULL,
    metrics TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS configs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    run_name TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE(run_id)
  )`,
  `CREATE TABLE IF NOT EXISTS system_metrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    run_name TEXT NOT NULL,
    metrics TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS traces (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    run_name TEXT NOT NULL,
    step INTEGER NOT NULL,
    key TEXT NOT NULL,
    trace_index INTEGER,
    messages TEXT NOT NULL,
    metadata TEXT NOT NULL,
    search_text TEXT NOT NULL,
    log_id TEXT,
    space_id TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS project_metadata (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS pending_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    space_id TEXT NOT NULL,
    run_id TEXT,
    run_name TEXT,
    step INTEGER,
    file_path TEXT NOT NULL,
    relative_path TEXT,
    created_at TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    run_name TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT,
    level TEXT NOT NULL DEFAULT 'warn',
    step INTEGER,
    alert_id TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS artifact_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    version INTEGER NOT NULL,
    manifest_digest TEXT NOT NULL,
    manifest TEXT NOT NULL,
    metadata TEXT,
    size_bytes INTEGER NOT NULL,
    producer_run_id TEXT,
    producer_run_name TEXT,
    created_at TEXT NOT NULL,
    UNIQUE(artifact_id, version),
    UNIQUE(artifact_id, manifest_digest)
  )`,
  `CREATE TABLE IF NOT EXISTS artifact_aliases (
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    alias TEXT NOT NULL,
    artifact_version_id INTEGER NOT NULL REFERENCES artifact_versions(id),
    PRIMARY KEY (artifact_id, alias)
  )`,
  `CREATE TABLE IF NOT EXISTS run_artifact_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT,
    run_name TEXT,
    artifact_version_id INTEGER NOT NULL REFERENCES artifact_versions(id),
    direction TEXT NOT NULL CHECK(direction IN ('input', 'output')),
    created_at TEXT NOT NULL
  )`,
]

/** Columns added to existing tables by ALTER TABLE, in the order Trackio adds them. */
const ADDED_COLUMNS: readonly [table: string, column: string, decl: string][] = [
  ['metrics', 'log_id', 'TEXT'],
  ['metrics', 'space_id', 'TEXT'],
  ['system_metrics', 'log_id', 'TEXT'],
  ['system_metrics', 'space_id', 'TEXT'],
  ['pending_uploads', 'kind', "TEXT NOT NULL DEFAULT 'media'"],
  ['pending_uploads', 'digest', 'TEXT'],
]

function columnsOf(db: Database, table: string): Set<string> {
  const rows = db.query(`PRAGMA table_info("${table}")`).all() as { name: string }[]
  return new Set(rows.map((r) => r.name))
}

/** Indexes; `RUN` stands for run_id, or run_name in a legacy table without run ids. */
function indexes(runKey: (table: string) => string): string[] {
  return [
    `CREATE INDEX IF NOT EXISTS idx_run_artifact_links_run ON run_artifact_links(run_id, run_name)`,
    `CREATE INDEX IF NOT EXISTS idx_run_artifact_links_name ON run_artifact_links(run_name, run_id)`,
    `CREATE INDEX IF NOT EXISTS idx_run_artifact_links_version ON run_artifact_links(artifact_version_id)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS idx_run_artifact_links_unique ON run_artifact_links(run_id, artifact_version_id, direction)`,
    `CREATE INDEX IF NOT EXISTS idx_pending_uploads_kind ON pending_uploads(kind)`,
    `CREATE INDEX IF NOT EXISTS idx_metrics_run_step ON metrics(${runKey('metrics')}, step)`,
    `CREATE INDEX IF NOT EXISTS idx_metrics_run_timestamp ON metrics(${runKey('metrics')}, timestamp)`,
    `CREATE INDEX IF NOT EXISTS idx_configs_run_name ON configs(run_name)`,
    `CREATE INDEX IF NOT EXISTS idx_system_metrics_run_timestamp ON system_metrics(${runKey('system_metrics')}, timestamp)`,
    `CREATE INDEX IF NOT EXISTS idx_traces_run_step ON traces(run_id, step)`,
    `CREATE INDEX IF NOT EXISTS idx_traces_run_timestamp ON traces(run_id, timestamp)`,
    `CREATE INDEX IF NOT EXISTS idx_traces_search ON traces(search_text)`,
    `CREATE INDEX IF NOT EXISTS idx_alerts_run ON alerts(${runKey('alerts')})`,
    `CREATE INDEX IF NOT EXISTS idx_alerts_timestamp ON alerts(timestamp)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS idx_alerts_alert_id ON alerts(alert_id) WHERE alert_id IS NOT NULL`,
    `CREATE UNIQUE INDEX IF NOT EXISTS idx_metrics_log_id ON metrics(log_id) WHERE log_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS idx_metrics_pending ON metrics(space_id) WHERE space_id IS NOT NULL`,
    `CREATE UNIQUE INDEX IF NOT EXISTS idx_system_metrics_log_id ON system_metrics(log_id) WHERE log_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS idx_system_metrics_pending ON system_metrics(space_id) WHERE space_id IS NOT NULL`,
  ]
}

/**
 * Create missing tables, columns and indexes (Trackio's `init_db`). Call under the project lock;
 * runs in one transaction so a concurrent reader never sees half a schema.
 */
export function ensureSchema(db: Database): void {
  db.transaction(() => {
    for (const sql of TABLES) db.run(sql)
    const cols = new Map<string, Set<string>>()
    const colsOf = (t: string): Set<string> => {
      let c = cols.get(t)
      if (!c) cols.set(t, (c = columnsOf(db, t)))
      return c
    }
    for (const [table, column, decl] of ADDED_COLUMNS) {
      if (colsOf(table).has(column)) continue
      db.run(`ALTER TABLE ${table} ADD COLUMN ${column} ${decl}`)
      colsOf(table).add(column)
    }
    const runKey = (t: string): string => (colsOf(t).has('run_id') ? 'run_id' : 'run_name')
    for (const sql of indexes(runKey)) db.run(sql)
  })()
}
