import { describe, expect, test } from 'bun:test'
import { inProcessApp, tempDir, WRITE_HEADERS } from '../helpers'

describe('log_alert (agent tool)', () => {
  test('log_alert', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const run = await call('log_metrics', { project: 'agent', run: 'exp1', metrics: { loss: 1 }, new_run: true }, WRITE_HEADERS)
    const r = await call('log_alert', { project: 'agent', run: 'exp1', title: 'diverged', text: 'loss 1e3', level: 'error', step: 40 }, WRITE_HEADERS)
    expect(r.status).toBe(200)
    expect(r.json.data).toMatchObject({ run_id: run.json.data.run_id, stored: true })
    expect((await call('log_alert', { project: 'agent', run: 'exp1', title: 't', level: 'fatal' }, WRITE_HEADERS)).status).toBe(400)
    const back = await call('get_alerts', { project: 'agent', level: 'error' })
    expect(back.json.data).toMatchObject([{ run: 'exp1', title: 'diverged', text: 'loss 1e3', level: 'error', step: 40 }])
  })
})
