/**
 * Independent expectations for the read-tool tests: Python's sqlite3 + json read the fixture
 * copy directly, and json.dumps (float repr, insertion order, exact big ints) gives the text
 * Trackio's HTTP layer would produce.
 */
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { python3 } from '../helpers'

export const EDGE = 'Edge Cases: ünïcødé/with.dots & spaces'
export const EDGE_STEM = 'EdgeCasesünïcødéwithdotsspaces'

const PRELUDE = `
import sqlite3, json, sys, math
from datetime import datetime, timedelta
def connect(path):
    return sqlite3.connect(path)
def dec(v):
    if isinstance(v, str) and v in ('NaN', 'Infinity', '-Infinity'):
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
def load(b):
    if isinstance(b, bytes):
        b = b.decode('utf-8')
    return json.loads(b)
def dump(o):
    print(json.dumps(o, separators=(',', ':'), ensure_ascii=False), end='')
def latest(con, table, name):
    r = con.execute(f'SELECT run_id FROM {table} WHERE run_name=? GROUP BY run_id ORDER BY MIN(timestamp) DESC LIMIT 1', (name,)).fetchone()
    return r[0] if r else None
`

/** Run a python3 snippet (after PRELUDE) with argv; returns its stdout, throws with stderr on failure. */
export function py(script: string, ...args: string[]): string {
  const r = Bun.spawnSync([python3(), '-c', PRELUDE + script, ...args], { stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(`python3 failed: ${r.stderr.toString()}`)
  return r.stdout.toString()
}

export function pyJson(script: string, ...args: string[]): any {
  return JSON.parse(py(script, ...args))
}

/** `{"data":…}` text as Trackio's Starlette JSONResponse would write it for `inner` JSON text. */
export const envelope = (inner: string): string => `{"data":${inner}}`

/** Read-only bun:sqlite handle on a fixture copy (safeIntegers so big steps stay exact). */
export function openDb(dataDir: string, stem: string): Database {
  return new Database(join(dataDir, `${stem}.db`), { readonly: true, safeIntegers: true })
}

export function dbPath(dataDir: string, stem: string): string {
  return join(dataDir, `${stem}.db`)
}

/** Expected get_logs text for one run id (no subsampling: runs under 3000 rows). */
export function expectedLogs(dataDir: string, stem: string, runId: string): string {
  return py(
    `
con = connect(sys.argv[1])
out = []
for ts, step, m in con.execute('SELECT timestamp, step, metrics FROM metrics WHERE run_id=? ORDER BY timestamp, id', (sys.argv[2],)):
    d = {k: dec(v) for k, v in load(m).items()}
    d['timestamp'] = ts
    d['step'] = step
    out.append(d)
dump(out)`,
    dbPath(dataDir, stem),
    runId,
  )
}

/** expectedLogs for several run ids in one Python process. */
export function expectedLogsMany(dataDir: string, stem: string, runIds: string[]): string[] {
  return JSON.parse(
    py(
      `
con = connect(sys.argv[1])
res = []
for rid in json.loads(sys.argv[2]):
    out = []
    for ts, step, m in con.execute('SELECT timestamp, step, metrics FROM metrics WHERE run_id=? ORDER BY timestamp, id', (rid,)):
        d = {k: dec(v) for k, v in load(m).items()}
        d['timestamp'] = ts
        d['step'] = step
        out.append(d)
    res.append(json.dumps(out, separators=(',', ':'), ensure_ascii=False))
dump(res)`,
      dbPath(dataDir, stem),
      JSON.stringify(runIds),
    ),
  )
}

/** Run id of the latest-created run with that name in `table`. */
export function latestRunId(dataDir: string, stem: string, name: string, table = 'metrics'): string {
  return py(`con = connect(sys.argv[1]); print(latest(con, sys.argv[2], sys.argv[3]) or '', end='')`, dbPath(dataDir, stem), table, name)
}

/** Runs as Python would list them (compat §4), as exact JSON text. */
export function expectedRuns(dataDir: string, stem: string): string {
  return py(
    `
con = connect(sys.argv[1])
rows = con.execute('SELECT run_id, run_name, MIN(timestamp) AS c FROM metrics GROUP BY run_id, run_name ORDER BY c').fetchall()
dump([{'id': a, 'name': b, 'created_at': c} for a, b, c in rows])`,
    dbPath(dataDir, stem),
  )
}

/** Sorted (code point) top-level keys over a run's rows, minus the excluded ones, computed by Python. */
export function expectedKeys(dataDir: string, stem: string, table: string, runId: string, exclude: string[]): string[] {
  return pyJson(
    `
con = connect(sys.argv[1])
keys = set()
for (m,) in con.execute(f'SELECT metrics FROM {sys.argv[2]} WHERE run_id=?', (sys.argv[3],)):
    keys.update(load(m).keys())
dump(sorted(keys - set(json.loads(sys.argv[4]))))`,
    dbPath(dataDir, stem),
    table,
    runId,
    JSON.stringify(exclude),
  )
}
