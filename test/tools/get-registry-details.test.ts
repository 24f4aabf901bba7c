import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

const call = appCaller(tempDir())

describeTrackioAnswers('get_registry_details', 'read-endpoints-expected.json')

test('a bad name, an unknown registry and a bucket are 400s with Trackio\'s messages', async () => {
  for (const [args, message] of [
    [{ registry: '../x' }, "Registry name '../x' must match ^[A-Za-z0-9_-]+$"],
    [{ registry: 'nosuch' }, "Registry 'nosuch' does not exist locally."],
    [{ registry: 'models', bucket_id: 'me/bucket' }, 'Hugging Face Space / Hub functionality'],
  ] as const) {
    const r = await call('get_registry_details', args)
    expect(r.status).toBe(400)
    expect(r.json.error).toContain(message)
  }
})
