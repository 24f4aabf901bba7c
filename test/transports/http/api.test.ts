import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { api, copyFixtures, startServer, type Server } from '../../helpers'

let server: Server
let base: string
const EDGE = 'EdgeCasesünïcødéwithdotsspaces'

beforeAll(async () => {
  server = await startServer(copyFixtures('basic', 'edge'))
  base = server.url
})
afterAll(async () => {
  await server?.stop()
})

describe('body forms (compat §6)', () => {
  const expected = async () => (await api(base, 'get_runs_for_project', { project: 'llm-finetune' })).text
  test('flat object, kwargs, args, data, JSON list and lone scalar give the same answer', async () => {
    const want = await expected()
    expect(JSON.parse(want).data.map((r: any) => r.name)).toEqual(['gpt2-small', 'gpt2-medium', 'gpt2-small-lora'])
    for (const body of [
      { kwargs: { project: 'llm-finetune' } },
      { args: ['llm-finetune'] },
      { args: 'llm-finetune' },
      { args: [], kwargs: { project: 'llm-finetune' } },
      { data: ['llm-finetune'] },
      ['llm-finetune'],
      '"llm-finetune"',
    ])
      expect((await api(base, 'get_runs_for_project', body)).text).toBe(want)
  })
  test('keyword beats position', async () => {
    const r = await api(base, 'get_runs_for_project', { args: ['nope'], kwargs: { project: 'llm-finetune' } })
    expect(r.json.data).toHaveLength(3)
  })
  test('empty body means no arguments; null too', async () => {
    const r = await fetch(`${base}/api/get_all_projects`, { method: 'POST' })
    expect(r.status).toBe(200)
    expect(((await r.json()) as any).data).toContain('llm-finetune')
    expect((await api(base, 'get_all_projects', 'null')).status).toBe(200)
  })
  test('body is JSON whatever the Content-Type', async () => {
    const r = await api(base, 'get_project_summary', '{"project":"llm-finetune"}', { 'content-type': 'text/plain' })
    expect(r.status).toBe(200)
    expect(r.json.data.num_runs).toBe(3)
  })
  test('hf_token and write_token are accepted by every tool', async () => {
    const r = await api(base, 'get_all_projects', { hf_token: null, write_token: 'x' })
    expect(r.status).toBe(200)
  })
})

describe('responses', () => {
  test('success is {"data": ...} as application/json without charset', async () => {
    const r = await api(base, 'get_all_projects')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json')
    expect(r.text.startsWith('{"data":[')).toBe(true)
  })
  test('numbers come out exactly as stored', async () => {
    const r = await api(base, 'get_logs', { project: EDGE, run: 'run with spaces' })
    const row = r.text.slice(r.text.indexOf('{"float"'), r.text.indexOf('},{') + 1)
    for (const piece of [
      '"float":0.5',
      '"nan":null',
      '"pos_inf":null',
      '"int":7',
      '"big_int_2_53_plus_1":9007199254740993',
      '"int64_max":9223372036854775807',
      '"int64_min":-9223372036854775808',
      '"uint64_max":18446744073709551615',
      '"string_NaN":null',
      '"list":[1,2.5,"x",null,"NaN"]',
      '"nested":{"a":{"b":{"c":1}},"nan_inside":"NaN"}',
      '"tiny":1e-07',
      '"small_fixed":1e-05',
      '"big_1e16":1e+16',
      '"huge_float":1.5e+300',
      '"neg_zero":-0.0',
    ])
      expect(row).toContain(piece)
  })
  test('steps beyond 2^53 are exact in and out', async () => {
    const r = await api(base, 'get_metric_values', '{"project":"' + EDGE + '","run":"run with spaces","metric_name":"float","step":9007199254740993}')
    expect(r.status).toBe(200)
    expect(r.text).toContain('"step":9007199254740993,')
    const all = await api(base, 'get_metric_values', { project: EDGE, run: 'run with spaces', metric_name: 'float' })
    expect(all.text).toContain('"step":1000000000000,')
    expect(all.text).toContain('"step":9007199254740994,')
  })
  test('an integer stays an integer and a float a float', async () => {
    const r = await api(base, 'get_metric_values', { project: 'image-classification', run: 'baseline', metric_name: 'epoch', step: 0 })
    expect(r.text).toMatch(/"value":0\}/)
    const lr = await api(base, 'get_metric_values', { project: 'image-classification', run: 'baseline', metric_name: 'lr', step: 0 })
    expect(lr.text).toMatch(/"value":0\.01\}/)
  })
})

describe('errors', () => {
  test('unknown tool is 404 Unknown API', async () => {
    const r = await api(base, 'no_such_tool')
    expect(r.status).toBe(404)
    expect(r.json).toEqual({ error: 'Unknown API: no_such_tool' })
  })
  test('GET on a tool is 405 with allow: POST', async () => {
    const r = await fetch(`${base}/api/get_all_projects`)
    expect(r.status).toBe(405)
    expect(r.headers.get('allow')).toBe('POST')
  })
  test('missing required argument uses Trackio wording', async () => {
    const r = await api(base, 'get_metric_values', { project: 'llm-finetune', metric_name: 'lr' })
    expect(r.status).toBe(400)
    expect(r.json).toEqual({ error: 'Missing required parameter: run' })
  })
  test('wrong types are 400 naming the field and the type', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['get_runs_for_project', { project: 5 }, /'project'.*string/],
      ['get_metric_values', { project: 'p', run: 'r', metric_name: 'm', around_step: 'x', window: 1 }, /'around_step'.*integer/],
      ['get_metrics_for_run', { project: 'p', run: ['a'] }, /'run'.*string/],
      ['get_logs', { project: 'p', run: 'r', scalar_only: 1 }, /scalar_only must be a boolean/],
      ['get_alerts', { project: 'p', level: { a: 1 } }, /'level'/],
    ]
    for (const [tool, body, re] of cases) {
      const r = await api(base, tool, body)
      expect(r.status).toBe(400)
      expect(r.json.error).toMatch(re)
    }
  })
  test('a body that is not JSON is 400', async () => {
    for (const body of ['{"project":', 'project=x', '{"a":nan}', '{"a":-NaN}', '{"a":Inf}']) {
      const r = await api(base, 'get_runs_for_project', body)
      expect(r.status).toBe(400)
      expect(r.json.error).toMatch(/not valid JSON/)
    }
  })
  test('an unknown argument is 400 naming it and the accepted ones', async () => {
    const r = await api(base, 'get_runs_for_project', { project: 'x', projet: 'y' })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain("'projet'")
    expect(r.json.error).toContain('accepted: project, hf_token, write_token')
  })
  test('an unparseable at_time is 400', async () => {
    const r = await api(base, 'get_snapshot', { project: 'llm-finetune', run: 'gpt2-small', at_time: 'yesterday', window: 5 })
    expect(r.status).toBe(400)
    expect(r.json.error).toContain('at_time')
  })
  test('unknown project or run gives the empty answers Trackio gives', async () => {
    const empty: [string, unknown, unknown][] = [
      ['get_runs_for_project', { project: 'nope' }, []],
      ['get_metrics_for_run', { project: 'nope', run: 'x' }, []],
      ['get_metric_values', { project: 'llm-finetune', run: 'nope', metric_name: 'lr' }, []],
      ['get_project_summary', { project: 'nope' }, { project: 'nope', num_runs: 0, runs: [], last_activity: null }],
      ['get_run_summary', { project: 'nope', run: 'r' }, { project: 'nope', run: 'r', run_id: null, num_logs: 0, metrics: [], config: null, last_step: null }],
      ['get_system_metrics_for_run', { project: 'llm-finetune', run: 'nope' }, []],
      ['get_system_logs', { project: 'nope' }, []],
      ['get_snapshot', { project: 'llm-finetune', run: 'nope', step: 1 }, {}],
      ['get_logs', { project: 'llm-finetune', run: 'nope' }, []],
      ['get_alerts', { project: 'llm-finetune', run: 'nope' }, []],
    ]
    for (const [tool, body, want] of empty) {
      const r = await api(base, tool, body)
      expect([tool, r.status, r.json.data]).toEqual([tool, 200, want])
    }
  })
})

describe('server routes', () => {
  test('GET /version', async () => {
    const r = await fetch(`${base}/version`)
    expect(await r.text()).toBe('{"version":"0.36.0","api_version":1,"api_transport":"http","mcp_enabled":false,"mcp_path":null}')
  })
  test('OpenAPI keeps Trackio\'s parameter order (every tool\'s entry: test/tools/registry.test.ts)', async () => {
    const doc: any = await (await fetch(`${base}/swagger/json`)).json()
    const mv = doc.paths['/api/get_metric_values'].post.requestBody.content['application/json'].schema
    expect(mv.required).toEqual(['project', 'run', 'metric_name'])
    // Trackio's parameters in Trackio's order; ours (max_points) after them.
    expect(Object.keys(mv.properties)).toEqual(['project', 'run', 'metric_name', 'step', 'around_step', 'at_time', 'window', 'run_id', 'max_points'])
  })
  test('Swagger UI and its assets are served from the binary', async () => {
    const html = await (await fetch(`${base}/swagger`)).text()
    expect(html).toContain('/swagger-assets/swagger-ui-bundle.js')
    expect(html).not.toContain('unpkg.com')
    expect(html).not.toContain('cdn.jsdelivr')
    const js = await fetch(`${base}/swagger-assets/swagger-ui-bundle.js`)
    expect(js.status).toBe(200)
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(500_000)
    const css = await fetch(`${base}/swagger-assets/swagger-ui.css`)
    expect(css.status).toBe(200)
  })
})
