import { describe, expect, test } from 'bun:test'
import { inProcessApp, queryProject, tempDir, WRITE_HEADERS } from '../helpers'

describe('log (legacy single row)', () => {
  test('positional order project, run, metrics, step, hf_token, run_id; no dedup', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    expect((await call('log', '["p","r",{"a":1.0},null,null]', WRITE_HEADERS)).status).toBe(200)
    expect((await call('log', '["p","r",{"a":1.0},null,null]', WRITE_HEADERS)).status).toBe(200)
    expect((await call('log', { project: 'p', run: 'r', metrics: { b: 2 }, step: 9, hf_token: null, run_id: 'X' }, WRITE_HEADERS)).status).toBe(200)
    const got = queryProject(dir, 'p', 'SELECT run_id, step, CAST(metrics AS TEXT) AS m FROM metrics ORDER BY id')
    expect(got).toEqual([
      { run_id: 'r', step: 0n, m: '{"a":1.0}' },
      { run_id: 'r', step: 1n, m: '{"a":1.0}' },
      { run_id: 'X', step: 9n, m: '{"b":2}' },
    ])
    expect((await call('log', { project: 'p', run: 'r', metrics: {}, hf_token: null }, WRITE_HEADERS)).json.error).toBe('Missing required parameter: step')
    expect((await call('log', { project: 'p', run: 'r', metrics: {}, step: null }, WRITE_HEADERS)).json.error).toBe('Missing required parameter: hf_token')
  })
})
