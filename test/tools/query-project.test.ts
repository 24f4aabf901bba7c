import { beforeAll, describe, expect, test } from 'bun:test'
import { copyFixtures, expectRefusal, inProcessApp } from '../helpers'
import { dbPath, py } from './oracle'

let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']

beforeAll(async () => {
  dir = copyFixtures('basic', 'edge')
  ;({ call } = await inProcessApp(dir))
})

describe('query_project', () => {
  test('answers rows as Python sqlite3 reads them: ints, floats, text, BLOBs as hex, NULL', async () => {
    const sql = 'SELECT id, run_name, step, metrics, 1.0 AS f, NULL AS n FROM metrics ORDER BY id LIMIT 7'
    const r = await call('query_project', { project: 'image-classification', query: `${sql};` })
    expect(r.status).toBe(200)
    const expected = py(
      `con = connect(sys.argv[1]); cur = con.execute(sys.argv[2])
cols = [d[0] for d in cur.description]
rows = [{c: (v.hex() if isinstance(v, bytes) else v) for c, v in zip(cols, row)} for row in cur.fetchall()]
dump({'project': 'image-classification', 'query': sys.argv[2], 'columns': cols, 'rows': rows, 'row_count': len(rows)})`,
      dbPath(dir, 'image-classification'),
      sql,
    )
    expect(r.text).toBe(`{"data":${expected}}`)
    expect(r.json.data.rows[0].metrics).toMatch(/^[0-9a-f]+$/)
  })

  test('integers beyond 2^53 are exact; a repeated column keeps its first value; key order is column order', async () => {
    const r = await call('query_project', { project: 'x', query: 'SELECT 1' })
    expect(r.status).toBe(404)
    expect(r.json.error).toBe("Project 'x' not found.")
    const big = await call('query_project', { project: 'image-classification', query: 'SELECT 18446744073709551615 AS u, 9007199254740993 AS big, 2 AS "1", 1 AS a, 2 AS a' })
    expect(big.text).toContain('"rows":[{"u":1.8446744073709552e+19,"big":9007199254740993,"1":2,"a":1}]')
  })

  test('writes are refused even when hidden in a WITH, and the database is unchanged', async () => {
    const before = (await call('query_project', { project: 'image-classification', query: 'SELECT COUNT(*) AS n FROM metrics' })).json.data.rows[0].n
    for (const q of ['WITH x AS (SELECT 1) DELETE FROM metrics', 'WITH x AS (SELECT 1) INSERT INTO alerts(run_id, timestamp, run_name, title) SELECT 1,1,1,1', "SELECT load_extension('/tmp/x')"]) {
      const r = await call('query_project', { project: 'image-classification', query: q })
      expect(r.status).toBe(400)
      expect(r.json.error).toContain('not authorized')
    }
    const after = (await call('query_project', { project: 'image-classification', query: 'SELECT COUNT(*) AS n FROM metrics' })).json.data.rows[0].n
    expect(after).toBe(before)
  })

  test('SQLite errors are 400 with its message; the row cap is Trackio\'s message', async () => {
    await expectRefusal(call, 'query_project', { project: 'image-classification', query: 'SELECT * FROM nosuch' }, 'no such table: nosuch')
    await expectRefusal(call, 'query_project', { project: 'image-classification', query: 'SELECT a.id FROM metrics a, metrics b' },
      'Query returned more than 10000 rows. Refine the query or add a LIMIT clause.')
    const exact = await call('query_project', { project: 'image-classification', query: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000) SELECT x FROM c' })
    expect(exact.json.data.row_count).toBe(10000)
  })

  test('table and index info PRAGMAs work', async () => {
    const r = await call('query_project', { project: 'image-classification', query: 'PRAGMA table_info(metrics)' })
    expect(r.status).toBe(200)
    expect(r.json.data.rows.map((c: { name: string }) => c.name)).toEqual(['id', 'run_id', 'timestamp', 'run_name', 'step', 'metrics', 'log_id', 'space_id'])
  })

})
