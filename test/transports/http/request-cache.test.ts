import { describe, expect, test } from 'bun:test'
import { copyFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { TOOLS } from '../../../src/tools/registry'
import { keptWhenRead, RequestCache } from '../../../src/transports/http/request-cache'
import { copyFixtures, inProcessApp, WRITE_HEADERS } from '../../helpers'

const tool = (name: string) => TOOLS.find((t) => t.name === name)!
const PROJECT = 'image-classification'

/** python3 appends rows to a run the way Trackio's library does (its own connection, one commit), outside the server. */
function pythonAppends(dir: string, run: string, rows: number): void {
  const script = join(dir, 'append.py')
  writeFileSync(
    script,
    `import sqlite3, sys, json
con = sqlite3.connect(sys.argv[1], timeout=30)
rid = con.execute('SELECT run_id FROM metrics WHERE run_name = ? LIMIT 1', (sys.argv[2],)).fetchone()[0]
last = con.execute('SELECT MAX(step) FROM metrics WHERE run_id = ?', (rid,)).fetchone()[0]
for i in range(int(sys.argv[3])):
    con.execute('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?,?,?,?,?)',
                (rid, '2026-01-01T00:00:00+00:00', sys.argv[2], last + 1 + i, json.dumps({'loss': 0.5})))
con.commit()
con.close()
`,
  )
  const r = Bun.spawnSync(['python3', script, join(dir, `${PROJECT}.db`), run, String(rows)], { stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(r.stderr.toString())
}

describe('RequestCache', () => {
  test('an answer is served again only while the project database is unchanged; a commit by python3 ends it', () => {
    const dir = copyFixtures('basic')
    const storage = new Storage(dir)
    const cache = new RequestCache(storage)
    const t = tool('get_run_summary')
    const body = JSON.stringify({ project: PROJECT, run: 'baseline' })
    const args = new Map<string, unknown>([['project', PROJECT]])
    const token = cache.token(t, args, body)
    expect(token).not.toBeNull()
    cache.store(t, args, body, token!, '{"data":"kept"}')
    expect(cache.lookup(t, body)).toBe('{"data":"kept"}')
    expect(cache.lookup(t, body)).toBe('{"data":"kept"}')
    expect(cache.lookup(t, `${body} `)).toBeUndefined()
    expect(cache.lookup(tool('get_alerts'), body)).toBeUndefined()
    pythonAppends(dir, 'baseline', 1)
    expect(cache.lookup(t, body)).toBeUndefined()
    expect(cache.stats.answers).toBe(0)
    storage.close()
  })

  test('tools without an answer scope, projects without a database and large bodies are not kept', () => {
    const dir = copyFixtures('basic')
    const cache = new RequestCache(new Storage(dir))
    const args = new Map<string, unknown>([['project', PROJECT]])
    expect(tool('get_traces').answerScope).toBeUndefined()
    expect(cache.token(tool('get_traces'), args, '{}')).toBeNull()
    // query_project keeps answers only of SQL fixed by the file's content
    const sql = (query: string) => new Map<string, unknown>([['project', PROJECT], ['query', query]])
    expect(cache.token(tool('query_project'), sql('SELECT COUNT(*) FROM metrics'), '{}')).not.toBeNull()
    for (const unstable of ['SELECT random()', "SELECT datetime('now')", 'SELECT CURRENT_TIMESTAMP', 'select Changes()', 'SELECT sqlite_version()'])
      expect(cache.token(tool('query_project'), sql(unstable), '{}')).toBeNull()
    expect(cache.token(tool('get_alerts'), new Map([['project', 'no-such-project']]), '{}')).toBeNull()
    expect(cache.token(tool('get_alerts'), new Map([['project', 7]]), '{}')).toBeNull()
    expect(cache.token(tool('get_alerts'), args, 'x'.repeat(5000))).toBeNull()
  })

  test('a long answer is kept as its UTF-8 bytes', () => {
    const cache = new RequestCache(new Storage(copyFixtures('basic')))
    const t = tool('get_alerts')
    const args = new Map<string, unknown>([['project', PROJECT]])
    const text = `{"data":"${'é'.repeat(20_000)}"}`
    cache.store(t, args, '{}', cache.token(t, args, '{}')!, text)
    expect(new TextDecoder().decode(cache.lookup(t, '{}') as Uint8Array)).toBe(text)
  })

  test('the project list scope follows files appearing in the data directory', () => {
    const dir = copyFixtures('basic')
    const cache = new RequestCache(new Storage(dir))
    const t = tool('get_all_projects')
    const token = cache.token(t, new Map(), '{}')!
    cache.store(t, new Map(), '{}', token, '{"data":[]}')
    expect(cache.lookup(t, '{}')).toBe('{"data":[]}')
    copyFileSync(join(dir, `${PROJECT}.db`), join(dir, 'copy.db'))
    expect(cache.lookup(t, '{}')).toBeUndefined()
  })

  test('memory is bounded: the least recently used answers go first', () => {
    const dir = copyFixtures('basic')
    const cache = new RequestCache(new Storage(dir), 20_000, 3)
    const t = tool('get_alerts')
    const args = new Map<string, unknown>([['project', PROJECT]])
    for (let i = 0; i < 10; i++) {
      const body = JSON.stringify({ project: PROJECT, level: `l${i}` })
      cache.store(t, args, body, cache.token(t, args, body)!, `{"data":${i}}`)
    }
    expect(cache.stats.answers).toBe(3)
    expect(cache.lookup(t, JSON.stringify({ project: PROJECT, level: 'l9' }))).toBe('{"data":9}')
    expect(cache.lookup(t, JSON.stringify({ project: PROJECT, level: 'l0' }))).toBeUndefined()
    expect(cache.stats.answers).toBe(3)
    cache.store(t, args, 'big', cache.token(t, args, 'big')!, 'x'.repeat(9_500))
    expect(cache.stats.bytes).toBeLessThanOrEqual(20_000)
    expect(cache.stats.answers).toBeLessThan(3)
    expect(cache.lookup(t, 'big')).toBe('x'.repeat(9_500))
    cache.store(t, args, 'bigger', cache.token(t, args, 'bigger')!, 'x'.repeat(12_000))
    expect(cache.lookup(t, 'bigger')).toBeUndefined()
    expect(cache.lookup(t, 'big')).toBe('x'.repeat(9_500))
  })
})

describe('answers over HTTP with the cache', () => {
  test('repeated reads are byte-identical; writes outside the server, rename, delete and a replaced file show at once', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    const summary = { project: PROJECT, run: 'baseline' }
    const first = await call('get_run_summary', summary)
    expect(first.status).toBe(200)
    expect((await call('get_run_summary', summary)).text).toBe(first.text)
    expect((await call('get_run_summary', summary)).text).toBe(first.text)

    pythonAppends(dir, 'baseline', 3)
    const after = await call('get_run_summary', summary)
    expect(after.json.data.num_logs).toBe(first.json.data.num_logs + 3)
    expect((await call('get_run_summary', summary)).text).toBe(after.text)

    const runs = await call('get_runs_for_project', { project: PROJECT })
    expect(runs.json.data.map((r: { name: string }) => r.name)).toContain('high-lr')
    expect((await call('rename_run', { project: PROJECT, old_name: 'high-lr', new_name: 'renamed' }, WRITE_HEADERS)).status).toBe(200)
    const renamed = (await call('get_runs_for_project', { project: PROJECT })).json.data.map((r: { name: string }) => r.name)
    expect(renamed).toContain('renamed')
    expect(renamed).not.toContain('high-lr')
    expect((await call('delete_run', { project: PROJECT, run: 'renamed' }, WRITE_HEADERS)).status).toBe(200)
    expect((await call('get_runs_for_project', { project: PROJECT })).json.data.map((r: { name: string }) => r.name)).not.toContain('renamed')

  })

  test('get_logs_batch: kept per exact request, and a commit outside the server shows in the next answer', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    const q = { project: PROJECT, runs: [{ run: 'baseline' }, { run: 'high-lr' }] }
    const first = await call('get_logs_batch', q)
    expect(first.status).toBe(200)
    expect((await call('get_logs_batch', q)).text).toBe(first.text)
    pythonAppends(dir, 'baseline', 2)
    const after = await call('get_logs_batch', q)
    const rows = (a: typeof first) => a.json.data.map((r: { logs: unknown[] }) => r.logs.length)
    expect(rows(after)[0]).toBe(rows(first)[0] + 2)
    expect(rows(after)[1]).toBe(rows(first)[1])
  })

  test('query_project: a stable query is answered again until a commit; random() is run every time', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    const count = { project: PROJECT, query: "SELECT COUNT(*) AS n FROM metrics WHERE run_name = 'baseline'" }
    const first = await call('query_project', count)
    expect(first.status).toBe(200)
    expect((await call('query_project', count)).text).toBe(first.text)
    pythonAppends(dir, 'baseline', 4)
    expect((await call('query_project', count)).json.data.rows[0].n).toBe(first.json.data.rows[0].n + 4)
    const draws = new Set<string>()
    for (let i = 0; i < 3; i++) draws.add((await call('query_project', { project: PROJECT, query: 'SELECT random() AS r' })).text)
    expect(draws.size).toBe(3)
  })

  test('a database file replaced by another (renamed over it) answers from the new file', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    copyFileSync(join(dir, `${PROJECT}.db`), join(dir, 'solo.db'))
    const before = await call('get_runs_for_project', { project: 'solo' })
    expect((await call('get_runs_for_project', { project: 'solo' })).text).toBe(before.text)
    const swap = Bun.spawnSync(['python3', '-c', 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("VACUUM INTO ?", (sys.argv[2],))', join(dir, 'llm-finetune.db'), join(dir, 'swap.db')])
    expect(swap.exitCode).toBe(0)
    renameSync(join(dir, 'swap.db'), join(dir, 'solo.db'))
    const swapped = await call('get_runs_for_project', { project: 'solo' })
    expect(swapped.text).not.toBe(before.text)
    expect(swapped.text).toBe((await call('get_runs_for_project', { project: 'llm-finetune' })).text)
  })

  test('our own writes show in the next read', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    const q = { project: PROJECT, run: 'baseline' }
    const n = (await call('get_run_summary', q)).json.data.num_logs
    expect((await call('get_run_summary', q)).json.data.num_logs).toBe(n)
    const w = await call('log_metrics', { project: PROJECT, run: 'baseline', metrics: { loss: 0.1 } }, WRITE_HEADERS)
    expect(w.status).toBe(200)
    expect((await call('get_run_summary', q)).json.data.num_logs).toBe(n + 1)
    const alerts = await call('get_alerts', { project: PROJECT })
    expect((await call('log_alert', { project: PROJECT, run: 'baseline', title: 'new one' }, WRITE_HEADERS)).status).toBe(200)
    expect((await call('get_alerts', { project: PROJECT })).json.data.length).toBe(alerts.json.data.length + 1)
  })

  test('the project list follows new and removed database files', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    const list = (await call('get_all_projects')).json.data
    expect((await call('get_all_projects')).json.data).toEqual(list)
    copyFileSync(join(dir, `${PROJECT}.db`), join(dir, 'another.db'))
    expect((await call('get_all_projects')).json.data).toEqual(['another', ...list])
  })
})

describe('keptWhenRead', () => {
  const source = (parts: string[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(new TextEncoder().encode(p))
        c.close()
      },
    })

  test('passes the stream through and hands over all its bytes once read to the end', async () => {
    let kept: Uint8Array | null = null
    const text = await new Response(keptWhenRead(source(['{"data":[', '1,2', ']}']), (b) => (kept = b))).text()
    expect(text).toBe('{"data":[1,2]}')
    expect(new TextDecoder().decode(kept!)).toBe(text)
  })

  test('nothing is kept past the limit, nor when the reader stops early', async () => {
    let kept = 0
    expect(await new Response(keptWhenRead(source(['abc', 'def']), () => kept++, 4)).text()).toBe('abcdef')
    const reader = keptWhenRead(source(['abc', 'def']), () => kept++).getReader()
    await reader.read()
    await reader.cancel()
    expect(kept).toBe(0)
  })

  test('a streamed series (over 8,192 rows) is kept once read, byte-identical, and dropped after an outside write', async () => {
    const dir = copyFixtures('basic')
    const { call } = await inProcessApp(dir)
    pythonAppends(dir, 'baseline', 9000)
    const q = { project: PROJECT, run: 'baseline', metric_name: 'loss' }
    const first = await call('get_metric_values', q)
    expect(first.json.data.length).toBeGreaterThan(9000)
    expect((await call('get_metric_values', q)).text).toBe(first.text)
    pythonAppends(dir, 'baseline', 1)
    const after = await call('get_metric_values', q)
    expect(after.json.data.length).toBe(first.json.data.length + 1)
    expect((await call('get_metric_values', q)).text).toBe(after.text)
  })
})
