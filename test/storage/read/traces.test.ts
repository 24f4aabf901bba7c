import { beforeAll, describe, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../../helpers'
import { py } from '../../tools/oracle'
import { join } from 'node:path'

/**
 * get_traces / get_trace_steps over traces we logged (bulk_log with trace payloads), against
 * Trackio's SQL run by Python's sqlite3 on the same file (sorts, search, step, limit/offset).
 */
const H = { 'x-trackio-write-token': 'test-token' }
let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']

const trace = (text: string, extra: Record<string, unknown> = {}) => ({ _type: 'trackio.trace', messages: [{ role: 'user', content: text }], metadata: { model: 'm', ...extra } })

beforeAll(async () => {
  dir = tempDir()
  ;({ call } = await inProcessApp(dir))
  const logs = []
  for (let step = 0; step < 6; step++)
    logs.push({
      project: 'tr',
      run: 'r',
      run_id: 'rid',
      step: step % 3,
      metrics: { loss: step, chat: step % 2 ? [trace(`Hello ${step}`), trace(`bye ${step}`, { score: 0.5 })] : trace(`HELLO world ${step}`) },
      log_id: `log${step}`,
      timestamp: `2026-01-01T00:00:0${step}+00:00`,
    })
  const r = await call('bulk_log', { kwargs: { logs, hf_token: null } }, H)
  expect(r.status).toBe(200)
})

/** Trackio's get_traces query (sqlite_storage.get_traces), run by Python on our file. */
function expected(order: string, where: string, params: unknown[], limit: number | null, offset: number): unknown {
  return JSON.parse(
    py(
      `con = connect(sys.argv[1]); a = json.loads(sys.argv[2])
q = "SELECT id, key, trace_index, run_name, run_id, step, timestamp, messages, metadata FROM traces WHERE run_id = ?" + a['where'] + " ORDER BY " + a['order']
p = ['rid'] + a['params']
if a['limit'] is not None:
    q += ' LIMIT ?'; p.append(a['limit'])
if a['offset'] > 0:
    q += (' LIMIT -1' if a['limit'] is None else '') + ' OFFSET ?'; p.append(a['offset'])
dump([{'id': r[0], 'key': r[1], 'index': r[2], 'run': r[3], 'run_id': r[4], 'step': r[5], 'timestamp': r[6], 'messages': load(r[7]), 'metadata': load(r[8])} for r in con.execute(q, p)])`,
      join(dir, 'tr.db'),
      JSON.stringify({ order, where, params, limit, offset }),
    ),
  )
}

describe('get_traces', () => {
  const cases: [string, Record<string, unknown>, string, string, unknown[], number | null, number][] = [
    ['default: newest first', {}, 'timestamp DESC, id DESC', '', [], null, 0],
    ['step_asc with limit and offset', { sort: 'step_asc', limit: 3, offset: 2 }, 'step ASC, timestamp ASC, id ASC', '', [], 3, 2],
    ['step_desc, offset without limit', { sort: 'step_desc', offset: '4' }, 'step DESC, timestamp DESC, id DESC', '', [], null, 4],
    ['request_time_asc', { sort: 'request_time_asc' }, 'timestamp ASC, id ASC', '', [], null, 0],
    ['unknown sort falls back', { sort: 'nonsense' }, 'timestamp DESC, id DESC', '', [], null, 0],
    ['search is case-insensitive', { search: '  HeLLo ' }, 'timestamp DESC, id DESC', ' AND search_text LIKE ?', ['%hello%'], null, 0],
    ['step filter', { step: 1 }, 'timestamp DESC, id DESC', ' AND step = ?', [1], null, 0],
    ['non-integer limit/offset are ignored', { limit: 'x', offset: 'y' }, 'timestamp DESC, id DESC', '', [], null, 0],
    ['negative limit is 0', { limit: -5 }, 'timestamp DESC, id DESC', '', [], 0, 0],
  ]
  for (const [what, args, order, where, params, limit, offset] of cases)
    test(what, async () => {
      const r = await call('get_traces', { project: 'tr', run: 'r', ...args })
      expect(r.status).toBe(200)
      expect(r.json.data).toEqual(expected(order, where, params, limit, offset))
      if (what === 'default: newest first') expect(r.json.data).toHaveLength(9)
    })

  test('by run id, and nothing for an unknown run or project', async () => {
    expect((await call('get_traces', { project: 'tr', run_id: 'rid' })).json.data).toHaveLength(9)
    expect((await call('get_traces', { project: 'tr', run: 'nope' })).json.data).toEqual([])
    expect((await call('get_traces', { project: 'nope', run: 'r' })).json.data).toEqual([])
  })
})

describe('get_trace_steps', () => {
  test('counts per step, ascending, and the total', async () => {
    const r = await call('get_trace_steps', { project: 'tr', run: 'r' })
    // steps 0,1,2,0,1,2 with 1 trace on even log calls and 2 on odd ones
    expect(r.json.data).toEqual({ total: 9, steps: [{ step: 0, count: 3 }, { step: 1, count: 3 }, { step: 2, count: 3 }] })
    expect((await call('get_trace_steps', { project: 'tr', run: 'nope' })).json.data).toEqual({ total: 0, steps: [] })
  })

  test('get_tab_availability sees the traces', async () => {
    expect((await call('get_tab_availability', { project: 'tr' })).json.data).toMatchObject({ traces: true, metrics: true })
  })
})
