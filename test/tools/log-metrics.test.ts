import { describe, expect, test } from 'bun:test'
import { copyFixtures, inProcessApp, queryProject, tempDir, WRITE_HEADERS } from '../helpers'

/** Agent writes never hurt data: existing runs by name, explicit new runs, merged configs (issue: safe agent writes). */

const H = { 'x-trackio-write-token': 'test-token' }

async function setup() {
  const { call } = await inProcessApp(copyFixtures('basic'))
  return call
}

describe('log_metrics on a run name', () => {
  test('an existing name writes to that run (the latest of the name); the run list does not grow', async () => {
    const call = await setup()
    const runs = (await call('get_runs_for_project', { project: 'image-classification' })).json.data
    const baseline = runs.find((r: { name: string }) => r.name === 'baseline')
    const before = (await call('get_run_summary', { project: 'image-classification', run: 'baseline' })).json.data
    const r = await call('log_metrics', { project: 'image-classification', run: 'baseline', metrics: { agent_score: 0.7 } }, H)
    expect(r.json.data).toEqual({ run_id: baseline.id, step: before.last_step + 1, stored: true })
    expect((await call('get_runs_for_project', { project: 'image-classification' })).json.data).toHaveLength(runs.length)
    const after = (await call('get_run_summary', { project: 'image-classification', run: 'baseline' })).json.data
    expect(after.num_logs).toBe(before.num_logs + 1)
    expect(after.metrics).toContain('agent_score')
  })

  test('an unknown name is a 404 naming the closest runs; nothing is created', async () => {
    const call = await setup()
    const r = await call('log_metrics', { project: 'image-classification', run: 'baselin', metrics: { x: 1 } }, H)
    expect(r.status).toBe(404)
    expect(r.json.error).toBe("Run 'baselin' does not exist in project 'image-classification'. Pass new_run: true to create a new run. Closest runs: 'baseline', 'high-lr', 'small-batch'.")
    const id = await call('log_metrics', { project: 'image-classification', run: 'x', run_id: 'nope', metrics: { x: 1 } }, H)
    expect(id.status).toBe(404)
    expect((await call('get_runs_for_project', { project: 'image-classification' })).json.data).toHaveLength(3)
  })

  test('new_run: true makes a run with a fresh id (never the name); reads by name then find the newest', async () => {
    const call = await setup()
    const a = await call('log_metrics', { project: 'agents', run: 'probe', metrics: { v: 1 }, new_run: true }, H)
    const b = await call('log_metrics', { project: 'agents', run: 'probe', metrics: { v: 2 }, new_run: true }, H)
    expect(a.json.data.run_id).toMatch(/^[0-9a-f]{32}$/)
    expect(b.json.data.run_id).not.toBe(a.json.data.run_id)
    expect([a.json.data.step, b.json.data.step]).toEqual([0, 0])
    const next = await call('log_metrics', { project: 'agents', run: 'probe', metrics: { v: 3 } }, H)
    expect(next.json.data).toMatchObject({ run_id: b.json.data.run_id, step: 1 })
    const first = await call('log_metrics', { project: 'agents', run: 'probe', run_id: a.json.data.run_id, metrics: { v: 4 } }, H)
    expect(first.json.data).toMatchObject({ run_id: a.json.data.run_id, step: 1 })
  })

  test('a config is merged into the stored one: stored keys kept, new keys win, created_at kept', async () => {
    const call = await setup()
    const before = (await call('get_run_summary', { project: 'image-classification', run: 'baseline' })).json.data.config
    expect(Object.keys(before).length).toBeGreaterThan(3)
    await call('log_metrics', { project: 'image-classification', run: 'baseline', metrics: { x: 1 }, config: { lr: 0.5, agent_note: 'tuned' } }, H)
    const after = (await call('get_run_summary', { project: 'image-classification', run: 'baseline' })).json.data.config
    expect(after).toEqual({ ...before, lr: 0.5, agent_note: 'tuned' })
    expect(Object.keys(after).slice(0, Object.keys(before).length)).toEqual(Object.keys(before))
  })
})

describe('log_alert as a note', () => {
  test('goes to the existing run and leaves its metrics and last step alone; an unknown run is a 404', async () => {
    const call = await setup()
    const before = (await call('get_run_summary', { project: 'image-classification', run: 'high-lr' })).json.data
    const r = await call('log_alert', { project: 'image-classification', run: 'high-lr', title: 'note', text: 'lr too high', level: 'info', step: 10_000 }, H)
    expect(r.status).toBe(200)
    const runs = (await call('get_runs_for_project', { project: 'image-classification' })).json.data
    expect(r.json.data.run_id).toBe(runs.find((x: { name: string }) => x.name === 'high-lr').id)
    expect((await call('get_run_summary', { project: 'image-classification', run: 'high-lr' })).json.data).toEqual(before)
    expect((await call('get_alerts', { project: 'image-classification', run: 'high-lr' })).json.data[0]).toMatchObject({ title: 'note', level: 'info', step: 10000 })
    expect((await call('log_alert', { project: 'image-classification', run: 'nope', title: 't' }, H)).status).toBe(404)
  })
})

describe('log_metrics (agent tool)', () => {
  test('log_metrics returns the step; log_id makes retries safe; config stored', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const a = await call('log_metrics', '{"project":"agent","run":"exp1","metrics":{"loss":0.31,"acc":1.0},"config":{"lr":0.001},"new_run":true}', WRITE_HEADERS)
    expect(a.status).toBe(200)
    const id = a.json.data.run_id
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(a.text).toBe(`{"data":{"run_id":"${id}","step":0,"stored":true}}`)
    const b = await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { loss: 0.2 }, log_id: 'k1' }, WRITE_HEADERS)
    expect(b.json.data).toEqual({ run_id: id, step: 1, stored: true })
    const c = await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { loss: 0.2 }, log_id: 'k1' }, WRITE_HEADERS)
    expect(c.json.data).toEqual({ run_id: id, step: 2, stored: false })
    expect((await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { x: 1 }, step: 50 }, WRITE_HEADERS)).json.data.step).toBe(50)
    const rows = queryProject(dir, 'agent', 'SELECT step, CAST(metrics AS TEXT) AS m FROM metrics ORDER BY id')
    expect(rows.map((r) => [r.step, r.m])).toEqual([[0n, '{"loss":0.31,"acc":1.0}'], [1n, '{"loss":0.2}'], [50n, '{"x":1}']])
    expect(queryProject(dir, 'agent', 'SELECT CAST(config AS TEXT) AS c FROM configs')).toEqual([{ c: '{"lr":0.001}' }])
    const summary = await call('get_run_summary', { project: 'agent', run: 'exp1' })
    expect(summary.status).toBe(200)
    expect((await call('log_metrics', { project: 'agent', run: 'exp1', metrics: 3 }, WRITE_HEADERS)).status).toBe(400)
  })
})
