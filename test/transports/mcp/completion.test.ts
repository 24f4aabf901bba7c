import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Storage } from '../../../src/storage/db/connection'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { closest, complete, MAX_COMPLETIONS, namesFor } from '../../../src/transports/mcp/completion'
import { copyFixtures } from '../../helpers'

describe('completion', () => {
  test('prefix matches first (any case), then substring matches; at most 100', () => {
    expect(complete(['loss', 'val/loss', 'Lr', 'acc'], 'l').values).toEqual(['loss', 'Lr', 'val/loss'])
    const many = Array.from({ length: 250 }, (_, i) => `run-${i}`)
    const r = complete(many, 'run')
    expect(r.values).toHaveLength(MAX_COMPLETIONS)
    expect(r).toMatchObject({ total: 250, hasMore: true })
  })

  test('closest names for a miss: substrings and small edit distances, nothing far off', () => {
    expect(closest(['baseline', 'small-batch', 'high-lr'], 'baselin')).toEqual(['baseline'])
    expect(closest(['baseline', 'small-batch', 'high-lr'], 'hihg-lr')).toEqual(['high-lr'])
    expect(closest(['baseline', 'small-batch', 'high-lr'], 'zzzzzzzz')).toEqual([])
  })
})

describe('namesFor (names from the data directory)', () => {
  let storage: Storage
  let ctx: { storage: Storage; settings: ReturnType<typeof settingsFromEnv> }
  beforeAll(() => {
    const dir = copyFixtures('basic')
    storage = new Storage(dir)
    ctx = { storage, settings: settingsFromEnv({}, dir) }
  })
  afterAll(() => storage.close())

  test('projects; runs of the chosen project, latest first; metrics of the chosen run or of every run', () => {
    expect(namesFor(ctx, 'project', {})).toEqual(['image-classification', 'llm-finetune'])
    expect(namesFor(ctx, 'run', { project: 'image-classification' })).toEqual(['small-batch', 'high-lr', 'baseline'])
    expect(namesFor(ctx, 'metric', { project: 'image-classification', run: 'baseline' })).toContain('loss')
    expect(namesFor(ctx, 'metric', { project: 'image-classification' })).toContain('acc')
  })

  test('nothing to offer without a project, for an unknown project, or for an argument we do not know', () => {
    expect(namesFor(ctx, 'run', {})).toEqual([])
    expect(namesFor(ctx, 'run', { project: 'nope' })).toEqual([])
    expect(namesFor(ctx, 'colour', { project: 'image-classification' })).toEqual([])
  })
})
