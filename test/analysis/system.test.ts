import { expect, test } from 'bun:test'
import { systemFindings } from '../../src/analysis/system'

test('GPU metrics near their limits, by Trackio names; unknown metrics are left out', () => {
  const f = systemFindings(
    new Map([
      ['gpu/0/memory_usage', [0.5, 0.93]],
      ['gpu/1/memory_usage', [40, 60]],
      ['gpu/0/allocated_memory', [10, 23]],
      ['gpu/0/total_memory', [24, 24]],
      ['gpu/0/utilization', [10, 20, 30]],
      ['gpu/1/utilization', [96, 99]],
      ['gpu/max_temp', [70, 88]],
      ['gpu/0/power_percent', [50, 97]],
      ['gpu/0/throttle_thermal', [0, 1, 0]],
      ['cpu/whatever', [1]],
    ]),
  )
  expect(Object.fromEntries(f.map((x) => [x.metric, x.status]))).toEqual({
    'gpu/0/allocated_memory': 'memory_near_full',
    'gpu/0/memory_usage': 'memory_near_full',
    'gpu/0/power_percent': 'at_power_limit',
    'gpu/0/throttle_thermal': 'throttled',
    'gpu/0/utilization': 'underused',
    'gpu/1/memory_usage': 'ok',
    'gpu/1/utilization': 'saturated',
    'gpu/max_temp': 'hot',
  })
  expect(f.find((x) => x.metric === 'gpu/0/utilization')).toMatchObject({ mean: 20, max: 30, last: 30, note: 'mean utilisation 20%' })
})
