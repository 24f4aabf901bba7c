import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { Storage } from '../../../src/storage/db/connection'
import { settingsFromEnv } from '../../../src/tools/core/settings'
import { listResources, readResource, RESOURCE_MAX_POINTS, RESOURCE_TEMPLATES, RESOURCES_PAGE } from '../../../src/transports/mcp/resources'
import { metricUri, runsUri, runUri } from '../../../src/transports/mcp/uris'
import { copyFixtures } from '../../helpers'

let dir: string
let storage: Storage
let ctx: { storage: Storage; settings: ReturnType<typeof settingsFromEnv> }

beforeAll(() => {
  dir = copyFixtures('basic')
  // A long run with a spike and a NaN, so the metric resource has to downsample.
  const db = new Database(join(dir, 'image-classification.db'))
  const insert = db.prepare('INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?, ?)')
  db.transaction(() => {
    for (let s = 0; s < 5000; s++) {
      const v = s === 3210 ? '99' : s === 4000 ? '"NaN"' : String(1 - s / 10000) // NaN as Trackio stores it (compat §3.2)
      insert.run('long-id', new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString(), 'long', s, `{"loss": ${v}}`)
    }
  })()
  db.close()
  storage = new Storage(dir)
  ctx = { storage, settings: settingsFromEnv({}, dir) }
})
afterAll(() => storage.close())

const body = (uri: string) => JSON.parse((readResource(ctx, uri).contents[0] as { text: string }).text)

describe('resources/read', () => {
  test('projects, runs of a project, a run summary with alerts and metric URIs', () => {
    expect(body('trackio://projects')).toEqual({ projects: ['image-classification', 'llm-finetune'] })
    expect(body(runsUri('image-classification')).runs.map((r: { name: string }) => r.name)).toContain('long')
    const run = body(runUri('llm-finetune', 'gpt2-small'))
    expect(run).toMatchObject({ project: 'llm-finetune', run: 'gpt2-small' })
    expect(run.alerts.count).toBeGreaterThan(0)
    expect(run.metric_uris[0]).toStartWith('trackio://projects/llm-finetune/runs/gpt2-small/metrics/')
  })

  test('a long metric is downsampled with its spike, its NaN, its first and last points', () => {
    const s = body(metricUri('image-classification', 'long', 'loss'))
    expect(s).toMatchObject({ total_points: 5000, method: 'minmax', nan_count: 1, first_nonfinite_step: 4000 })
    expect(s.returned_points).toBeLessThanOrEqual(RESOURCE_MAX_POINTS)
    expect(s.steps).toContain(3210)
    expect(s.values[s.steps.indexOf(3210)]).toBe(99)
    expect(s.values[s.steps.indexOf(4000)]).toBe('NaN')
    expect([s.steps[0], s.steps.at(-1)]).toEqual([0, 4999])
  })

  test('misses name the closest names; foreign URIs are not found', () => {
    expect(() => readResource(ctx, runsUri('image-clasification'))).toThrow("did you mean 'image-classification'")
    expect(() => readResource(ctx, metricUri('image-classification', 'baseline', 'los'))).toThrow("did you mean 'loss'")
    expect(() => readResource(ctx, 'file:///etc/passwd')).toThrow('is not a Trackio resource')
  })
})

describe('resources/list', () => {
  test('the projects resource first, then each project with its runs; paged with a cursor', () => {
    const first = listResources(ctx, undefined)
    expect(first.resources[0]!.uri).toBe('trackio://projects')
    expect(first.resources.map((r) => r.uri)).toContain(runUri('image-classification', 'long'))
    expect(first.nextCursor).toBeUndefined()
    expect(first.resources.length).toBeLessThanOrEqual(RESOURCES_PAGE)
    const rest = listResources(ctx, '3')
    expect(rest.resources[0]!.uri).toBe(first.resources[3]!.uri)
    expect(() => listResources(ctx, 'x')).toThrow("Invalid cursor 'x'")
  })

  test('three templates', () => {
    expect(RESOURCE_TEMPLATES.map((t) => t.name)).toEqual(['runs', 'run', 'metric'])
  })
})
