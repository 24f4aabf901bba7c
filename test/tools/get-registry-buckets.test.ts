import { expect, test } from 'bun:test'
import { appCaller, tempDir } from '../helpers'

const call = appCaller(tempDir())

test('without Hugging Face credentials: only the default bucket from TRACKIO_REGISTRY_BUCKET_ID', async () => {
  expect((await call('get_registry_buckets')).json).toEqual({ data: { buckets: [], default_bucket_id: null } })
  process.env.TRACKIO_REGISTRY_BUCKET_ID = 'me/registry'
  try {
    expect((await call('get_registry_buckets')).json).toEqual({ data: { buckets: ['me/registry'], default_bucket_id: 'me/registry' } })
  } finally {
    delete process.env.TRACKIO_REGISTRY_BUCKET_ID
  }
})
