import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { api, FIXTURES, startServer, tempDir, type Server } from '../../helpers'

/**
 * Project and run names are never paths and never SQL: whatever a client sends, no file outside
 * the data directory is created, changed or removed, and no other project's rows change. The data
 * directory is a subdirectory of a temporary root holding decoys (a database, an etc/passwd, a
 * media-like folder) whose listing must stay exactly the same after every call.
 */
const HOSTILE = [
  '../../etc/passwd',
  '../victim',
  '/abs',
  '/tmp',
  'a\u0000b',
  '..',
  '.',
  '',
  'CON',
  'x'.repeat(10_000),
  "x'; DROP TABLE metrics; --",
  '" OR 1=1 --',
  'media/../../escape',
  '..\\..\\win',
  '%2e%2e%2fetc',
  '\u202e..',
]

let root: string
let data: string
let server: Server
const headers = () => ({ 'x-trackio-write-token': server.token })

type Listing = Map<string, string>

/** Every path below `dir` with its kind, size and mtime. */
function listing(dir: string, skip: (rel: string) => boolean = () => false): Listing {
  const out: Listing = new Map()
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const rel = name
    if (skip(rel)) continue
    const st = statSync(join(dir, name), { throwIfNoEntry: false })
    if (!st) continue
    out.set(rel, st.isDirectory() ? 'dir' : `${st.size}:${st.mtimeMs}`)
  }
  return out
}

/** Paths the server may legitimately create or touch: project files directly in the data dir, and media below MEDIA_DIR/{project}. */
const PROJECT_FILE = /^[\p{L}\p{N}_-]+(\.db|\.db-wal|\.db-shm|\.db-journal|\.lock)$/u
function ownedByServer(rel: string): boolean {
  if (rel === 'data' || rel === join('data', 'media')) return true
  if (!rel.startsWith(`data${sep}`)) return false
  const inner = relative('data', rel)
  if (!inner.includes(sep)) return PROJECT_FILE.test(inner)
  const parts = inner.split(sep)
  if (parts[0] === 'artifacts') return parts.length === 1 || /^[\p{L}\p{N}_-]+$/u.test(parts[1]!)
  return parts[0] === 'media' && parts.length >= 3 && /^[\p{L}\p{N}_-]+$/u.test(parts[1]!)
}

let before: Listing
function expectOutsideUnchanged(what: string): void {
  const after = listing(root, ownedByServer)
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k))
  if (changed.length) throw new Error(`${what}: changed outside the data dir or in a foreign place: ${changed.slice(0, 5).join(', ')}`)
}

function countRows(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true })
  try {
    return Number((db.query('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n)
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  root = tempDir()
  data = join(root, 'data')
  mkdirSync(data)
  cpSync(join(FIXTURES, 'basic'), data, { recursive: true })
  cpSync(join(FIXTURES, 'edge'), data, { recursive: true })
  // Decoys where a path-built name would land.
  cpSync(join(FIXTURES, 'basic', 'llm-finetune.db'), join(root, 'victim.db'))
  mkdirSync(join(root, 'etc'))
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0\n')
  mkdirSync(join(root, 'media', 'x'), { recursive: true })
  writeFileSync(join(root, 'media', 'x', 'keep.txt'), 'keep')
  writeFileSync(join(root, 'abs.db'), 'not a database')
  before = listing(root, ownedByServer)
  server = await startServer(data)
})

afterAll(async () => {
  await server?.stop()
})

const READ_TOOLS: [string, (n: string) => Record<string, unknown>][] = [
  ['get_runs_for_project', (n) => ({ project: n })],
  ['get_project_summary', (n) => ({ project: n })],
  ['get_metrics_for_run', (n) => ({ project: n, run: n })],
  ['get_run_summary', (n) => ({ project: n, run: n, run_id: n })],
  ['get_metric_values', (n) => ({ project: n, run: n, metric_name: n })],
  ['get_metric_values', (n) => ({ project: 'llm-finetune', run: 'gpt2-small', metric_name: n })],
  ['get_system_metrics_for_run', (n) => ({ project: n, run: n })],
  ['get_system_logs', (n) => ({ project: n, run: n })],
  ['get_snapshot', (n) => ({ project: n, run: n, step: 1 })],
  ['get_logs', (n) => ({ project: n, run: n })],
  ['get_alerts', (n) => ({ project: n, run: n, level: n, since: n })],
  ['get_alerts', (n) => ({ project: 'llm-finetune', level: n })],
]

describe('hostile project and run names', () => {
  test('read tools answer 200/4xx JSON and touch nothing', async () => {
    for (const name of HOSTILE) {
      for (const [tool, body] of READ_TOOLS) {
        const r = await api(server.url, tool, body(name))
        if (![200, 400, 404].includes(r.status)) throw new Error(`${tool} ${JSON.stringify(body(name)).slice(0, 100)} → ${r.status} ${r.text.slice(0, 300)}`)
        expect(r.json).toBeObject()
      }
      expectOutsideUnchanged(`read tools with ${JSON.stringify(name.slice(0, 40))}`)
    }
    // A name that canonicalises to a real project reads that project, nothing else.
    const r = await api(server.url, 'get_runs_for_project', { project: '../llm-finetune' })
    expect(r.status).toBe(200)
    expect(r.json.data.map((x: { name: string }) => x.name)).toContain('gpt2-small')
  })

  test('log_metrics with hostile names writes only inside the data dir (or refuses)', async () => {
    for (const name of HOSTILE) {
      const r = await api(server.url, 'log_metrics', { project: name, run: name, metrics: { [name || 'k']: 1 }, new_run: true }, headers())
      expect([200, 400]).toContain(r.status)
      expect(r.json).toBeObject()
      expectOutsideUnchanged(`log_metrics with ${JSON.stringify(name.slice(0, 40))}`)
    }
    // the 10,000-character name is refused, not a 500 from the filesystem
    const long = await api(server.url, 'log_metrics', { project: 'x'.repeat(10_000), run: 'r', metrics: { a: 1 }, new_run: true }, headers())
    expect(long.status).toBe(400)
    // a NUL inside a metric name is data too (SQLite's JSON path would cut it)
    const nul = await api(server.url, 'get_metric_values', { project: 'a\u0000b', run: 'a\u0000b', metric_name: 'a\u0000b' })
    expect(nul.status).toBe(200)
    expect(nul.json.data.map((p: { value: unknown }) => p.value)).toEqual([1])
    // '../../etc/passwd' became the project 'etcpasswd' inside the data dir
    expect(statSync(join(data, 'etcpasswd.db')).isFile()).toBe(true)
    expect(readdirSync(join(root, 'etc'))).toEqual(['passwd'])
  })

  test('delete_run and rename_run with hostile names (valid token) touch nothing else', async () => {
    const rows = countRows(join(data, 'llm-finetune.db'))
    for (const name of HOSTILE) {
      let r = await api(server.url, 'delete_run', { project: 'llm-finetune', run: name }, headers())
      expect(r.status === 400 || (r.status === 200 && r.json.data === false)).toBe(true)
      r = await api(server.url, 'delete_run', { project: name, run: 'gpt2-small' }, headers())
      expect(r.status === 400 || (r.status === 200 && r.json.data === false)).toBe(true)
      r = await api(server.url, 'rename_run', { project: name, old_name: 'gpt2-small', new_name: 'y' }, headers())
      expect([400, 404]).toContain(r.status)
      r = await api(server.url, 'rename_run', { project: 'llm-finetune', old_name: name, new_name: 'y' }, headers())
      expect([400, 404]).toContain(r.status)
      expectOutsideUnchanged(`delete/rename with ${JSON.stringify(name.slice(0, 40))}`)
    }
    expect(countRows(join(data, 'llm-finetune.db'))).toBe(rows)
    const runs = await api(server.url, 'get_runs_for_project', { project: 'llm-finetune' })
    expect(runs.json.data.map((x: { name: string }) => x.name)).toEqual(['gpt2-small', 'gpt2-medium', 'gpt2-small-lora'])
  })

  test('a run renamed to a path: its media folder never leaves MEDIA_DIR/{project}', async () => {
    const mediaRoot = join(data, 'media')
    const mediaBefore = listing(mediaRoot)
    for (const target of ['../../x', '../x', '/abs', 'a/../../b', '..', '.', 'a\u0000b']) {
      const r = await api(server.url, 'rename_run', { project: 'media-project', old_name: 'media-run', new_name: target }, headers())
      // The run has a media folder: a name that cannot be a folder is refused and nothing moves.
      expect(r.status).toBe(400)
      expect(listing(mediaRoot)).toEqual(mediaBefore)
      expectOutsideUnchanged(`rename media-run to ${JSON.stringify(target)}`)
    }
    // A run without media may take such a name (it is only a label); nothing is created anywhere.
    const r = await api(server.url, 'rename_run', { project: 'llm-finetune', old_name: 'gpt2-medium', new_name: '../../x' }, headers())
    expect(r.status).toBe(200)
    expectOutsideUnchanged('rename gpt2-medium to ../../x')
    expect(listing(mediaRoot)).toEqual(mediaBefore)
    // and renaming it back, or deleting it, touches no folder named by the path either
    const back = await api(server.url, 'rename_run', { project: 'llm-finetune', old_name: '../../x', new_name: 'gpt2-medium' }, headers())
    expect(back.status).toBe(200)
    // A nested (but safe) name moves the folder below the project's media folder only.
    const nested = await api(server.url, 'rename_run', { project: 'media-project', old_name: 'media-run', new_name: 'sub/run' }, headers())
    expect(nested.status).toBe(200)
    expect(statSync(join(mediaRoot, 'media-project', 'sub', 'run')).isDirectory()).toBe(true)
    expectOutsideUnchanged('rename media-run to sub/run')
  })

  test('SQL in names is data: the rows of every project are unchanged and the server still answers', async () => {
    for (const project of ['llm-finetune', 'image-classification']) {
      const r = await api(server.url, 'get_metric_values', { project, run: "' OR '1'='1", metric_name: "loss' OR 1=1 --" })
      expect([200, 404]).toContain(r.status)
      if (r.status === 200) expect(r.json.data).toEqual([])
    }
    const all = await api(server.url, 'get_all_projects', {})
    expect(all.status).toBe(200)
    expect(all.json.data).toEqual(expect.arrayContaining(['llm-finetune', 'image-classification', 'media-project']))
    expect((await fetch(`${server.url}/version`)).status).toBe(200)
  })
})

describe('hostile names in the artifact and SQL endpoints', () => {
  const sha = (t: string) => new Bun.CryptoHasher('sha256').update(t).digest('hex')
  test('reads, blob checks, artifact_log and blob downloads touch nothing outside the store', async () => {
    for (const name of HOSTILE) {
      for (const [tool, body] of [
        ['list_artifacts', { project: name }],
        ['get_artifact_manifest', { project: name, name, spec: name }],
        ['get_run_artifacts', { project: name, run: name, run_id: name }],
        ['get_artifact_lineage', { project: name, version_id: 1 }],
        ['get_project_files', { project: name }],
        ['get_tab_availability', { project: name }],
        ['query_project', { project: name, query: 'SELECT 1' }],
        ['get_registry_details', { registry: name }],
        ['check_artifact_blobs', { project: name, digests: [sha(name)] }],
        ['artifact_log', { project: name, name, type: 'model', manifest: [{ path: name || 'x', digest: sha(name), size: 1 }] }],
        ['artifact_log', { project: 'llm-finetune', name: 'ok', type: 'model', manifest: [{ path: name || 'x', digest: sha(name), size: 1 }] }],
      ] as const) {
        const r = await api(server.url, tool, body, headers())
        if (![200, 400, 404].includes(r.status)) throw new Error(`${tool} ${JSON.stringify(body).slice(0, 100)} → ${r.status} ${r.text.slice(0, 300)}`)
      }
      // '.' and '..' segments are resolved by the URL parser before any request is sent
      if (name !== '.' && name !== '..') {
        const blob = await fetch(`${server.url}/artifact_blob/${encodeURIComponent(name)}/${encodeURIComponent(name)}`)
        // (a 10,000-character URL is refused by the HTTP layer itself: 431)
        expect({ name, refused: [404, 431].includes(blob.status) }).toEqual({ name, refused: true })
      }
      expectOutsideUnchanged(`artifact endpoints with ${JSON.stringify(name.slice(0, 40))}`)
    }
  })
})
