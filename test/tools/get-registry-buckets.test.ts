import { beforeAll, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  ;({ call } = await inProcessApp(tempDir()))
})

test('without Hugging Face credentials: only the default bucket from TRACKIO_REGISTRY_BUCKET_ID', async () => {
  expect((await call('get_registry_buckets')).json).toEqual({ data: { buckets: [], default_bucket_id: null } })
  process.env.TRACKIO_REGISTRY_BUCKET_ID = 'me/registry'
  try {
    expect((await call('get_registry_buckets')).json).toEqual({ data: { buckets: ['me/registry'], default_bucket_id: 'me/registry' } })
  } finally {
    delete process.env.TRACKIO_REGISTRY_BUCKET_ID
  }
})
