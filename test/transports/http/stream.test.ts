import { expect, test } from 'bun:test'
import { stringify } from '../../../src/json/serialize'
import { JsonFloat } from '../../../src/json/values'
import { appendMetrics } from '../../../src/storage/write/append'
import { inProcessApp, tempDir } from '../../helpers'

// Answers with more than 8,192 records are streamed in chunks; the bytes must be exactly those of
// the one-piece serialisation (same spelling, separators at chunk borders, envelope).
test('a 20,000-point answer is streamed and equals the one-piece JSON byte for byte', async () => {
  const dir = tempDir()
  const n = 20_000
  const entries = Array.from({ length: n }, (_, i) => ({
    metrics: new Map<string, any>([
      ['loss', i % 3 === 0 ? new JsonFloat('1e-7') : i % 3 === 1 ? 1 / (i + 1) : new JsonFloat('100.0')],
      ['big', 18446744073709551615n],
    ]),
    step: i,
  }))
  await appendMetrics(dir, 'stream', 'r', 'rid', entries)
  const { call } = await inProcessApp(dir)
  const r = await call('get_metric_values', { project: 'stream', run: 'r', metric_name: 'loss' })
  expect(r.status).toBe(200)
  expect(r.headers.get('content-length')).toBeNull()
  const data = JSON.parse(r.text).data as { step: number; value: number | null }[]
  expect(data.length).toBe(n)
  expect(data.map((p) => p.step)).toEqual(Array.from({ length: n }, (_, i) => i))
  // (booleans, not toContain: a failure must not print 1.8 MB)
  expect(r.text.includes('"step":8190,"value":1e-07},{"timestamp"')).toBe(true)
  expect(r.text.includes('"step":8191,"value":0.0001220703125},{"timestamp"')).toBe(true)
  expect(r.text.includes('"step":8192,"value":100.0},{"timestamp"')).toBe(true)
  expect(r.text.endsWith('"step":19999,"value":5e-05}]}')).toBe(true)
  const timestamp = data.length ? JSON.parse(r.text).data[0].timestamp : ''
  const expected = stringify(
    {
      data: Array.from({ length: n }, (_, i) => ({
        timestamp,
        step: i,
        value: i % 3 === 0 ? new JsonFloat('1e-7') : i % 3 === 1 ? 1 / (i + 1) : new JsonFloat('100.0'),
      })),
    },
    { style: 'python' },
  )
  expect(r.text === expected).toBe(true)
  const big = await call('get_metric_values', { project: 'stream', run: 'r', metric_name: 'big', step: 9000 })
  expect(big.text).toContain('"value":18446744073709551615}')
})
