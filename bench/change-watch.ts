/**
 * What does the change watcher cost on a big project? `bun bench/change-watch.ts [dir]` copies
 * the 240,000-row perf project (default /work/shared/fixtures/large) to a temporary directory and
 * times ChangeWatcher.check(): the first (baseline) check, an idle check (nothing moved: stats
 * only), a check after another connection appends one row, and after a rename (rows rewritten,
 * run set re-read). Prints median and max per case.
 */
import { Database } from 'bun:sqlite'
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Storage } from '../src/storage/db/connection'
import { ChangeWatcher } from '../src/storage/read/change-watch'

const source = process.argv[2] ?? '/work/shared/fixtures/large'
const dir = mkdtempSync(join(tmpdir(), 'trackio-watch-'))
cpSync(source, dir, { recursive: true })
for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644)
const stem = readdirSync(dir).find((f) => f.endsWith('.db'))!.slice(0, -3)

const storage = new Storage(dir)
const watcher = new ChangeWatcher(storage, { pollMs: 3_600_000 })
const time = (fn: () => unknown) => {
  const t = performance.now()
  fn()
  return performance.now() - t
}
const rows: [string, number[]][] = []
rows.push(['baseline (first check)', [time(() => watcher.check())]])
rows.push(['idle (nothing moved)', Array.from({ length: 200 }, () => time(() => watcher.check()))])
const db = new Database(join(dir, `${stem}.db`))
const total = (db.query('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n
const run = db.query('SELECT run_id, run_name FROM metrics LIMIT 1').get() as { run_id: string; run_name: string }
const appends: number[] = []
for (let i = 0; i < 50; i++) {
  db.run('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)', [run.run_id, new Date().toISOString(), run.run_name, 10_000_000 + i, '{"loss": 0.5}'])
  appends.push(time(() => watcher.check()))
}
rows.push(['one row appended by another connection', appends])
const renames: number[] = []
for (let i = 0; i < 5; i++) {
  db.run('UPDATE metrics SET run_name = ? WHERE run_id = ?', [`renamed-${i}`, run.run_id])
  renames.push(time(() => watcher.check()))
}
rows.push(['run renamed (run set re-read)', renames])
db.close()
watcher.close()
storage.close()
rmSync(dir, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`\nChangeWatcher.check() on ${stem} (${total.toLocaleString('en')} metric rows), ms\n`)
console.log('| case | n | median | max |')
console.log('| --- | ---: | ---: | ---: |')
for (const [name, xs] of rows) console.log(`| ${name} | ${xs.length} | ${median(xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} |`)
