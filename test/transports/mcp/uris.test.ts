import { describe, expect, test } from 'bun:test'
import { metricUri, parseUri, runsUri, runUri, stemOf } from '../../../src/transports/mcp/uris'

describe('uris', () => {
  test('names with slashes, spaces and non-ASCII survive a round trip', () => {
    const uri = metricUri('日本語 project', 'run/1 #x', 'train/loss')
    expect(parseUri(uri)).toEqual({ kind: 'metric', project: '日本語 project', run: 'run/1 #x', metric: 'train/loss' })
    expect(parseUri(runsUri('p'))).toEqual({ kind: 'runs', project: 'p' })
  })
  test('anything else is not ours', () => {
    for (const bad of ['file:///x', 'trackio://projects/p', 'trackio://projects/p/jobs', 'trackio://projects/%E0%A4%A/runs', 'trackio://projects//runs', 'trackio://projects/p/runs/a/b'])
      expect(parseUri(bad)).toBeNull()
  })
})

describe('stemOf', () => {
  test('a project is matched by its on-disk stem', () => {
    expect(stemOf(parseUri(runUri('my project!', 'a'))!)).toBe('myproject')
    expect(stemOf(parseUri('trackio://projects')!)).toBeNull()
  })
})
