import { beforeAll, describe, expect, test } from 'bun:test'
import { inProcessApp, tempDir } from '../helpers'
import { seedBlob, sha } from './artifact-helpers'

const T = { 'x-trackio-write-token': 'test-token' }
let dir: string
let app: Awaited<ReturnType<typeof inProcessApp>>
const seed = (project: string, bytes: string) => seedBlob(dir, project, bytes)

beforeAll(async () => {
  dir = tempDir()
  app = await inProcessApp(dir)
})

describe('check_artifact_blobs', () => {
  test('answers the stored digests in request order; a bad digest is 400', async () => {
    const a = seed('p', 'weights-a')
    const missing = sha('missing')
    const r = await app.call('check_artifact_blobs', { kwargs: { project: 'p', digests: [missing, a.digest], hf_token: null } }, T)
    expect(r.json).toEqual({ data: { present: [a.digest] } })
    const bad = await app.call('check_artifact_blobs', { kwargs: { project: 'p', digests: ['../../x'] } }, T)
    expect(bad.status).toBe(400)
    expect(bad.json.error).toBe("Invalid sha256 digest: '../../x'")
  })
})

test('needs the write token', async () => {
  expect((await app.call('check_artifact_blobs', { project: 'p', digests: [] })).status).toBe(401)
})
