import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFixtures, inProcessApp, tempDir } from '../helpers'

const H = { 'x-trackio-write-token': 'test-token' }
const MP = 'media-project'

async function setup(...sets: ('basic' | 'edge')[]) {
  const dir = copyFixtures(...sets)
  const app = await inProcessApp(dir)
  const runs = async (project: string) => (await app.call('get_runs_for_project', { project })).json.data as { id: string; name: string }[]
  return { dir, ...app, runs }
}

function query(dir: string, db: string, sql: string, ...params: unknown[]): any[] {
  const d = new Database(join(dir, db), { readonly: true })
  try {
    return d.query(sql).all(...(params as string[]))
  } finally {
    d.close()
  }
}

/** Every row of every table, for "nothing changed" checks. */
function dump(dir: string, db: string): string {
  const d = new Database(join(dir, db), { readonly: true })
  try {
    const tables = d.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").values().map((r) => String(r[0]))
    const out: Record<string, unknown> = { schema: d.query('SELECT type, name, sql FROM sqlite_master ORDER BY name').all() }
    for (const t of tables)
      out[t] = d
        .query(`SELECT * FROM "${t}" ORDER BY rowid`)
        .values()
        .map((row) => row.map((v) => (v instanceof Uint8Array ? `blob:${Buffer.from(v).toString('hex')}` : v)))
    return JSON.stringify(out)
  } finally {
    d.close()
  }
}

const files = (dir: string): string[] => (existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : [])

describe('rename_run', () => {
  test('rows keep ids, log_id and storage class; only file_path prefixes change; media folder moves', async () => {
    const { dir, call, runs } = await setup('edge')
    const sql = "SELECT id, run_id, log_id, step, typeof(metrics) AS kind, metrics FROM metrics WHERE run_name = ? ORDER BY id"
    const before = query(dir, `${MP}.db`, sql, 'media-run')
    expect(before.length).toBe(2)
    const mediaBefore = files(join(dir, 'media', MP, 'media-run'))
    expect(mediaBefore.length).toBeGreaterThan(3)
    const traceBefore = query(dir, `${MP}.db`, "SELECT id FROM traces WHERE run_name = 'media-run'")
    expect(traceBefore.length).toBeGreaterThan(0)

    const r = await call('rename_run', { project: MP, old_name: 'media-run', new_name: '  renamed run  ' }, H)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ data: true })

    expect((await runs(MP)).map((x) => x.name)).toEqual(['renamed run', 'media-new-name'])
    const after = query(dir, `${MP}.db`, sql, 'renamed run')
    expect(after.map((x) => [x.id, x.run_id, x.log_id, x.step, x.kind])).toEqual(before.map((x) => [x.id, x.run_id, x.log_id, x.step, x.kind]))
    expect(after.every((x) => x.kind === 'blob')).toBe(true)
    for (let i = 0; i < before.length; i++) {
      const expected = Buffer.from(before[i].metrics).toString('utf8').replaceAll(`"${MP}/media-run/`, `"${MP}/renamed run/`)
      expect(Buffer.from(after[i].metrics).toString('utf8')).toBe(expected)
    }
    expect(query(dir, `${MP}.db`, "SELECT COUNT(*) AS n FROM metrics WHERE run_name = 'media-run'")[0].n).toBe(0)
    expect(query(dir, `${MP}.db`, "SELECT id FROM traces WHERE run_name = 'renamed run'")).toEqual(traceBefore)
    expect(files(join(dir, 'media', MP, 'renamed run'))).toEqual(mediaBefore)
    expect(existsSync(join(dir, 'media', MP, 'media-run'))).toBe(false)

    // Every file a logged media object points at exists under MEDIA_DIR.
    const logs = (await call('get_logs', { project: MP, run: 'renamed run' })).json.data
    const paths = JSON.stringify(logs).match(/"file_path":"[^"]+"/g)!.map((m) => m.slice(13, -1))
    expect(paths.length).toBeGreaterThan(3)
    for (const p of paths) {
      expect(p.startsWith(`${MP}/renamed run/`)).toBe(true)
      expect(existsSync(join(dir, 'media', p))).toBe(true)
    }
  })

  test('configs, system metrics and alerts follow; the old name reads as empty', async () => {
    const { call } = await setup('basic')
    const P = 'llm-finetune'
    expect((await call('rename_run', { project: P, old_name: 'gpt2-small', new_name: 'gpt2-s' }, H)).status).toBe(200)
    expect((await call('get_system_logs', { project: P, run: 'gpt2-s' })).json.data).toHaveLength(13)
    expect((await call('get_system_logs', { project: P, run: 'gpt2-small' })).json.data).toEqual([])
    const alerts = (await call('get_alerts', { project: P, run: 'gpt2-s' })).json.data
    expect(alerts).toHaveLength(3)
    expect(alerts.every((a: any) => a.run === 'gpt2-s')).toBe(true)
    const s = (await call('get_run_summary', { project: P, run: 'gpt2-s' })).json.data
    expect(s.num_logs).toBe(80)
    expect(s.config).toMatchObject({ model: 'gpt2' })
    expect((await call('get_run_summary', { project: P, run: 'gpt2-small' })).json.data.num_logs).toBe(0)
  })

  test('onto an existing name: allowed, runs stay apart by run_id; media folders merge', async () => {
    const { dir, call, runs } = await setup('edge')
    const ids = await runs(MP)
    const oldFiles = files(join(dir, 'media', MP, 'media-run'))
    const otherFiles = files(join(dir, 'media', MP, 'media-new-name'))
    expect((await call('rename_run', { project: MP, old_name: 'media-run', new_name: 'media-new-name' }, H)).status).toBe(200)
    const now = await runs(MP)
    expect(now.map((r) => r.name)).toEqual(['media-new-name', 'media-new-name'])
    expect(now.map((r) => r.id)).toEqual(ids.map((r) => r.id))
    const merged = files(join(dir, 'media', MP, 'media-new-name'))
    for (const f of [...oldFiles, ...otherFiles]) expect(merged).toContain(f)
    // Rename one of the two back by run_id.
    expect((await call('rename_run', { project: MP, old_name: 'ignored', new_name: 'media-run', run_id: ids[0]!.id }, H)).status).toBe(200)
    expect((await runs(MP)).map((r) => r.name)).toEqual(['media-run', 'media-new-name'])
  })

  test('empty name → 400; unknown project or run → 404; nothing changes', async () => {
    const { dir, call } = await setup('basic')
    const before = dump(dir, 'image-classification.db')
    for (const new_name of ['', '   ', '\t\n']) {
      const r = await call('rename_run', { project: 'image-classification', old_name: 'baseline', new_name }, H)
      expect(r.status).toBe(400)
      expect(r.json.error).toBe('New run name cannot be empty')
    }
    const p = await call('rename_run', { project: 'nope', old_name: 'baseline', new_name: 'x' }, H)
    expect(p.status).toBe(404)
    expect(p.json.error).toBe("Project 'nope' does not exist")
    const r = await call('rename_run', { project: 'image-classification', old_name: 'ghost', new_name: 'x' }, H)
    expect(r.status).toBe(404)
    expect(r.json.error).toBe("Run 'ghost' does not exist in project 'image-classification'")
    expect((await call('rename_run', { project: 'image-classification', old_name: 'baseline' }, H)).status).toBe(400)
    expect(dump(dir, 'image-classification.db')).toBe(before)
  })

  test('legacy name-keyed database: an existing name is refused with Trackio message', async () => {
    const dir = tempDir()
    const db = new Database(join(dir, 'old.db'))
    db.run('CREATE TABLE metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, run_name TEXT NOT NULL, step INTEGER NOT NULL, metrics TEXT NOT NULL)')
    db.run(`INSERT INTO metrics (timestamp, run_name, step, metrics) VALUES ('2024-01-01', 'a', 0, '{"x": 1}'), ('2024-01-02', 'b', 0, '{"x": 2}')`)
    db.close()
    const { call } = await inProcessApp(dir)
    const before = dump(dir, 'old.db')
    const r = await call('rename_run', { project: 'old', old_name: 'a', new_name: 'b' }, H)
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("A run named 'b' already exists in project 'old'")
    expect(dump(dir, 'old.db')).toBe(before)
    expect((await call('rename_run', { project: 'old', old_name: 'a', new_name: 'c' }, H)).status).toBe(200)
    expect((await call('get_runs_for_project', { project: 'old' })).json.data.map((x: any) => x.name)).toEqual(['c', 'b'])
  })

  test('a SQLite failure half way (trigger on alerts) leaves database and media as before', async () => {
    const { dir, call, runs } = await setup('basic', 'edge')
    for (const [db, table] of [['llm-finetune.db', 'alerts'], [`${MP}.db`, 'traces']] as const) {
      const d = new Database(join(dir, db))
      d.run(`CREATE TRIGGER fail_rename BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
      d.close()
    }
    const before = dump(dir, 'llm-finetune.db')
    const r = await call('rename_run', { project: 'llm-finetune', old_name: 'gpt2-small', new_name: 'x' }, H)
    expect(r.status).toBe(500)
    expect(r.json.error).toBe("Database error while renaming run 'gpt2-small' to 'x': injected failure")
    expect(dump(dir, 'llm-finetune.db')).toBe(before)
    expect((await runs('llm-finetune')).map((x) => x.name)).toContain('gpt2-small')

    const mpBefore = dump(dir, `${MP}.db`)
    const media = files(join(dir, 'media', MP))
    expect((await call('rename_run', { project: MP, old_name: 'media-run', new_name: 'y' }, H)).status).toBe(500)
    expect(dump(dir, `${MP}.db`)).toBe(mpBefore)
    expect(files(join(dir, 'media', MP))).toEqual(media)
  })

  test('a media move that fails (a file where the new parent folder goes) leaves everything as before', async () => {
    const { dir, call } = await setup('edge')
    writeFileSync(join(dir, 'media', MP, 'blocker'), 'not a folder')
    const before = dump(dir, `${MP}.db`)
    const media = files(join(dir, 'media', MP))
    const r = await call('rename_run', { project: MP, old_name: 'media-run', new_name: 'blocker/inner' }, H)
    expect(r.status).toBe(400)
    expect(dump(dir, `${MP}.db`)).toBe(before)
    expect(files(join(dir, 'media', MP))).toEqual(media)
  })

  test('a merge that fails half way moves every file back', async () => {
    const { dir, call } = await setup('edge')
    const src = join(dir, 'media', MP, 'media-run')
    const clash = files(src).filter((f) => f.endsWith('.png')).sort().at(-1)!
    mkdirSync(join(dir, 'media', MP, 'target', '0'), { recursive: true })
    writeFileSync(join(dir, 'media', MP, 'target', clash), 'other run')
    const before = dump(dir, `${MP}.db`)
    const media = files(join(dir, 'media', MP))
    const r = await call('rename_run', { project: MP, old_name: 'media-run', new_name: 'target' }, H)
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('exists for both runs')
    expect(dump(dir, `${MP}.db`)).toBe(before)
    expect(files(join(dir, 'media', MP))).toEqual(media)
  })

  test('a new name inside the old folder ("a" → "a/b") and back', async () => {
    const { dir, call } = await setup('edge')
    const media = files(join(dir, 'media', MP, 'media-run'))
    expect((await call('rename_run', { project: MP, old_name: 'media-run', new_name: 'media-run/v2' }, H)).status).toBe(200)
    expect(files(join(dir, 'media', MP, 'media-run', 'v2'))).toEqual(media)
    const logs = JSON.stringify((await call('get_logs', { project: MP, run: 'media-run/v2' })).json.data)
    for (const p of logs.match(/"file_path":"[^"]+"/g)!.map((m) => m.slice(13, -1))) expect(existsSync(join(dir, 'media', p))).toBe(true)
  })
})
