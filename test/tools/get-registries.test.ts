import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_registries', 'read-endpoints-expected.json')

test('no registries in an empty data directory; a bucket is refused with 400', async () => {
  expect((await call('get_registries')).json).toEqual({ data: [] })
  const r = await call('get_registries', { bucket_id: 'me/bucket' })
  expect(r.status).toBe(400)
  expect(r.json.error).toContain('Hugging Face Space / Hub functionality')
})
