import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, queryProject, SERVER_TIMESTAMP, tempDir, WRITE_HEADERS } from '../helpers'

describe('bulk_alert', () => {
  test('alerts stored with alert_id dedup; missing timestamp → server time', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const alerts = [
      { project: 'p', run: 'r', run_id: 'id1', title: 'hi', text: null, level: 'info', step: 0, timestamp: '2026-01-01T00:00:00+00:00', alert_id: 'A1' },
      { project: 'p', run: 'r', title: 'no time', level: 'WARN' },
    ]
    expect((await call('bulk_alert', { args: [], kwargs: { alerts, hf_token: null } }, WRITE_HEADERS)).status).toBe(200)
    expect((await call('bulk_alert', [alerts.slice(0, 1), null], WRITE_HEADERS)).status).toBe(200)
    const got = queryProject(dir, 'p', 'SELECT run_id, run_name, title, text, level, step, timestamp, alert_id FROM alerts ORDER BY id')
    expect(got.length).toBe(2)
    expect(got[0]).toEqual({ run_id: 'id1', run_name: 'r', title: 'hi', text: null, level: 'info', step: 0n, timestamp: '2026-01-01T00:00:00+00:00', alert_id: 'A1' })
    expect(got[1]).toMatchObject({ run_id: 'r', title: 'no time', level: 'WARN', step: null, alert_id: null })
    expect(String(got[1]!.timestamp)).toMatch(SERVER_TIMESTAMP)
    const back = await call('get_alerts', { project: 'p' })
    expect(back.json.data.map((a: { title: string }) => a.title).sort()).toEqual(['hi', 'no time'])
  })

  test('missing title/level is a 400 naming the entry', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const r = await call('bulk_alert', { alerts: [{ project: 'p', run: 'r', title: 't', level: 'info' }, { project: 'p', run: 'r', title: 't' }], hf_token: null }, WRITE_HEADERS)
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("alerts[1]: missing required key 'level'")
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
  })
})
