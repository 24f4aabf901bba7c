import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { api, copyFixtures, startServer } from '../../helpers'

/**
 * kill -9 of the server while bulk_log and rename_run requests are in flight, then a restart:
 * every row of a request that got a 200 is stored, the run carries the last acknowledged name
 * (or the one of the single rename in flight), and both databases pass PRAGMA integrity_check.
 */
const RUN_FOR_MS = 1500
const WRITERS = 4
const ROWS_PER_REQUEST = 40

function integrity(file: string): string {
  const db = new Database(file)
  try {
    return (db.query('PRAGMA integrity_check').values() as string[][]).map((r) => r[0]).join(',')
  } finally {
    db.close()
  }
}

test('kill -9 during bulk_log and rename_run loses no acknowledged write and corrupts nothing', async () => {
  const dir = copyFixtures('basic')
  const server = await startServer(dir)
  const h = { 'x-trackio-write-token': server.token }
  const acked: string[][] = []
  let stop = false
  let killed = false

  const writer = async (w: number) => {
    for (let n = 0; !stop; n++) {
      const ids = Array.from({ length: ROWS_PER_REQUEST }, (_, j) => `w${w}-${n}-${j}`)
      const logs = ids.map((id, j) => ({ project: 'kill-test', run: `run-${w}`, metrics: { loss: 1 / (n + j + 1), n, j }, step: n * ROWS_PER_REQUEST + j, log_id: id }))
      try {
        const r = await api(server.url, 'bulk_log', { logs, hf_token: null }, h)
        if (r.status === 200) acked.push(ids)
        else if (!killed) throw new Error(`bulk_log ${r.status} ${r.text}`)
      } catch (err) {
        if (!killed) throw err
        return
      }
    }
  }

  const names = ['gpt2-small', 'gpt2-small-renamed']
  let current = names[0]!
  let inFlight: string | null = null
  let renames = 0
  const renamer = async () => {
    for (let n = 0; !stop; n++) {
      const next = n % 2 ? names[0]! : names[1]!
      inFlight = next
      try {
        const r = await api(server.url, 'rename_run', { project: 'llm-finetune', old_name: current, new_name: next }, h)
        if (r.status !== 200) {
          if (!killed) throw new Error(`rename_run ${r.status} ${r.text}`)
          return
        }
        current = next
        inFlight = null
        renames++
      } catch (err) {
        if (!killed) throw err
        return
      }
    }
  }

  const workers = [...Array.from({ length: WRITERS }, (_, w) => writer(w)), renamer()]
  // Kill only once there is something to lose (a loaded machine gets there later), then a little later still.
  for (let waited = 0; (renames <= 2 || acked.length <= 2) && waited < 30_000; waited += 50) await Bun.sleep(50)
  await Bun.sleep(RUN_FOR_MS)
  killed = true
  server.proc.kill('SIGKILL')
  stop = true
  await Promise.all(workers)
  expect(await server.proc.exited).not.toBe(0)
  expect(acked.length).toBeGreaterThan(2)
  expect(renames).toBeGreaterThan(2)

  for (const file of ['kill-test.db', 'llm-finetune.db']) expect(integrity(join(dir, file))).toBe('ok')

  const restarted = await startServer(dir)
  try {
    const db = new Database(join(dir, 'kill-test.db'), { readonly: true })
    const stored = new Set((db.query('SELECT log_id FROM metrics').values() as string[][]).map((r) => r[0]!))
    db.close()
    const missing = acked.flat().filter((id) => !stored.has(id))
    expect(missing).toEqual([])
    // Requests are transactions: a request's rows are all there or none are.
    const partial = new Map<string, number>()
    for (const id of stored) {
      const key = id.slice(0, id.lastIndexOf('-'))
      partial.set(key, (partial.get(key) ?? 0) + 1)
    }
    expect([...partial.values()].filter((c) => c !== ROWS_PER_REQUEST)).toEqual([])

    const runs = await api(restarted.url, 'get_runs_for_project', { project: 'llm-finetune' })
    expect(runs.status).toBe(200)
    const runNames = runs.json.data.map((r: { name: string }) => r.name)
    const now = runNames.find((n: string) => names.includes(n))
    expect([current, ...(inFlight ? [inFlight] : [])]).toContain(now)
    expect(runNames.filter((n: string) => names.includes(n)).length).toBe(1)
    const counted = await api(restarted.url, 'get_logs', { project: 'kill-test', run: 'run-0' })
    expect(counted.status).toBe(200)
    expect((await fetch(`${restarted.url}/version`)).status).toBe(200)
  } finally {
    await restarted.stop()
  }
  for (const file of ['kill-test.db', 'llm-finetune.db']) expect(integrity(join(dir, file))).toBe('ok')
}, 30_000)
