import { afterAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { resolveRun } from '../../../src/storage/read/runs'
import { systemRows } from '../../../src/storage/read/system'
import { copyFixtures, queryProject } from '../../helpers'

const dir = copyFixtures('basic', 'edge')
const storage = new Storage(dir)
afterAll(() => storage.close())

describe('systemRows', () => {
  test('a run’s rows in (timestamp, id) order, decoded, as the file holds them', () => {
    const p = storage.project('llm-finetune')!
    const rows = p.read(() => systemRows(p, resolveRun(p, 'system_metrics', 'gpt2-small', null)!))
    const expected = queryProject(dir, 'llm-finetune', 'SELECT timestamp, CAST(metrics AS TEXT) AS m FROM system_metrics ORDER BY timestamp, id')
    expect(rows).toHaveLength(13)
    expect(rows.map((r) => r.timestamp)).toEqual(expected.map((r) => r.timestamp as string))
    expect(rows[0]!.metrics.get('gpu/0/utilization')).toBe(93)
    expect([...rows[0]!.metrics.keys()]).toEqual(Object.keys(JSON.parse(expected[0]!.m as string)))
  })

  test('a system-only run of the edge project', () => {
    const p = storage.project('Edge Cases: ünïcødé/with.dots & spaces')!
    const rows = p.read(() => systemRows(p, resolveRun(p, 'system_metrics', 'system-only', null)!))
    expect(rows.map((r) => r.timestamp)).toEqual([
      '2026-11-25T04:40:29.941231+00:00',
      '2026-11-25T04:40:30.241590+00:00',
      '2026-11-25T04:40:30.541948+00:00',
    ])
    expect(rows.map((r) => r.metrics.get('gpu/mem'))).toEqual([0, 1, 2])
  })

  test('an unknown run reads nothing; a project without the table reads []', () => {
    const p = storage.project('llm-finetune')!
    expect(p.read(() => systemRows(p, { column: 'run_id', value: 'no-such-id' }))).toEqual([])
    const q = storage.project('image-classification')!
    expect(q.read(() => systemRows(q, { column: 'run_name', value: 'baseline' }))).toEqual([])
  })
})
