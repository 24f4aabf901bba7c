import { describe, expect, test } from 'bun:test'
import { artifactLab, sha } from '../../tools/artifact-helpers'

const lab = artifactLab()
const { dir, seed } = lab

describe('GET /artifact_blob/{project}/{digest}', () => {
  const get = (path: string) => lab.app.app.handle(new Request(`http://localhost${path}`))
  test('serves a stored blob, 404 JSON otherwise', async () => {
    const a = seed('p', 'weights-a')
    const r = await get(`/artifact_blob/p/${a.digest}`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/octet-stream')
    expect(await r.text()).toBe('weights-a')
    for (const path of [`/artifact_blob/p/${sha('nope')}`, '/artifact_blob/p/..%2F..%2Fp.db', `/artifact_blob/..%2F..%2Fetc/${a.digest}`, '/artifact_blob/p/ABC']) {
      const x = await get(path)
      expect(x.status).toBe(404)
      expect(await x.json()).toEqual({ error: 'Not found' })
    }
  })
})

test('a canonicalised project name finds the same blobs', async () => {
  const a = seed('My Project!', 'abc')
  const r = await lab.app.app.handle(new Request(`http://localhost/artifact_blob/${encodeURIComponent('My Project!')}/${a.digest}`))
  expect(await r.text()).toBe('abc')
})
