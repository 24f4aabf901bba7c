import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appendMetrics } from '../../../src/storage/write/append'
import { copyFixtures, inProcessApp, python3 } from '../../helpers'

const PROJECT = 'image-classification'
const ROWS = 200
const H = { 'content-type': 'application/json', 'x-trackio-write-token': 'test-token' }

/** Appends ROWS metric rows the way Trackio does: flock on {stem}.lock (100 × 0.1 s), MAX(step)+1 inside it, WAL, timeout 30 s. */
const WRITER = `
import fcntl, json, sqlite3, sys, time
db, lock, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    with open(lock, 'w') as f:
        for _ in range(100):
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.1)
        else:
            raise IOError('Could not acquire database lock after 10 seconds')
        try:
            conn = sqlite3.connect(db, timeout=30)
            conn.execute('PRAGMA journal_mode = WAL')
            conn.execute('PRAGMA synchronous = NORMAL')
            step = conn.execute("SELECT COALESCE(MAX(step) + 1, 0) FROM metrics WHERE run_id = 'live-id'").fetchone()[0]
            conn.execute(
                'INSERT INTO metrics (run_id, timestamp, run_name, step, metrics, log_id) VALUES (?, ?, ?, ?, ?, ?)',
                ('live-id', '2030-01-01T00:00:00+00:00', 'live', step, json.dumps({'i': i}, separators=(',', ':')).encode(), 'live-%d' % i),
            )
            conn.commit()
            conn.close()
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    time.sleep(0.005)
    if i % 50 == 0:
        print('progress', i, flush=True)
print('done', flush=True)
`

test('rename and delete over HTTP while a Python writer appends: no row lost or doubled, nobody sees "locked"', async () => {
  const dir = copyFixtures('basic')
  const victims = Array.from({ length: 40 }, (_, i) => `victim-${i}`)
  for (const v of victims) await appendMetrics(dir, PROJECT, v, `${v}-id`, [{ metrics: { x: 1 }, step: null }])

  const { app } = await inProcessApp(dir)
  const server = Bun.serve({ port: 0, fetch: (req) => app.handle(req) })
  const post = async (tool: string, body: unknown) => {
    const r = await fetch(`http://127.0.0.1:${server.port}/api/${tool}`, { method: 'POST', headers: H, body: JSON.stringify(body) })
    return { status: r.status, text: await r.text() }
  }
  const runs = JSON.parse((await post('get_runs_for_project', { project: PROJECT })).text).data as { id: string; name: string }[]
  const baseline = runs.find((r) => r.name === 'baseline')!.id

  const script = join(dir, 'writer.py')
  writeFileSync(script, WRITER)
  const py = Bun.spawn([python3(), script, join(dir, `${PROJECT}.db`), join(dir, `${PROJECT}.lock`), String(ROWS)], { stdout: 'pipe', stderr: 'pipe' })
  let pythonDone = false
  const exited = py.exited.then((code) => {
    pythonDone = true
    return code
  })

  const failures: string[] = []
  let renames = 0
  let deletes = 0
  let reads = 0
  let overlapped = 0
  while (!pythonDone || renames < 30 || deletes < victims.length) {
    if (!pythonDone) overlapped++
    const name = renames % 2 === 0 ? 'baseline-renamed' : 'baseline'
    const r = await post('rename_run', { project: PROJECT, old_name: 'x', new_name: name, run_id: baseline })
    if (r.status !== 200) failures.push(`rename ${r.status} ${r.text}`)
    renames++
    if (deletes < victims.length) {
      const d = await post('delete_run', { project: PROJECT, run: victims[deletes] })
      if (d.status !== 200) failures.push(`delete ${d.status} ${d.text}`)
      deletes++
    }
    const g = await post('get_run_summary', { project: PROJECT, run: 'live' })
    if (g.status !== 200) failures.push(`read ${g.status} ${g.text}`)
    reads++
  }
  const code = await exited
  const stderr = await new Response(py.stderr).text()
  server.stop(true)

  console.log(`mutations: ${renames} renames, ${deletes} deletes, ${overlapped} loop rounds while Python wrote`)
  expect(failures).toEqual([])
  expect(stderr).not.toMatch(/locked/i)
  expect(code).toBe(0)
  expect(renames).toBeGreaterThanOrEqual(30)
  expect(deletes).toBe(victims.length)
  expect(reads).toBe(renames)
  // Most of our mutations ran while Python was writing.
  expect(overlapped).toBeGreaterThanOrEqual(20)

  const db = new Database(join(dir, `${PROJECT}.db`), { readonly: true })
  const live = db.query("SELECT COUNT(*) AS n, COUNT(DISTINCT log_id) AS logs, COUNT(DISTINCT step) AS steps, MIN(step) AS lo, MAX(step) AS hi FROM metrics WHERE run_id = 'live-id'").get() as any
  const victimRows = db.query("SELECT COUNT(*) AS n FROM metrics WHERE run_name LIKE 'victim-%'").get() as any
  const base = db.query('SELECT COUNT(*) AS n, MIN(run_name) AS a, MAX(run_name) AS b FROM metrics WHERE run_id = ?').get(baseline) as any
  const integrity = db.query('PRAGMA integrity_check').values()[0]![0]
  db.close()
  expect(live).toEqual({ n: ROWS, logs: ROWS, steps: ROWS, lo: 0, hi: ROWS - 1 })
  expect(victimRows.n).toBe(0)
  expect(base.n).toBe(150)
  expect(base.a).toBe(base.b)
  expect(integrity).toBe('ok')
}, 120_000)
