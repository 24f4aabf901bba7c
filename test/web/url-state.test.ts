import { expect, test } from 'bun:test'
import { readUrl, toSearch } from '../../src/web/url-state'

test('a deep link round-trips: project, runs, metric, range, axis, smoothing, log scale, tab', () => {
  const search = '?project=my%20proj&tab=system&runs=a1,b2&metric=train/loss&range=100,250.5&x=time&smooth=0.6&log=1'
  const s = readUrl(search)
  expect(s).toEqual({ project: 'my proj', runs: ['a1', 'b2'], metric: 'train/loss', metrics: null, range: { min: 100, max: 250.5 }, x: 'time', smooth: 0.6, log: true, tab: 'system', run: null })
  expect(readUrl(toSearch(s))).toEqual(s)
})

test('bad or missing parameters fall back to the default view', () => {
  expect(readUrl('?range=5,1&tab=nope&smooth=7&x=weird')).toEqual({ project: null, runs: null, metric: '', metrics: null, range: null, x: 'step', smooth: 0.99, log: false, tab: 'metrics', run: null })
  expect(toSearch(readUrl(''))).toBe('')
})


test("plot_metrics' dashboard_path is understood: metrics list, min/max step (one end may be open), log_y, smoothing, run names", () => {
  const s = readUrl('?project=p&runs=baseline,high-lr&metrics=loss,acc&min_step=10&max_step=90&log_y=1&smoothing=0.6')
  expect(s.runs).toEqual(['baseline', 'high-lr'])
  expect(s.metrics).toEqual(['loss', 'acc'])
  expect(s.range).toEqual({ min: 10, max: 90 })
  expect(s.log).toBe(true)
  expect(s.smooth).toBe(0.6)
  const open = readUrl('?project=p&metrics=loss&min_step=50')
  expect(open.range!.min).toBe(50)
  expect(open.range!.max).toBeNaN()
  expect(toSearch(open)).toBe('?project=p&metrics=loss')
  expect(readUrl('?min_step=9&max_step=3').range).toBeNull()
})
