import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inProcessApp, tempDir } from '../../helpers'

/**
 * The request shapes Trackio 0.36's Python client sends in `server_url` mode, as captured from the
 * real library (trackio.init(server_url=…); see README "Verified clients"): Python's json.dumps with
 * its default ", " / ": " separators and allow_nan=True, every kwarg under "kwargs", hf_token null,
 * header x-trackio-write-token. CI replays them here without the Trackio repository.
 */
const H = { 'x-trackio-write-token': 'test-token', 'content-type': 'application/json' }
const RUN_ID = 'f9737c4142bb44f3a2e336f9052040e6'
const hex = (i: number) => i.toString(16).padStart(32, '0')

/** One LogEntry as the client's sender spells it (key order and spacing as captured). */
function pyEntry(project: string, step: number, metrics: string, config = 'null'): string {
  return `{"project": "${project}", "run": "r1", "run_id": "${RUN_ID}", "metrics": ${metrics}, "step": ${step}, "config": ${config}, "log_id": "${hex(step + 1)}"}`
}
const pyBulkLog = (entries: string[]) => `{"args": [], "kwargs": {"logs": [${entries.join(', ')}], "hf_token": null}}`

function rows(dir: string, project: string): { step: number; metrics: string }[] {
  const db = new Database(join(dir, `${project}.db`), { readonly: true })
  try {
    return db.query('SELECT step, CAST(metrics AS TEXT) AS metrics FROM metrics ORDER BY step').all() as { step: number; metrics: string }[]
  } finally {
    db.close()
  }
}

describe("Trackio's Python client: bare NaN / Infinity in bodies", () => {
  const config = '{"lr": 0.001, "max_grad_norm": Infinity, "min": -Infinity, "_Username": null, "_Created": "2026-12-02T10:32:26.899768+00:00", "_Group": null}'
  const body = pyBulkLog([
    pyEntry('nonfinite', 0, '{"loss": 1.0}', config),
    pyEntry('nonfinite', 1, '{"loss": NaN}'),
    pyEntry('nonfinite', 2, '{"loss": Infinity, "nested": {"x": -Infinity, "l": [NaN, 1]}}'),
  ])

  test('stored as Trackio stores non-finite values (strings), read back as null', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const r = await call('bulk_log', body, H)
    expect(r.status).toBe(200)
    expect(rows(dir, 'nonfinite').map((x) => x.metrics)).toEqual([
      '{"loss":1.0}',
      '{"loss":"NaN"}',
      '{"loss":"Infinity","nested":{"x":"-Infinity","l":["NaN",1]}}',
    ])
    const db = new Database(join(dir, 'nonfinite.db'), { readonly: true })
    const cfg = db.query('SELECT CAST(config AS TEXT) AS c FROM configs').get() as { c: string }
    db.close()
    expect(cfg.c).toBe('{"lr":0.001,"max_grad_norm":"Infinity","min":"-Infinity","_Username":null,"_Created":"2026-12-02T10:32:26.899768+00:00","_Group":null}')

    const logs = await call('get_logs', { project: 'nonfinite', run: 'r1' })
    expect(logs.text).toContain('"loss":null')
    expect(logs.json.data.map((l: any) => l.loss)).toEqual([1.0, null, null])
    const summary = await call('get_run_summary', { project: 'nonfinite', run: 'r1' })
    expect(summary.json.data.config.max_grad_norm).toBeNull()
    expect(summary.json.data.config.lr).toBe(0.001)
  })

  test('a replay of the same batch (the client resends its pending buffer) adds nothing', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    expect((await call('bulk_log', body, H)).status).toBe(200)
    expect((await call('bulk_log', body, H)).status).toBe(200)
    expect(rows(dir, 'nonfinite')).toHaveLength(3)
  })

  test('a bulk_log_system body with NaN is accepted too', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    const sys = `{"args": [], "kwargs": {"logs": [{"project": "p", "run": "r1", "run_id": "${RUN_ID}", "metrics": {"gpu/0/util": NaN}, "timestamp": "2026-12-02T10:32:27.000000+00:00", "log_id": "${hex(9)}"}], "hf_token": null}}`
    expect((await call('bulk_log_system', sys, H)).status).toBe(200)
    const back = await call('get_system_logs', { project: 'p', run: 'r1' })
    expect(back.json.data[0]['gpu/0/util']).toBeNull()
  })

  test('tokens Python does not read stay a 400', async () => {
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    for (const bad of ['nan', '-NaN', 'Inf', '+Infinity', 'infinity'])
      expect((await call('bulk_log', pyBulkLog([pyEntry('p', 0, `{"loss": ${bad}}`)]), H)).status).toBe(400)
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
  })
})

describe("Trackio's Python client: a 50,000-entry backlog in one bulk_log (burst, or the replay after an outage)", () => {
  const N = 50_000
  const entries = Array.from({ length: N }, (_, i) =>
    pyEntry('burst', i, `{"loss": ${1 / (i + 1)}, "i": ${i}}`, i === 0 ? '{"_Username": null, "_Created": "2026-12-02T10:32:26.899768+00:00", "_Group": null}' : 'null'),
  )
  const body = pyBulkLog(entries)

  test('is stored whole (about 10 MB, no entry cap); a retry adds nothing; other requests are served meanwhile', async () => {
    expect(body.length).toBeGreaterThan(10_000_000)
    const dir = tempDir()
    const { call } = await inProcessApp(dir)
    expect((await call('bulk_log', pyBulkLog([pyEntry('other', 0, '{"x": 1}')]), H)).status).toBe(200)
    const order: string[] = []
    const write = call('bulk_log', body, H).then((r) => (order.push('bulk_log'), r))
    // Issued after the batch started: the batch yields between chunks, so this read is not queued behind it.
    await Bun.sleep(0)
    const read = call('get_run_summary', { project: 'other', run: 'r1' }).then((r) => (order.push('read'), r))
    const [w, r] = await Promise.all([write, read])
    expect(w.status).toBe(200)
    expect(r.json.data.num_logs).toBe(1)
    expect(order).toEqual(['read', 'bulk_log'])
    const stored = rows(dir, 'burst')
    expect(stored).toHaveLength(N)
    expect(stored[N - 1]).toEqual({ step: N - 1, metrics: `{"loss":${1 / N},"i":${N - 1}}` })
    expect((await call('bulk_log', body, H)).status).toBe(200)
    expect(rows(dir, 'burst')).toHaveLength(N)
    const summary = await call('get_run_summary', { project: 'burst', run: 'r1' })
    expect(summary.json.data.num_logs).toBe(N)
  })
})

/** The multipart body Python's httpx sends for one staged file (`files={"files": (name, f)}`). */
function pyMultipart(name: string, data: Uint8Array): { body: Uint8Array; type: string } {
  const boundary = '7e2a11f46daba9dc6e8164f3a9f53fd9'
  const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`)
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`)
  const body = new Uint8Array(head.length + data.length + tail.length)
  body.set(head, 0)
  body.set(data, head.length)
  body.set(tail, head.length + data.length)
  return { body, type: `multipart/form-data; boundary=${boundary}` }
}

describe("Trackio's Python client: a logged trackio.Image (upload, then bulk_upload_media)", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 0, 255, 13, 10])
  const name = 'f83dfb46-b613-4757-8f70-5203119a7ca3.png'

  test('lands at media/{project}/{run}/{step}/{orig_name}, the file_path the row names, and is served by /file', async () => {
    const dir = tempDir()
    const { app, call } = await inProcessApp(dir)
    const mp = pyMultipart(name, png)
    const up = await app.handle(new Request('http://localhost/api/upload', { method: 'POST', headers: { 'content-type': mp.type, 'x-trackio-write-token': 'test-token' }, body: mp.body }))
    expect(up.status).toBe(200)
    const { paths } = (await up.json()) as { paths: string[] }
    expect(paths).toHaveLength(1)
    expect(paths[0]).toMatch(/\/trackio-upload-[A-Za-z0-9_-]+\.png$/)
    expect(readFileSync(paths[0]!)).toEqual(Buffer.from(png))

    const log = pyBulkLog([pyEntry('media', 0, `{"image": {"_type": "trackio.image", "file_path": "media/r1/0/${name}", "caption": "random"}}`)])
    expect((await call('bulk_log', log, H)).status).toBe(200)
    const media = `{"args": [], "kwargs": {"uploads": [{"project": "media", "run": "r1", "run_id": "${RUN_ID}", "step": 0, "relative_path": null, "uploaded_file": {"path": "${paths[0]}", "orig_name": "${name}", "meta": {"_type": "gradio.FileData"}}}], "hf_token": null}}`
    const r = await call('bulk_upload_media', media, H)
    expect(r.status).toBe(200)
    expect(r.text).toBe('{"data":null}')
    expect(readFileSync(join(dir, 'media', 'media', 'r1', '0', name))).toEqual(Buffer.from(png))
    expect(existsSync(paths[0]!)).toBe(false)

    const logs = await call('get_logs', { project: 'media', run: 'r1' })
    const filePath = logs.json.data[0].image.file_path
    expect(filePath).toBe(`media/r1/0/${name}`)
    for (const p of [filePath, join(dir, 'media', filePath)]) {
      const f = await app.handle(new Request(`http://localhost/file?path=${encodeURIComponent(p)}`))
      expect(f.status).toBe(200)
      expect(f.headers.get('content-type')).toBe('image/png')
      expect(new Uint8Array(await f.arrayBuffer())).toEqual(png)
    }

    // A staged path is consumed once: the client's replay re-uploads, a stale path is refused.
    const again = await call('bulk_upload_media', media, H)
    expect(again.status).toBe(400)
    expect(again.json.error).toBe('Uploaded file was not created by this Trackio server.')
  })
})
