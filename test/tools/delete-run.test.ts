import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, inProcessApp, tempDir } from '../helpers'

const H = { 'x-trackio-write-token': 'test-token' }
const EDGE = 'Edge Cases: ünïcødé/with.dots & spaces'

async function setup(...sets: ('basic' | 'edge')[]) {
  const dir = copyFixtures(...sets)
  const app = await inProcessApp(dir)
  const runs = async (project: string) => (await app.call('get_runs_for_project', { project })).json.data as { id: string; name: string }[]
  return { dir, ...app, runs }
}

const count = (dir: string, db: string, sql: string, ...params: string[]) => {
  const d = new Database(join(dir, db), { readonly: true })
  try {
    return (d.query(sql).values(...params)[0]?.[0] ?? null) as number
  } finally {
    d.close()
  }
}

describe('delete_run', () => {
  test('removes the run from every table; read tools agree; other runs untouched', async () => {
    const { dir, call, runs } = await setup('basic')
    const r = await call('delete_run', { project: 'llm-finetune', run: 'gpt2-small' }, H)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ data: true })
    expect((await runs('llm-finetune')).map((x) => x.name)).toEqual(['gpt2-medium', 'gpt2-small-lora'])
    const alerts = (await call('get_alerts', { project: 'llm-finetune' })).json.data as { run: string }[]
    expect(alerts.map((a) => a.run).sort()).toEqual(['gpt2-medium', 'gpt2-small-lora'])
    expect((await call('get_system_logs', { project: 'llm-finetune', run: 'gpt2-small' })).json.data).toEqual([])
    const summary = (await call('get_run_summary', { project: 'llm-finetune', run: 'gpt2-small' })).json.data
    expect(summary.config).toBeNull()
    expect(summary.num_logs).toBe(0)
    const medium = (await call('get_run_summary', { project: 'llm-finetune', run: 'gpt2-medium' })).json.data
    expect(medium.num_logs).toBe(100)
    expect(medium.config).not.toBeNull()
    expect(count(dir, 'llm-finetune.db', 'SELECT COUNT(*) FROM metrics')).toBe(160)
    expect(count(dir, 'llm-finetune.db', "SELECT COUNT(*) FROM metrics WHERE run_name = 'gpt2-small'")).toBe(0)
    expect(count(dir, 'llm-finetune.db', 'SELECT COUNT(*) FROM configs')).toBe(2)
    expect(count(dir, 'llm-finetune.db', 'SELECT COUNT(*) FROM system_metrics')).toBe(0)
  })

  test('run_id picks one of two runs sharing a name; by name the latest-created goes', async () => {
    const { call, runs } = await setup('edge')
    const dups = (await runs(EDGE)).filter((r) => r.name === 'dup')
    expect(dups).toHaveLength(2)
    expect((await call('delete_run', { project: EDGE, run_id: dups[0]!.id }, H)).status).toBe(200)
    let left = (await runs(EDGE)).filter((r) => r.name === 'dup')
    expect(left.map((r) => r.id)).toEqual([dups[1]!.id])
    const { call: call2, runs: runs2 } = await setup('edge')
    expect((await call2('delete_run', { project: EDGE, run: 'dup' }, H)).status).toBe(200)
    left = (await runs2(EDGE)).filter((r) => r.name === 'dup')
    expect(left.map((r) => r.id)).toEqual([dups[0]!.id])
  })

  test('a run that only has system metrics or only alerts can be deleted', async () => {
    const { call } = await setup('edge')
    expect((await call('get_system_logs', { project: EDGE, run: 'system-only' })).json.data).toHaveLength(3)
    expect((await call('delete_run', { project: EDGE, run: 'system-only' }, H)).json).toEqual({ data: true })
    expect((await call('get_system_logs', { project: EDGE, run: 'system-only' })).json.data).toEqual([])
    expect((await call('delete_run', { project: EDGE, run: 'alerts-only-run' }, H)).json).toEqual({ data: true })
    expect((await call('get_alerts', { project: EDGE, run: 'alerts-only-run' })).json.data).toEqual([])
    expect((await call('get_alerts', { project: EDGE })).json.data).toHaveLength(3)
  })

  test('artifact links go and producer fields are cleared', async () => {
    const { dir, call, runs } = await setup('basic')
    const id = (await runs('image-classification')).find((r) => r.name === 'baseline')!.id
    const db = new Database(join(dir, 'image-classification.db'))
    db.run("INSERT INTO artifacts (name, type, created_at) VALUES ('model', 'model', 't')")
    db.run(
      "INSERT INTO artifact_versions (artifact_id, version, manifest_digest, manifest, size_bytes, producer_run_id, producer_run_name, created_at) VALUES (1, 1, 'd', '{}', 0, ?, 'baseline', 't')",
      [id],
    )
    db.run("INSERT INTO run_artifact_links (run_id, run_name, artifact_version_id, direction, created_at) VALUES (?, 'baseline', 1, 'output', 't')", [id])
    db.run("INSERT INTO run_artifact_links (run_id, run_name, artifact_version_id, direction, created_at) VALUES (NULL, 'high-lr', 1, 'input', 't')")
    db.close()
    expect((await call('delete_run', { project: 'image-classification', run_id: id }, H)).status).toBe(200)
    expect(count(dir, 'image-classification.db', 'SELECT COUNT(*) FROM run_artifact_links WHERE run_id = ?', id)).toBe(0)
    expect(count(dir, 'image-classification.db', 'SELECT COUNT(*) FROM run_artifact_links')).toBe(1)
    expect(count(dir, 'image-classification.db', 'SELECT COUNT(*) FROM artifact_versions WHERE producer_run_id IS NULL AND producer_run_name IS NULL')).toBe(1)
  })

  test('unknown project or run → 200 false (as Trackio), nothing changes; no run → 400', async () => {
    const { dir, call } = await setup('basic')
    const before = readFileSync(join(dir, 'image-classification.db'))
    const p = await call('delete_run', { project: 'no-such-project', run: 'baseline' }, H)
    expect(p.status).toBe(200)
    expect(p.json).toEqual({ data: false })
    expect(existsSync(join(dir, 'no-such-project.db'))).toBe(false)
    const r = await call('delete_run', { project: 'image-classification', run: 'ghost' }, H)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ data: false })
    const i = await call('delete_run', { project: 'image-classification', run_id: 'nope' }, H)
    expect(i.status).toBe(200)
    expect(i.json).toEqual({ data: false })
    expect((await call('delete_run', { project: 'image-classification' }, H)).status).toBe(400)
    expect((await call('delete_run', {}, H)).status).toBe(400)
    expect(readFileSync(join(dir, 'image-classification.db')).equals(before)).toBe(true)
  })

  test('deleting the same run twice: true, then false', async () => {
    const { call } = await setup('basic')
    expect((await call('delete_run', { project: 'image-classification', run: 'baseline' }, H)).json).toEqual({ data: true })
    expect((await call('delete_run', { project: 'image-classification', run: 'baseline' }, H)).json).toEqual({ data: false })
  })

  test('legacy name-keyed database: the name is the identity', async () => {
    const dir = tempDir()
    const db = new Database(join(dir, 'old.db'))
    db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, step INTEGER NOT NULL, metrics TEXT NOT NULL)')
    db.run('CREATE TABLE configs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_name TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE(run_name))')
    for (const [run, step] of [['a', 0], ['a', 1], ['b', 0]] as const)
      db.run('INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES (?, ?, ?, ?)', [`2024-01-0${step + 1}`, run, step, '{"x": 1}'])
    db.run(`INSERT INTO configs (run_name, config, created_at) VALUES ('a', '{"lr": 1}', 't'), ('b', '{"lr": 2}', 't')`)
    db.close()
    const { call } = await inProcessApp(dir)
    expect((await call('delete_run', { project: 'old', run: 'a' }, H)).json).toEqual({ data: true })
    expect((await call('get_runs_for_project', { project: 'old' })).json.data.map((r: any) => r.name)).toEqual(['b'])
    expect(count(dir, 'old.db', "SELECT COUNT(*) FROM configs WHERE run_name = 'a'")).toBe(0)
    expect(count(dir, 'old.db', 'SELECT COUNT(*) FROM configs')).toBe(1)
  })
})

describe('delete_run over MCP', () => {
  test('false comes back as false with a text saying nothing was deleted; true as plain true', async () => {
    const { renderResult } = await import('../../src/transports/mcp/text')
    const tool = (await import('../../src/tools/delete-run')).default
    const no = renderResult(tool, false)
    expect(no.structuredContent).toEqual({ result: false })
    expect(no.content.map((c: any) => c.text)).toEqual(['Nothing was deleted: the project or the run does not exist.\nfalse'])
    const yes = renderResult(tool, true)
    expect(yes.content.map((c: any) => c.text)).toEqual(['true'])
  })
})
