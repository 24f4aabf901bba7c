import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequestError } from '../../../src/errors'
import { checkReadOnlyQuery, QUERY_CONCURRENCY, runReadOnlyQuery } from '../../../src/storage/read/query'
import { copyFixtures, inProcessApp } from '../../helpers'
import { dbPath, py } from '../../tools/oracle'

let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']

beforeAll(async () => {
  dir = copyFixtures('basic', 'edge')
  ;({ call } = await inProcessApp(dir))
})

describe('the read-only guard (spec 10.3)', () => {
  const refused: [string, string][] = [
    ['', 'Query cannot be empty.'],
    ['  ;; ', 'Query cannot be empty.'],
    ['DELETE FROM metrics', 'Only read-only SELECT, WITH, and safe PRAGMA queries are supported.'],
    ['EXPLAIN SELECT 1', 'Only read-only SELECT, WITH, and safe PRAGMA queries are supported.'],
    ["ATTACH '/etc/passwd' AS x", 'Only read-only SELECT, WITH, and safe PRAGMA queries are supported.'],
    ['SELECT 1; DELETE FROM metrics', 'You can only execute one statement at a time.'],
    ['SELECT 1; -- c\n SELECT 2', 'You can only execute one statement at a time.'],
    ['PRAGMA journal_mode = DELETE', 'not authorized'],
    ['PRAGMA writable_schema = 1', 'not authorized'],
  ]
  for (const [sql, message] of refused)
    test(`refuses ${JSON.stringify(sql)}`, () => {
      expect(() => checkReadOnlyQuery(sql)).toThrow(message)
    })

  test('accepts one statement with semicolons inside literals, identifiers and comments, and strips trailing ones', () => {
    expect(checkReadOnlyQuery(" SELECT ';' AS \"a;b\", 'it''s;' -- x;y\n ;; ")).toBe("SELECT ';' AS \"a;b\", 'it''s;' -- x;y")
    expect(checkReadOnlyQuery('PRAGMA main.table_info(metrics)')).toBe('PRAGMA main.table_info(metrics)')
    expect(checkReadOnlyQuery('select 1; -- trailing comment')).toBe('select 1; -- trailing comment')
  })
})

/** Our children whose command line is the query program (from /proc: the parent id is field 4 of stat). */
function queryProcesses(): string[] {
  return readdirSync('/proc').filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('bun:sqlite')
    } catch {
      return false
    }
  })
}

describe('runReadOnlyQuery', () => {
  test('an infinite recursive query is stopped at the time limit while the server keeps answering', async () => {
    const db = join(dir, 'image-classification.db')
    const runaway = runReadOnlyQuery(db, 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c', {
      maxRows: 10,
      maxBytes: 1024,
      timeLimitMs: 1500,
      maxRssBytes: 1 << 30,
    }).then(
      () => 'finished',
      (err: Error) => err.message,
    )
    // meanwhile, with the child running, a normal call is answered (the runaway holds no lock and no thread of the server)
    await Bun.sleep(300)
    const other = await call('get_runs_for_project', { project: 'image-classification' })
    expect(other.status).toBe(200)
    const outcome = await runaway
    expect(outcome).toContain('ran longer than the 1.5 s time limit')
    // the stopped process is not reused: the next query gets a fresh one and answers
    const next = await runReadOnlyQuery(db, 'SELECT COUNT(*) AS n FROM metrics')
    expect(next.rows[0]!.get('n')).toBeGreaterThan(0)
  })

  test('query processes are kept for later queries: many queries in a row leave at most QUERY_CONCURRENCY of them', async () => {
    const db = join(dir, 'image-classification.db')
    const answers = new Set<string>()
    for (let i = 0; i < 12; i++) answers.add(JSON.stringify([...(await runReadOnlyQuery(db, `SELECT ${i} % 3 AS k, COUNT(*) AS n FROM metrics`)).rows[0]!]))
    expect(answers.size).toBe(3)
    const queryChildren = queryProcesses()
    expect(queryChildren.length).toBeGreaterThanOrEqual(1)
    expect(queryChildren.length).toBeLessThanOrEqual(QUERY_CONCURRENCY)
  })

  test('an idle query process that ended on its own is not given the next query', async () => {
    const db = join(dir, 'image-classification.db')
    await runReadOnlyQuery(db, 'SELECT 1 AS one')
    for (const pid of queryProcesses()) process.kill(Number(pid), 'SIGKILL')
    await Bun.sleep(100)
    const r = await runReadOnlyQuery(db, 'SELECT 2 AS two')
    expect(r.rows[0]!.get('two')).toBe(2)
  })

  test('an answer whose JSON outgrows the cap (escaped control characters) is a 400 naming the size limit', async () => {
    const db = join(dir, 'image-classification.db')
    const limits = { maxRows: 10, maxBytes: 1 << 20, timeLimitMs: 10_000, maxRssBytes: 1 << 30 }
    // 900,000 characters count under 1 MiB, but JSON spells each as \u0001: over the 4 MiB the framing may take
    await expect(runReadOnlyQuery(db, "SELECT replace(hex(zeroblob(900000)), '00', char(1)) AS s", limits)).rejects.toThrow(
      new BadRequestError('Query answer is larger than 1048576 bytes. Select fewer columns or rows.'),
    )
    expect((await runReadOnlyQuery(db, 'SELECT 3 AS three')).rows[0]!.get('three')).toBe(3)
  })

  test('the row cap and the size cap stop a query early, with messages that say how to ask for less', async () => {
    const db = join(dir, 'image-classification.db')
    const limits = { maxRows: 5, maxBytes: 1 << 20, timeLimitMs: 10_000, maxRssBytes: 1 << 30 }
    await expect(runReadOnlyQuery(db, 'SELECT id FROM metrics', limits)).rejects.toThrow('Query returned more than 5 rows. Refine the query or add a LIMIT clause.')
    expect((await runReadOnlyQuery(db, 'SELECT id FROM metrics LIMIT 5', limits)).rows).toHaveLength(5)
    await expect(runReadOnlyQuery(db, 'SELECT metrics FROM metrics', { ...limits, maxRows: 10_000, maxBytes: 1000 })).rejects.toThrow('Query answer is larger than 1000 bytes')
  })

  test('a repeated column name keeps the first value, by position', async () => {
    const r = await runReadOnlyQuery(join(dir, 'image-classification.db'), 'SELECT 1 AS a, 2 AS a, 3 AS b')
    expect(r.columns).toEqual(['a', 'a', 'b'])
    expect([...r.rows[0]!.entries()]).toEqual([
      ['a', 1],
      ['b', 3],
    ])
  })

  // the memory watch reads /proc (Linux); elsewhere only the time and size limits apply
  test.if(existsSync('/proc/self/statm'))('a query that needs more memory than allowed is stopped with a 400 message', async () => {
    const db = join(dir, 'image-classification.db')
    const limits = { maxRows: 10, maxBytes: 1024, timeLimitMs: 20_000, maxRssBytes: 96 * 1024 * 1024 }
    await expect(runReadOnlyQuery(db, 'SELECT length(hex(zeroblob(100000000)))', limits)).rejects.toThrow('Query needed more than 96 MiB of memory and was stopped')
  })
})
