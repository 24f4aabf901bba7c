/**
 * kill -9 during rename_run of a run with media, against the compiled binary (issue 10, item 10).
 * Each round: a fresh copy of a data directory holding a run whose 400 media folders must be
 * merged into an existing folder (400 renames: a wide window), a server on it, rename_run, a
 * SIGKILL after a random delay, then a restart (startup recovery) and a check that rows and
 * media folders agree with no file lost. Prints a table.
 * With `plain` the target folder does not exist: the move is one rename(2) of the whole folder.
 * Usage: bun bench/rename-kill.ts [rounds=25] [merge|plain]
 */
import { Database } from 'bun:sqlite'
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appendMetrics } from '../src/storage/write/append'
import { journalPath } from '../src/storage/write/rename-journal'
import { api, startServer, tempDir } from '../test/helpers'

const ROUNDS = Number(process.argv[2] ?? 25)
const P = 'killp'
const N = 400
const PLAIN = process.argv[3] === 'plain'

const template = tempDir()
const entries = Array.from({ length: N }, (_, i) => ({
  metrics: new Map([['img', new Map([['_type', 'trackio.image'], ['file_path', `${P}/r/${i}/a.png`]])]]) as never,
  step: i,
}))
await appendMetrics(template, P, 'r', 'RID', entries)
for (let i = 0; i < N; i++) {
  mkdirSync(join(template, 'media', P, 'r', String(i)), { recursive: true })
  writeFileSync(join(template, 'media', P, 'r', String(i), 'a.png'), 'png')
}
mkdirSync(join(template, 'media', P, PLAIN ? 'u' : 't'), { recursive: true })
writeFileSync(join(template, 'media', P, PLAIN ? 'u' : 't', 'keep.txt'), 'other run')

const countFiles = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(png|txt)$/.test(f)).length

/** Whether the rows' media paths all exist, and nothing was lost. */
function agree(dir: string): { ok: boolean; name: string } {
  const db = new Database(join(dir, `${P}.db`), { readonly: true })
  const rows = db.query("SELECT run_name, metrics ->> '$.img.file_path' AS f FROM metrics WHERE run_id = 'RID'").all() as { run_name: string; f: string }[]
  db.close()
  const names = new Set(rows.map((r) => r.run_name))
  const ok = names.size === 1 && rows.every((r) => existsSync(join(dir, 'media', r.f))) && countFiles(join(dir, 'media', P)) === N + 1
  return { ok, name: [...names].join('+') }
}

async function rename(dir: string, killAfterMs: number | null) {
  const s = await startServer(dir)
  const t0 = performance.now()
  const req = api(s.url, 'rename_run', { project: P, old_name: 'r', new_name: 't' }, { 'x-trackio-write-token': s.token }).catch(() => null)
  if (killAfterMs === null) {
    const r = await req
    const ms = performance.now() - t0
    await s.stop()
    return { ms, status: r?.status }
  }
  await Bun.sleep(killAfterMs)
  s.proc.kill('SIGKILL')
  await s.proc.exited
  await req
  return { ms: performance.now() - t0, status: undefined }
}

// Warm-up: how long one full rename takes through the server.
const warm: number[] = []
for (let i = 0; i < 3; i++) {
  const d = tempDir()
  cpSync(template, d, { recursive: true })
  warm.push((await rename(d, null)).ms)
}
const full = warm.sort((a, b) => a - b)[1]!

let midway = 0
let disagreeAfterKill = 0
let disagreeAfterRestart = 0
const outcomes = new Map<string, number>()
for (let i = 0; i < ROUNDS; i++) {
  const dir = tempDir()
  cpSync(template, dir, { recursive: true })
  await rename(dir, Math.random() * full * 1.2)
  const journal = existsSync(journalPath(dir, P))
  if (journal) midway++
  if (!agree(dir).ok) disagreeAfterKill++
  const s = await startServer(dir) // startup settles the journal
  await s.stop()
  const after = agree(dir)
  if (!after.ok || existsSync(journalPath(dir, P))) disagreeAfterRestart++
  outcomes.set(after.name, (outcomes.get(after.name) ?? 0) + 1)
}

console.log(`rename_run of a run with ${N} media folders ${PLAIN ? 'moved as one folder' : 'merged into an existing folder'}; one full rename through the server: ${full.toFixed(0)} ms (median of 3)`)
console.log('| kills | journal left (cut mid-rename) | rows/media disagree right after the kill | disagree after restart | run name after restart |')
console.log('|---|---|---|---|---|')
console.log(`| ${ROUNDS} | ${midway} | ${disagreeAfterKill} | ${disagreeAfterRestart} | ${[...outcomes].map(([k, v]) => `${k}: ${v}`).join(', ')} |`)
