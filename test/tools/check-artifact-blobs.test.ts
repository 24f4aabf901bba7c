import { describe, expect, test } from 'bun:test'
import { artifactLab, sha } from './artifact-helpers'

const T = { 'x-trackio-write-token': 'test-token' }
const lab = artifactLab()
const { dir, seed } = lab

describe('check_artifact_blobs', () => {
  test('answers the stored digests in request order; a bad digest is 400', async () => {
    const a = seed('p', 'weights-a')
    const missing = sha('missing')
    const r = await lab.app.call('check_artifact_blobs', { kwargs: { project: 'p', digests: [missing, a.digest], hf_token: null } }, T)
    expect(r.json).toEqual({ data: { present: [a.digest] } })
    const bad = await lab.app.call('check_artifact_blobs', { kwargs: { project: 'p', digests: ['../../x'] } }, T)
    expect(bad.status).toBe(400)
    expect(bad.json.error).toBe("Invalid sha256 digest: '../../x'")
  })
})

test('needs the write token', async () => {
  expect((await lab.app.call('check_artifact_blobs', { project: 'p', digests: [] })).status).toBe(401)
})
