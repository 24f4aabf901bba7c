import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ChangeWatcher, type ProjectChange } from '../../../src/storage/read/change-watch'
import { inProcessApp, tempDir } from '../../helpers'

const TOKEN = 'test-token'
let dir: string
let app: Awaited<ReturnType<typeof inProcessApp>>
let watcher: ChangeWatcher

const log = (run: string, step: number, project = 'watched') =>
  app.call('bulk_log', { logs: [{ project, run, metrics: { loss: 1 / (step + 1) }, step }], hf_token: null }, { 'x-trackio-write-token': TOKEN })

/** A second connection writing as Trackio's Python library does (its own WAL commits). */
function foreignInsert(project: string, runId: string, runName: string, step: number): void {
  const db = new Database(join(dir, `${project}.db`))
  db.run('PRAGMA journal_mode = WAL')
  db.run('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)', [runId, new Date().toISOString(), runName, step, '{"loss": 0.5}'])
  db.close()
}

const names = (refs: { name: string }[]) => refs.map((r) => r.name).sort()

beforeAll(async () => {
  dir = tempDir()
  app = await inProcessApp(dir, TOKEN)
  expect((await log('alpha', 0)).status).toBe(200)
  watcher = new ChangeWatcher(app.storage, { pollMs: 60_000 })
})
afterAll(() => watcher.close())

describe('ChangeWatcher.check (marks compared on demand)', () => {
  test('the first check is the baseline and reports nothing; an unchanged directory reports nothing', () => {
    expect(watcher.check()).toEqual([])
    expect(watcher.check()).toEqual([])
  })

  test('new steps of a known run through our API', async () => {
    await log('alpha', 1)
    const [c] = watcher.check()
    expect(c).toMatchObject({ project: 'watched', created: [], deleted: [], renamed: [], newAlerts: [] })
    expect(names(c!.newSteps)).toEqual(['alpha'])
    expect(watcher.check()).toEqual([])
  })

  test('a run created by another process writing the same file', () => {
    foreignInsert('watched', 'beta-id', 'beta', 0)
    const [c] = watcher.check()
    expect(c!.created).toEqual([{ id: 'beta-id', name: 'beta' }])
    expect(names(c!.newSteps)).toEqual(['beta'])
  })

  test('an alert names its run', async () => {
    const r = await app.call('bulk_alert', { alerts: [{ project: 'watched', run: 'alpha', title: 'spike', level: 'warn' }], hf_token: null }, { 'x-trackio-write-token': TOKEN })
    expect(r.status).toBe(200)
    const [c] = watcher.check()
    expect(names(c!.newAlerts)).toEqual(['alpha'])
    expect(c!.newSteps).toEqual([])
  })

  test('rename and delete (rows rewritten, nothing appended) re-read the run set', async () => {
    const headers = { 'x-trackio-write-token': TOKEN }
    expect((await app.call('rename_run', { project: 'watched', old_name: 'beta', new_name: 'gamma' }, headers)).status).toBe(200)
    let [c] = watcher.check()
    expect(c!.renamed).toEqual([{ id: 'beta-id', from: 'beta', to: 'gamma' }])
    expect(c!.created).toEqual([])
    expect((await app.call('delete_run', { project: 'watched', run: 'gamma' }, headers)).status).toBe(200)
    ;[c] = watcher.check()
    expect(c!.deleted).toEqual([{ id: 'beta-id', name: 'gamma' }])
  })

  test('a project file that appears or disappears', async () => {
    await log('first', 0, 'second-project')
    let changes = watcher.check()
    expect(changes.map((c) => [c.project, c.appeared, names(c.created)])).toEqual([['second-project', true, ['first']]])
    app.storage.drop(join(dir, 'second-project.db'))
    rmSync(join(dir, 'second-project.db'))
    rmSync(join(dir, 'second-project.db-wal'), { force: true })
    rmSync(join(dir, 'second-project.db-shm'), { force: true })
    changes = watcher.check()
    expect(changes.map((c) => [c.project, c.appeared, names(c.deleted)])).toEqual([['second-project', false, ['first']]])
  })

  test('a file that is not a database is skipped, not fatal', () => {
    copyFileSync(join(import.meta.dir, 'change-watch.test.ts'), join(dir, 'broken.db'))
    expect(() => watcher.check()).not.toThrow()
    rmSync(join(dir, 'broken.db'))
    watcher.check()
  })
})

describe('ChangeWatcher events', () => {
  test('listeners hear a foreign write through fs events, with no poll due', async () => {
    const w = new ChangeWatcher(app.storage, { pollMs: 3_600_000, minGapMs: 10 })
    const heard: ProjectChange[][] = []
    const got = new Promise<void>((resolve) => {
      w.on((changes) => {
        heard.push(changes)
        resolve()
      })
    })
    foreignInsert('watched', 'alpha', 'alpha', 7)
    await got
    expect(names(heard[0]![0]!.newSteps)).toEqual(['alpha'])
    w.close()
  })

  test('a throwing listener does not keep others from hearing', () => {
    const w = new ChangeWatcher(app.storage, { pollMs: 3_600_000 })
    const heard: string[] = []
    const orig = console.error
    console.error = () => {}
    w.on(() => {
      throw new Error('boom')
    })
    w.on((c) => heard.push(c[0]!.project))
    foreignInsert('watched', 'alpha', 'alpha', 8)
    w.check()
    console.error = orig
    expect(heard).toEqual(['watched'])
    w.close()
  })

  test('listeners are bounded', () => {
    const w = new ChangeWatcher(app.storage, { maxListeners: 2, pollMs: 3_600_000 })
    w.on(() => {})
    const off = w.on(() => {})
    expect(() => w.on(() => {})).toThrow(/at most 2/)
    off()
    expect(() => w.on(() => {})).not.toThrow()
    expect(w.listenerCount).toBe(2)
    w.close()
  })
})
