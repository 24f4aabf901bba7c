import { expect, test } from 'bun:test'
import type { Trace } from '../../src/web/api'
import { ago, contentText, mergeTraces, requestAndReply, shortTraceId } from '../../src/web/trace-text'

test('a trace row shows its first user message and first assistant answer, parts read as text', () => {
  const messages = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: [{ type: 'text', text: 'What is in' }, { _type: 'trackio.image', file_path: 'p/r/0/a.png' }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] },
    { role: 'assistant', content: 'A cat.' },
  ]
  expect(requestAndReply(messages)).toEqual({ request: 'What is in [image]', reply: 'A cat.' })
  expect(requestAndReply('not a list')).toEqual({ request: '(no user message)', reply: '(no assistant answer)' })
  expect(contentText({ text: 'one part' })).toBe('one part')
})

test('short ids: the log id and the list index', () => {
  expect(shortTraceId('91a51442552f:19fc1648c8204bc1:trace')).toBe('19fc164')
  expect(shortTraceId('rid:log-7:chat:1')).toBe('log7:1')
  expect(shortTraceId('odd')).toBe('odd')
})

test('traces of several runs merge in the asked order', () => {
  const t = (id: string, step: number, timestamp: string) => ({ id, step, timestamp }) as Trace
  const a = [t('a2', 2, '2026-01-01T00:00:05+00:00'), t('a1', 1, '2026-01-01T00:00:01+00:00')]
  const b = [t('b1', 1, '2026-01-01T00:00:03+00:00')]
  expect(mergeTraces([a, b], 'request_time_desc').map((x) => x.id)).toEqual(['a2', 'b1', 'a1'])
  expect(mergeTraces([a, b], 'step_asc').map((x) => x.id)).toEqual(['a1', 'b1', 'a2'])
})

test('relative times', () => {
  const now = Date.parse('2026-01-01T12:00:00Z')
  expect(ago('2026-01-01T11:59:58+00:00', now)).toBe('just now')
  expect(ago('2026-01-01T11:57:00+00:00', now)).toBe('3 min ago')
  expect(ago('2026-01-01T09:00:00', now)).toBe('3 h ago')
  expect(ago('garbage', now)).toBe('garbage')
})
