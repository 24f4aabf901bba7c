import { beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, FIXTURES, inProcessApp, tempDir } from '../helpers'
import { cpSync } from 'node:fs'

/**
 * The dashboard's other read endpoints (spec 13) on the basic, edge and artifacts fixtures answer
 * what Trackio's own server functions answered on the same files (read-endpoints-expected.json).
 */
const expected = JSON.parse(readFileSync(join(FIXTURES, 'read-endpoints-expected.json'), 'utf8')) as Record<string, { args: Record<string, unknown>; data: unknown }>
let dir: string
let call: Awaited<ReturnType<typeof inProcessApp>>['call']

beforeAll(async () => {
  dir = copyFixtures('basic', 'edge')
  cpSync(join(FIXTURES, 'artifacts'), dir, { recursive: true })
  ;({ call } = await inProcessApp(dir))
})

describe('answers equal Trackio on Trackio-written data', () => {
  for (const [key, { args, data }] of Object.entries(expected)) {
    test(key, async () => {
      const r = await call(key.split('/')[0]!, { kwargs: args })
      expect(r.status).toBe(200)
      const got = key.startsWith('get_project_files') ? r.json.data.map((f: { name: string; size: number }) => ({ name: f.name, size: f.size })) : r.json.data
      expect(got).toEqual(data)
    })
  }
})

describe('bad input is a 400 with Trackio\'s message', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['get_logs_batch', { project: 'llm-finetune', runs: 'x' }, 'runs must be a list'],
    ['get_logs_batch', { project: 'llm-finetune', runs: Array.from({ length: 65 }, () => ({})) }, 'runs cannot contain more than 64 entries'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [1] }, 'runs[0] must be an object'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], max_points: true }, 'max_points must be a number or null'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], max_points: 1.5 }, 'max_points must be a whole number'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], max_points: '5' }, 'max_points must be an integer or null'],
    ['get_logs_batch', { project: 'llm-finetune', runs: [], scalar_only: 'maybe' }, 'scalar_only must be a boolean'],
    ['get_system_logs_batch', { project: 'llm-finetune', runs: {} }, 'runs must be a list'],
    ['get_registry_details', { registry: '../x' }, "Registry name '../x' must match"],
    ['get_registry_details', { registry: 'nosuch' }, "Registry 'nosuch' does not exist locally."],
    ['get_registry_details', { registry: 'models', bucket_id: 'me/bucket' }, 'Hugging Face Space / Hub functionality'],
    ['get_registries', { bucket_id: 'me/bucket' }, 'Hugging Face Space / Hub functionality'],
  ]
  for (const [tool, args, message] of cases)
    test(`${tool} ${JSON.stringify(args).slice(0, 60)}`, async () => {
      const r = await call(tool, args)
      expect(r.status).toBe(400)
      expect(r.json.error).toContain(message)
    })

  test('max_points: null or < 1 is 3000, more than 10000 is 10000', async () => {
    const a = await call('get_logs_batch', { project: 'image-classification', runs: [{ run: 'baseline' }], max_points: 0 })
    const b = await call('get_logs_batch', { project: 'image-classification', runs: [{ run: 'baseline' }], max_points: 10 ** 9 })
    expect(a.json.data[0].logs.length).toBeGreaterThan(0)
    expect(b.json.data[0].logs).toEqual(a.json.data[0].logs)
  })

  test('upload_db_to_space needs the token, then says it needs a Space', async () => {
    expect((await call('upload_db_to_space', { project: 'x', uploaded_db: { path: '/etc/passwd' } })).status).toBe(401)
    const r = await call('upload_db_to_space', { project: 'x', uploaded_db: { path: '/etc/passwd' } }, { 'x-trackio-write-token': 'test-token' })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('Hugging Face Space / Hub functionality')
  })
})

describe('get_run_mutation_status', () => {
  test('allowed only with the write token, from any of its sources', async () => {
    expect((await call('get_run_mutation_status')).json).toEqual({ data: { spaces: false, allowed: false, auth: 'none' } })
    expect((await call('get_run_mutation_status', {}, { 'x-trackio-write-token': 'wrong' })).json.data.allowed).toBe(false)
    for (const h of [{ 'x-trackio-write-token': 'test-token' }, { cookie: 'a=b; trackio_write_token=test-token' }, { authorization: 'Bearer test-token' }] as Record<string, string>[])
      expect((await call('get_run_mutation_status', {}, h)).json).toEqual({ data: { spaces: false, allowed: true, auth: 'local' } })
  })
})

describe('get_project_files', () => {
  test('lists regular files below media/{project}/files in Path order, skipping symbolic links', async () => {
    const d = tempDir()
    const files = join(d, 'media', 'proj', 'files')
    mkdirSync(join(files, 'a'), { recursive: true })
    writeFileSync(join(files, 'a', 'b.txt'), 'bb')
    writeFileSync(join(files, 'a-c.txt'), 'c')
    writeFileSync(join(files, 'Z.txt'), '')
    symlinkSync('/etc/passwd', join(files, 'link'))
    const { call: c } = await inProcessApp(d)
    const r = await c('get_project_files', { project: 'proj' })
    expect(r.json.data).toEqual([
      { name: 'Z.txt', path: join(files, 'Z.txt'), size: 0 },
      { name: 'a/b.txt', path: join(files, 'a', 'b.txt'), size: 2 },
      { name: 'a-c.txt', path: join(files, 'a-c.txt'), size: 1 },
    ])
    expect((await c('get_tab_availability', { project: 'proj' })).json.data.files).toBe(true)
    expect((await c('get_project_files', { project: '../../etc' })).json.data).toEqual([])
  })
})
