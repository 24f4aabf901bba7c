import { expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { lastValues } from '../../../src/storage/read/last-values'
import { chartKeys } from '../../../src/storage/read/nested'
import { copyFixtures } from '../../helpers'

test('each chartable metric of a Trackio fixture run at its highest step, top-level and nested', () => {
  const p = new Storage(copyFixtures('basic')).project('image-classification')!
  const f = { column: 'run_name' as const, value: 'baseline' }
  const got = p.read(() => lastValues(p, f, chartKeys(p, f)))
  const expected = new Map<string, number>()
  for (const [name, path] of [['acc', '$.acc'], ['epoch', '$.epoch'], ['loss', '$.loss'], ['lr', '$.lr'], ['val/acc', '$.val.acc'], ['val/loss', '$.val.loss']]) {
    const row = p.read(() =>
      p.db
        .query(`SELECT metrics ->> ? FROM metrics WHERE run_name = 'baseline' AND json_type(metrics, ?) IN ('integer', 'real') ORDER BY step DESC, timestamp DESC, rowid DESC LIMIT 1`)
        .values(path!, path!)[0]!,
    )
    expected.set(name!, Number(row[0]))
  }
  expect(got).toEqual(expected)
  expect([...got.keys()]).toEqual(['acc', 'epoch', 'loss', 'lr', 'val/acc', 'val/loss'])
})

test('no metrics, no values', () => {
  const p = new Storage(copyFixtures('basic')).project('image-classification')!
  const f = { column: 'run_name' as const, value: 'baseline' }
  expect(p.read(() => lastValues(p, f, { numeric: [], nested: new Map() })).size).toBe(0)
})
