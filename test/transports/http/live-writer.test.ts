import { afterAll, beforeAll, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { api, copyFixtures, python3, type Server, startServer } from '../../helpers'

// A python3 process logs into the same project in WAL mode, the way Trackio does (flock on the
// .lock file, one transaction per batch), while our server answers. Every batch has 10 rows with
// consecutive steps, so a consistent snapshot always has num_logs == last_step + 1, a multiple of 10.
const WRITER = `
import sqlite3, sys, json, fcntl, time, datetime
db, lock, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
for b in range(batches):
    with open(lock, 'w') as lf:
        fcntl.flock(lf, fcntl.LOCK_EX)
        con = sqlite3.connect(db, timeout=30)
        con.execute('PRAGMA journal_mode=WAL')
        ts = datetime.datetime.now(datetime.timezone.utc).isoformat()
        rows = [('live-run', ts, 'live', b * 10 + i, json.dumps({'loss': 1.0 / (b * 10 + i + 1), 'i': i}, separators=(',', ':')).encode()) for i in range(10)]
        con.executemany('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?,?,?,?,?)', rows)
        con.commit()
        con.close()
        fcntl.flock(lf, fcntl.LOCK_UN)
print('done', batches)
`

let server: Server
let dir: string
beforeAll(async () => {
  dir = copyFixtures('basic')
  server = await startServer(dir)
})
afterAll(async () => {
  await server?.stop()
})

test('reads stay consistent and error-free while python3 appends in WAL mode', async () => {
  const script = join(dir, 'writer.py')
  writeFileSync(script, WRITER)
  const batches = 300
  const py = Bun.spawn([python3(), script, join(dir, 'image-classification.db'), join(dir, 'image-classification.lock'), String(batches)], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let reads = 0
  let lastSeen = 0
  const errors: string[] = []
  let running = true
  py.exited.then(() => (running = false))
  while (running || reads < 20) {
    const [summary, values, logs] = await Promise.all([
      api(server.url, 'get_run_summary', { project: 'image-classification', run: 'live' }),
      api(server.url, 'get_metric_values', { project: 'image-classification', run: 'live', metric_name: 'i' }),
      api(server.url, 'get_logs', { project: 'image-classification', run: 'live' }),
    ])
    for (const r of [summary, values, logs]) if (r.status !== 200) errors.push(r.text)
    const s = summary.json?.data
    if (s && s.num_logs > 0) {
      expect(s.num_logs % 10).toBe(0)
      expect(s.last_step).toBe(s.num_logs - 1)
      expect(s.num_logs).toBeGreaterThanOrEqual(lastSeen)
      lastSeen = s.num_logs
    }
    expect(values.json.data.length % 10).toBe(0)
    expect(logs.json.data.length % 10).toBe(0)
    reads++
    if (reads > 5000) break
  }
  expect(await py.exited).toBe(0)
  expect(await new Response(py.stdout).text()).toContain(`done ${batches}`)
  expect(errors).toEqual([])
  const final = await api(server.url, 'get_run_summary', { project: 'image-classification', run: 'live' })
  expect(final.json.data.num_logs).toBe(batches * 10)
  expect(reads).toBeGreaterThan(10)
})
