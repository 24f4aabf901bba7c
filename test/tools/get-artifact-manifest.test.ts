import { beforeAll, expect, test } from 'bun:test'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES, inProcessApp, tempDir } from '../helpers'
import { describeTrackioAnswers } from './trackio-answers'

describeTrackioAnswers('get_artifact_manifest', 'artifacts-expected.json')

let call: Awaited<ReturnType<typeof inProcessApp>>['call']
beforeAll(async () => {
  const dir = tempDir()
  cpSync(join(FIXTURES, 'artifacts'), dir, { recursive: true })
  ;({ call } = await inProcessApp(dir))
})

test('metadata integers beyond 2^53 come back exact, floats as Python spells them', async () => {
  const r = await call('get_artifact_manifest', { project: 'arts', name: 'dataset-a' })
  expect(r.text).toContain('"big":1152921504606846976')
  expect(r.text).toContain('"ratio":0.5')
})

test('a reference entry keeps its ref URI', async () => {
  const r = await call('get_artifact_manifest', { project: 'arts', name: 'dataset-a', spec: 'golden' })
  const ref = r.json.data.manifest.find((e: { path: string }) => e.path === 'raw/ref.txt')
  expect(ref.ref).toStartWith('file://')
})

test('null for an unknown project, artifact, version or alias; spec "" means latest', async () => {
  for (const args of [{ project: 'nope', name: 'x' }, { project: 'arts', name: 'nope' }, { project: 'arts', name: 'model', spec: 'v9' }, { project: 'arts', name: 'model', spec: 'nope' }])
    expect((await call('get_artifact_manifest', args)).json).toEqual({ data: null })
  const latest = await call('get_artifact_manifest', { project: 'arts', name: 'model', spec: '' })
  expect(latest.json.data.aliases).toContain('latest')
})
