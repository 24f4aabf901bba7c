import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { api, FIXTURES, startServer, tempDir, type Server } from '../../helpers'

// A data directory on a 3 MiB tmpfs that we fill up. Mounting needs root (as on CI); elsewhere skipped.
const root = tempDir()
const mnt = join(root, 'disk')
mkdirSync(mnt)
const mounted = process.getuid?.() === 0 && Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]).exitCode === 0

let server: Server
const filler = join(mnt, 'filler.bin')

beforeAll(async () => {
  if (!mounted) return
  for (const stem of ['llm-finetune', 'image-classification']) copyFileSync(join(FIXTURES, 'basic', `${stem}.db`), join(mnt, `${stem}.db`))
  server = await startServer(mnt)
})

afterAll(async () => {
  await server?.stop()
  if (mounted) Bun.spawnSync(['umount', mnt])
})

function fillDisk(): void {
  // Write 64 KiB chunks until the file system refuses.
  const chunk = new Uint8Array(64 * 1024)
  for (let i = 0; i < 200; i++) {
    try {
      writeFileSync(filler, chunk, { flag: 'a' })
    } catch {
      return
    }
  }
  throw new Error('the tmpfs never filled up')
}

test.skipIf(!mounted)('a full disk: the write gets a clear 503 naming the project, nothing half-written, reads go on', async () => {
  const token = { 'x-trackio-write-token': server.token }
  // Open both projects while there is room (a WAL reader needs its -shm file).
  for (const project of ['llm-finetune', 'image-classification'])
    expect((await api(server.url, 'get_runs_for_project', { project })).status).toBe(200)
  fillDisk()

  const big = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`m${i}`, i + 0.5]))
  const logs = Array.from({ length: 200 }, (_, i) => ({ project: 'llm-finetune', run: 'full-disk', metrics: big, step: i }))
  const w = await api(server.url, 'bulk_log', { logs, hf_token: null }, token)
  expect(w.status).toBe(503)
  expect(w.json.error).toContain("project 'llm-finetune'")
  expect(w.json.error).toMatch(/full/i)

  const other = await api(server.url, 'get_runs_for_project', { project: 'image-classification' })
  expect(other.status).toBe(200)
  expect(other.json.data.length).toBe(3)
  const same = await api(server.url, 'get_logs', { project: 'llm-finetune', run: 'full-disk' })
  expect(same.status).toBe(200)
  expect(same.json.data).toEqual([])

  rmSync(filler)
  const retry = await api(server.url, 'bulk_log', { logs: logs.slice(0, 20), hf_token: null }, token)
  expect(retry.status).toBe(200)
  expect((await api(server.url, 'get_run_summary', { project: 'llm-finetune', run: 'full-disk' })).json.data.num_logs).toBe(20)
  const db = new Database(join(mnt, 'llm-finetune.db'), { readonly: true })
  expect(db.query('PRAGMA integrity_check').values()[0]![0]).toBe('ok')
  db.close()
}, 30_000)
