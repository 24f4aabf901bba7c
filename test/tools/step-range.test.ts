import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { copyFixtures, inProcessApp } from '../helpers'

/** Steps are SQLite int64: nothing outside that range exists, ranges clamp to it, nothing is a 500. */

const P = 'image-classification'
const MAX = 2n ** 63n - 1n
const MIN = -(2n ** 63n)

async function setup() {
  const dir = copyFixtures('basic')
  const db = new Database(join(dir, `${P}.db`))
  const id = (db.query("SELECT run_id FROM metrics WHERE run_name = 'baseline' LIMIT 1").values()[0]![0]) as string
  const ins = db.prepare("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, '2030-01-01T00:00:00+00:00', 'baseline', ?, '{\"loss\": 9}')")
  ins.run(id, MAX)
  ins.run(id, MIN)
  ins.finalize()
  const total = Number(db.query("SELECT COUNT(*) FROM metrics WHERE run_name = 'baseline'").values()[0]![0])
  db.close()
  const app = await inProcessApp(dir)
  // Raw bodies: JSON integers beyond 2^53 must reach the server as written.
  const raw = async (tool: string, fields: string) => app.call(tool, `{"project": "${P}", "run": "baseline", ${fields}}`)
  const steps = (r: { text: string }, tool: string): bigint[] => {
    const exact = JSON.parse(r.text, ((k: string, v: unknown, ctx: { source?: string }) => (k === 'step' ? BigInt(ctx.source!) : v)) as never)
    return ((tool === 'get_snapshot' ? (exact.data.loss ?? []) : exact.data) as { step: bigint }[]).map((p) => p.step)
  }
  return { ...app, raw, steps, total }
}

const BIG = (tool: string) => (tool === 'get_metric_values' ? '"metric_name": "loss", ' : '')

describe.each(['get_metric_values', 'get_snapshot'])('%s with steps at and beyond the int64 range', (tool) => {
  test('a step that cannot exist matches nothing (2^64+2 is not step 2; 2^63 is not a 500)', async () => {
    const { raw, steps } = await setup()
    const two = await raw(tool, `${BIG(tool)}"step": 2`)
    expect(two.status).toBe(200)
    expect(steps(two, tool)).toEqual([2n])
    for (const s of ['18446744073709551618', '9223372036854775808', '-9223372036854775809', '1' + '0'.repeat(400)]) {
      const r = await raw(tool, `${BIG(tool)}"step": ${s}`)
      expect(r.status).toBe(200)
      expect(steps(r, tool)).toEqual([])
    }
  })

  test('the extreme steps themselves are found exactly', async () => {
    const { raw, steps } = await setup()
    for (const s of [MAX, MIN]) {
      const r = await raw(tool, `${BIG(tool)}"step": ${s}`)
      expect(r.status).toBe(200)
      expect(steps(r, tool)).toEqual([s])
    }
  })

  test('windows beyond int64 (1e19, 1e20, 400 digits, as number or string) clamp and keep every row', async () => {
    const { raw, steps, total } = await setup()
    for (const w of ['1e19', '10000000000000000000', '1e20', '1' + '0'.repeat(400), `"1${'0'.repeat(400)}"`, '1e308']) {
      const r = await raw(tool, `${BIG(tool)}"around_step": 0, "window": ${w}`)
      expect(r.status).toBe(200)
      const got = steps(r, tool)
      expect(got).toHaveLength(total)
      expect(got).toContain(MAX)
      expect(got).toContain(MIN)
    }
  })

  test('a centre beyond int64 with a small window matches nothing; with a window reaching back, the edge row', async () => {
    const { raw, steps } = await setup()
    let r = await raw(tool, `${BIG(tool)}"around_step": 18446744073709551618, "window": 5`)
    expect(r.status).toBe(200)
    expect(steps(r, tool)).toEqual([])
    r = await raw(tool, `${BIG(tool)}"around_step": 9223372036854775810, "window": 3`)
    expect(r.status).toBe(200)
    expect(steps(r, tool)).toEqual([MAX])
  })

  test('at_time with a window beyond a double still answers (every timed row)', async () => {
    const { raw, steps, total } = await setup()
    const r = await raw(tool, `${BIG(tool)}"at_time": "2026-01-01T00:00:00Z", "window": 1${'0'.repeat(400)}`)
    expect(r.status).toBe(200)
    expect(steps(r, tool)).toHaveLength(total)
  })
})
