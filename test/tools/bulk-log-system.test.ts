import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, queryProject, SERVER_TIMESTAMP, tempDir, WRITE_HEADERS } from '../helpers'

describe('bulk_log_system', () => {
  test('own timestamps kept, missing timestamp → server time, log_id dedup', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const logs = [
      { project: 'p', run: 'r', run_id: 'id1', metrics: { 'gpu/0/utilization': 10, t: 1.0 }, timestamp: '2026-01-01T00:00:00.123456+00:00', log_id: 'S1' },
      { project: 'p', run: 'r', run_id: 'id1', metrics: { 'gpu/0/utilization': 20 }, log_id: 'S2' },
    ]
    expect((await call('bulk_log_system', { args: [], kwargs: { logs, hf_token: null } }, WRITE_HEADERS)).status).toBe(200)
    expect((await call('bulk_log_system', { args: [], kwargs: { logs, hf_token: null } }, WRITE_HEADERS)).status).toBe(200)
    const got = queryProject(dir, 'p', 'SELECT run_id, run_name, timestamp, CAST(metrics AS TEXT) AS m, typeof(metrics) AS t, log_id FROM system_metrics ORDER BY id')
    expect(got.length).toBe(2)
    expect(got[0]).toEqual({ run_id: 'id1', run_name: 'r', timestamp: '2026-01-01T00:00:00.123456+00:00', m: '{"gpu/0/utilization":10,"t":1}', t: 'blob', log_id: 'S1' })
    expect(got[1]!.timestamp).toMatch(SERVER_TIMESTAMP)
    const back = await call('get_system_logs', { project: 'p', run: 'r' })
    expect(back.json.data.length).toBe(2)
  })

  test('validation: names the entry, writes nothing; hf_token required', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const r = await call('bulk_log_system', { logs: [{ project: 'p', run: 'r', metrics: {} }, { project: 'p', run: 'r', metrics: {}, timestamp: 5 }], hf_token: null }, WRITE_HEADERS)
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("logs[1]: 'timestamp' must be a string, got a number")
    expect((await call('bulk_log_system', { logs: [] }, WRITE_HEADERS)).json.error).toBe('Missing required parameter: hf_token')
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
  })
})
