import { beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { appendAlerts, appendMetrics } from '../../src/storage/write/append'
import { deleteRun } from '../../src/storage/write/delete-run'
import { renameRun } from '../../src/storage/write/rename-run'
import { copyFixtures, inProcessApp } from '../helpers'
import { buildLab, LAB } from './agent-lab'

let dir: string
let app: Awaited<ReturnType<typeof inProcessApp>>
beforeAll(async () => {
  dir = await buildLab(copyFixtures('basic'))
  app = await inProcessApp(dir)
})

const changes = async (body: Record<string, unknown>, a = app) => {
  const r = await a.call('get_changes', body)
  expect(r.status).toBe(200)
  return r.json.data
}

describe('get_changes', () => {
  test('first call: a cursor for now and a summary of every project; nothing changed since', async () => {
    const first = await changes({})
    expect(first.since).toBeNull()
    expect(first.projects).toEqual([])
    expect(first.summary.map((s: any) => s.project)).toEqual(['image-classification', LAB, 'llm-finetune'])
    expect(first.summary[1]).toMatchObject({ project: LAB, runs: 7, latest_run: 'osc' })
    const again = await changes({ cursor: first.cursor })
    expect(again).toMatchObject({ changed: false, projects: [], summary: null, since: first.now })
  })

  test('new steps, new runs, new alerts, renamed and deleted runs; the cursor survives a restart', async () => {
    const { cursor } = await changes({})
    await appendMetrics(dir, LAB, 'spiky', 'spiky-id', [1000, 1001, 1002].map((s) => ({ metrics: { loss: 0.1 }, step: s })))
    await appendMetrics(dir, LAB, 'fresh', 'fresh-id', [0, 1].map((s) => ({ metrics: { loss: 1 }, step: s })))
    await appendAlerts(dir, LAB, 'fresh', 'fresh-id', [{ title: 'hello', level: 'info', step: 1, timestamp: '2026-02-01T00:00:00+00:00' }])
    await renameRun(app.storage, LAB, 'osc', 'osc-renamed', null)
    await deleteRun(app.storage, LAB, 'plateau', null)
    const restarted = await inProcessApp(dir)
    const d = await changes({ cursor }, restarted)
    expect(d.changed).toBe(true)
    expect(d.projects).toHaveLength(1)
    const p = d.projects[0]
    expect(p).toMatchObject({ project: LAB, status: 'changed', new_run_count: 1, new_step_run_count: 2, new_alert_count: 1 })
    expect(p.new_runs).toEqual([{ name: 'fresh', id: 'fresh-id', created_at: expect.any(String) }])
    expect(p.new_steps).toEqual([
      { run: 'spiky', run_id: 'spiky-id', from_step: 1000, to_step: 1002, points: 3 },
      { run: 'fresh', run_id: 'fresh-id', from_step: 0, to_step: 1, points: 2 },
    ])
    expect(p.new_alerts).toEqual([{ timestamp: '2026-02-01T00:00:00+00:00', run: 'fresh', title: 'hello', level: 'info', step: 1 }])
    expect(p.renamed_runs).toEqual([{ id: 'osc-id', name: 'osc-renamed' }])
    expect(p.deleted_runs).toEqual(['plateau-'])
    const after = await changes({ cursor: d.cursor }, restarted)
    expect(after.changed).toBe(false)
  })

  test('project scope: the cursor remembers it; new and deleted projects', async () => {
    const scoped = await changes({ project: LAB })
    expect(scoped.summary.map((s: any) => s.project)).toEqual([LAB])
    const wrong = await app.call('get_changes', { cursor: scoped.cursor })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error).toContain("project 'lab'")
    const all = await changes({})
    await appendMetrics(dir, 'brand-new', 'r', 'r-id', [{ metrics: { x: 1 }, step: 0 }])
    rmSync(join(dir, 'llm-finetune.db'))
    const d = await changes({ cursor: all.cursor })
    expect(d.projects.map((p: any) => [p.project, p.status])).toEqual([
      ['brand-new', 'new_project'],
      ['llm-finetune', 'deleted_project'],
    ])
    expect(d.projects[0].new_runs).toEqual([{ name: 'r', id: 'r-id', created_at: expect.any(String) }])
  })

  test('a bad cursor is a 400 naming cursor', async () => {
    const r = await app.call('get_changes', { cursor: 'not-a-cursor' })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain("'cursor'")
  })
})
