/**
 * The dashboard in a real headless Chromium (Debian's package) driven by puppeteer-core, against the compiled
 * binary. One browser and one server for the file. Screenshots of the main views go to
 * $TRACKIO_SCREENSHOTS (default: <tmp>/trackio-dashboard-screenshots); they are not committed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { dashboardPath } from '../../src/tools/plot-metrics'
import { api, copyFixtures, startServer, tempDir, type Server } from '../helpers'

/** Page-side callbacks run in the browser; the test itself is type-checked without the DOM library. */
declare const document: any
declare const location: any

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync) ?? Bun.which('chromium') ?? null
if (!chromium) console.warn('test/web/dashboard.test.ts: skipped, no Chromium installed (Debian: apt-get install chromium)')

const SHOTS = process.env.TRACKIO_SCREENSHOTS ?? join(tmpdir(), 'trackio-dashboard-screenshots')
const LONG_STEPS = 10_000
const SPIKE_STEP = 7777

let server: Server
let browser: Browser
/** Every request any page made: url and POST body. */
const requests: { url: string; body: string | undefined }[] = []

async function open(path: string, context?: Awaited<ReturnType<Browser['createBrowserContext']>>): Promise<Page> {
  const page = await (context ?? browser).newPage()
  await page.setViewport({ width: 1280, height: 860 })
  page.on('request', (r) => requests.push({ url: r.url(), body: r.postData() }))
  page.on('pageerror', (e) => console.error('page error:', e))
  await page.goto(server.url + path, { waitUntil: 'networkidle0' })
  return page
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) as `${string}.png` })
const write = (tool: string, body: unknown) => api(server.url, tool, body, { 'x-trackio-write-token': server.token })
const read = async (tool: string, body: unknown) => (await api(server.url, tool, body)).json.data

describe.skipIf(!chromium)('dashboard in headless Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    // Chromium starts while the server starts and takes the long run.
    const launched = puppeteer.launch({
      executablePath: chromium!,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
    launched.catch(() => {}) // awaited (and thrown) below, after the server
    server = await startServer(copyFixtures('basic', 'edge'))
    // A long run with one spike: the overview is downsampled, a zoomed range must come back finer.
    for (let start = 0; start < LONG_STEPS; start += 5000) {
      const logs = []
      for (let s = start; s < start + 5000; s++)
        logs.push({ project: 'long', run: 'long-run', step: s, metrics: { 'long/value': s === SPIKE_STEP ? 100 : Math.sin(s / 300) } })
      expect((await write('bulk_log', { logs, hf_token: null })).status).toBe(200)
    }
    // A chat project with traces (two runs; tool calls, a long answer, metadata) written through our own API.
    const chat = (step: number, i: number) => ({
      _type: 'trackio.trace',
      messages: [
        { role: 'system', content: 'You are a careful assistant.' },
        { role: 'user', content: `Question ${step}.${i}: what is ${step} + ${i}?` },
        { role: 'assistant', content: null, tool_calls: [{ id: `call_${step}_${i}`, type: 'function', function: { name: 'add', arguments: JSON.stringify({ a: step, b: i }) } }] },
        { role: 'tool', tool_call_id: `call_${step}_${i}`, content: String(step + i) },
        { role: 'assistant', content: `The answer is ${step + i}.` + (i === 2 ? ' '.repeat(10) + 'Details. '.repeat(80) : '') },
      ],
      metadata: { model: 'toy-1', latency_ms: 10 + step, temperature: 0.2 },
    })
    for (const run of ['agent-a', 'agent-b']) {
      const logs = []
      for (let step = 0; step < 3; step++) logs.push({ project: 'chat', run, step, metrics: { reward: step / 10, conv: run === 'agent-a' ? [chat(step, 1), chat(step, 2)] : chat(step, 3) } })
      expect((await write('bulk_log', { logs, hf_token: null })).status).toBe(200)
    }
    browser = await launched
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('the page loads with no request leaving the server, and offers the projects', async () => {
    requests.length = 0
    const page = await open('/')
    await page.waitForSelector('#project option[value="llm-finetune"]')
    const offered = await page.$$eval('#project option:not([disabled])', (o) => o.map((x) => (x as any).value))
    expect(offered).toEqual(await read('get_all_projects', {}))
    expect(await page.$eval('footer', (f) => f.textContent)).toContain('/swagger')
    await shot(page, 'projects')
    const foreign = requests.filter((r) => !r.url.startsWith(server.url + '/') && !r.url.startsWith('data:'))
    expect(foreign).toEqual([])
    expect(requests.length).toBeGreaterThan(3)
    await page.close()
  })

  test('picking a project shows its runs (one request for all of them, none per run)', async () => {
    requests.length = 0
    const page = await open('/')
    await page.waitForSelector('#project option[value="image-classification"]')
    await page.select('#project', 'image-classification')
    await page.waitForFunction(() => document.querySelectorAll('.run-list li').length === 3)
    const names = await page.$$eval('.run-list li .name', (l) => l.map((x) => x.textContent))
    const runs = (await read('get_runs_for_project', { project: 'image-classification' })) as { name: string }[]
    expect(names).toEqual(runs.map((r) => r.name))
    expect(new URL(page.url()).searchParams.get('project')).toBe('image-classification')
    await page.waitForSelector('figure.chart canvas')
    const tools = requests.map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/api/'))
    expect(tools.filter((t) => t === '/api/get_runs_overview')).toHaveLength(1)
    expect(tools.filter((t) => t === '/api/get_run_summary' || t === '/api/get_runs_for_project')).toEqual([])
    // Charts by step ask for steps and values only: no timestamps.
    const history = requests.filter((r) => r.url.endsWith('/api/get_metric_history')).map((r) => JSON.parse(r.body!))
    expect(history.length).toBeGreaterThan(0)
    for (const q of history) expect(q.timestamps).toBe(false)
    await page.close()
  })

  test('nested metric dicts are charted as a/b names in their own section, with the logged values', async () => {
    const page = await open('/?project=image-classification')
    const chart = 'figure.chart[data-metric="val/loss"]'
    await page.waitForSelector(`${chart}[data-series="3"]`)
    const sections = await page.$$eval('.section > summary', (s) => s.map((x) => x.firstChild?.textContent))
    expect(sections).toEqual(['Charts', 'val'])
    expect(await page.$$eval('.section:last-child figure.chart', (c) => c.map((x) => (x as any).dataset.metric))).toEqual(['val/acc', 'val/loss'])
    const runs = (await read('get_runs_for_project', { project: 'image-classification' })) as { id: string; name: string }[]
    for (const r of runs) {
      const logs = (await read('get_logs', { project: 'image-classification', run: r.name, run_id: r.id })) as any[]
      const last = logs.filter((l) => typeof l.val?.loss === 'number').reduce((a, b) => (b.step >= a.step ? b : a))
      expect(Number(await page.$eval(`${chart} .legend li[data-run="${r.id}"]`, (li) => (li as any).dataset.last))).toBe(last.val.loss)
    }
    await page.$eval('.section:last-child', (s) => s.scrollIntoView())
    await shot(page, 'nested')
    await page.close()
  })

  test('the Traces tab: only where a project has traces; search, open a conversation, the step filter', async () => {
    const plain = await open('/?project=llm-finetune')
    await plain.waitForSelector('#tab-metrics')
    await plain.waitForFunction(() => document.querySelector('#tab-system'))
    await new Promise((r) => setTimeout(r, 300))
    expect(await plain.$('#tab-traces')).toBeNull()
    await plain.close()

    const page = await open('/?project=chat')
    await page.waitForSelector('#tab-traces')
    await page.click('#tab-traces')
    await page.waitForSelector('[data-panel="traces"] tr.trace-row')
    // 3 steps x (2 traces in agent-a + 1 in agent-b).
    expect(await page.$$eval('tr.trace-row', (r) => r.length)).toBe(9)
    expect(await page.$eval('[data-panel="traces"] .count', (c) => c.textContent)).toBe('9 traces')
    const first = await page.$eval('tr.trace-row', (r) => r.textContent)
    expect(first).toMatch(/Question \d\.\d: what is \d \+ \d\?/)
    expect(first).toContain('The answer is')
    await page.click('tr.trace-row')
    await page.waitForSelector('.trace-open .message[data-role="tool"]')
    const roles = await page.$$eval('.trace-open .message', (m) => m.map((x) => (x as any).dataset.role))
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'assistant'])
    expect(await page.$eval('.trace-open .tool-block', (b) => b.textContent)).toMatch(/^add\(\{\s+"a": \d,\s+"b": \d\s+\}\)$/)
    expect(await page.$eval('.trace-open .trace-meta', (m) => m.textContent)).toContain('toy-1')
    await shot(page, 'traces')
    // Search goes to the server (get_traces' search); the step filter too.
    const before = requests.length
    await page.type('input[aria-label="Search traces"]', 'question 1.2')
    await page.waitForFunction(() => document.querySelectorAll('tr.trace-row').length === 1)
    expect(await page.$eval('[data-panel="traces"] .count', (c) => c.textContent)).toBe('1 matching')
    expect(requests.slice(before).some((r) => r.url.endsWith('/api/get_traces') && JSON.parse(r.body!).search === 'question 1.2')).toBe(true)
    await page.$eval('input[aria-label="Search traces"]', (i: any) => (i.value = ''))
    await page.type('input[aria-label="Search traces"]', ' ')
    await page.waitForFunction(() => document.querySelectorAll('tr.trace-row').length === 9)
    await page.select('select[aria-label="Step"]', '1')
    await page.waitForFunction(() => document.querySelectorAll('tr.trace-row').length === 3)
    expect(await page.$$eval('tr.trace-row td:nth-child(4)', (c) => c.map((x) => x.textContent))).toEqual(['1', '1', '1'])
    // A trace logged while the tab is open appears live.
    await page.select('select[aria-label="Step"]', '')
    await page.waitForFunction(() => document.querySelectorAll('tr.trace-row').length === 9)
    expect((await write('bulk_log', { logs: [{ project: 'chat', run: 'agent-b', step: 3, metrics: { conv: { _type: 'trackio.trace', messages: [{ role: 'user', content: 'late question' }] } } }], hf_token: null })).status).toBe(200)
    await page.waitForFunction(() => [...document.querySelectorAll('tr.trace-row')].some((r) => r.textContent?.includes('late question')), { timeout: 10_000 })
    await page.close()

    // A trace logged by Trackio itself (the media-project fixture).
    const fixture = await open('/?project=media-project&tab=traces')
    await fixture.waitForSelector('tr.trace-row')
    expect(await fixture.$eval('tr.trace-row', (r) => r.textContent)).toContain('What is 2+2?')
    await fixture.close()
  })

  test('a chart draws one series per selected run with the right last values', async () => {
    const page = await open('/?project=llm-finetune')
    const chart = 'figure.chart[data-metric="train/loss"]'
    await page.waitForSelector(`${chart}[data-series="3"]`)
    await page.waitForSelector(`${chart} canvas`)
    const runs = (await read('get_runs_for_project', { project: 'llm-finetune' })) as { id: string; name: string }[]
    for (const r of runs) {
      const points = (await read('get_metric_values', { project: 'llm-finetune', run: r.name, run_id: r.id, metric_name: 'train/loss' })) as { step: number; value: number }[]
      const last = points.reduce((a, b) => (b.step >= a.step ? b : a))
      const shown = await page.$eval(`${chart} .legend li[data-run="${r.id}"]`, (li) => (li as any).dataset.last)
      expect(Number(shown)).toBe(last.value)
    }
    const sections = await page.$$eval('.section > summary', (s) => s.map((x) => x.firstChild?.textContent))
    expect(sections).toEqual(['Charts', 'train'])
    await shot(page, 'metrics')
    // Untick a run: its series leaves every chart.
    await page.click(`.run-list li[data-run="${runs[0]!.id}"] input`)
    await page.waitForSelector(`${chart}[data-series="2"]`)
    expect(new URL(page.url()).searchParams.get('runs')).toBe(runs.slice(1).map((r) => r.id).join(','))
    await page.close()
  })

  test('a wall-time x axis reads the series again, this time with timestamps', async () => {
    const page = await open('/?project=llm-finetune')
    const chart = 'figure.chart[data-metric="train/loss"]'
    await page.waitForSelector(`${chart}[data-series="3"]`)
    const stepMax = Number(await page.$eval(chart, (f) => (f as any).dataset.xmax))
    expect(stepMax).toBeLessThan(1000)
    const before = requests.length
    await page.select('select[aria-label="X axis"]', 'time')
    // Seconds since the epoch on the x axis once the timed series arrive.
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.xmax) > 1e9, {}, chart)
    const asked = requests.slice(before).filter((r) => r.url.endsWith('/api/get_metric_history')).map((r) => JSON.parse(r.body!))
    expect(asked.length).toBeGreaterThan(0)
    for (const q of asked) expect(q.timestamps).toBe(true)
    expect(new URL(page.url()).searchParams.get('x')).toBe('time')
    await page.close()
  })

  test('zooming asks the server for a finer view of the visible range, and the spike stays visible', async () => {
    const page = await open('/?project=long')
    const chart = 'figure.chart[data-metric="long/value"]'
    await page.waitForSelector(`${chart}[data-series="1"]`)
    const overview = Number(await page.$eval(chart, (f) => (f as any).dataset.points))
    expect(overview).toBeLessThan(LONG_STEPS)
    expect(Number(await page.$eval(chart, (f) => (f as any).dataset.ymax))).toBe(100)
    // Drag across about 76%..80% of the plot (steps ~7600..8000).
    const box = (await (await page.$(`${chart} .u-over`))!.boundingBox())!
    const y = box.y + box.height / 2
    const before = requests.length
    await page.mouse.move(box.x + box.width * 0.76, y)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.78, y, { steps: 4 })
    await page.mouse.move(box.x + box.width * 0.8, y, { steps: 4 })
    await page.mouse.up()
    await page.waitForSelector('#view[data-refined]')
    const range = new URL(page.url()).searchParams.get('range')!.split(',').map(Number)
    expect(range[0]).toBeGreaterThan(7000)
    expect(range[1]).toBeLessThan(8500)
    const asked = requests.slice(before).filter((r) => /get_metric_history|get_snapshot/.test(r.url)).map((r) => JSON.parse(r.body!))
    expect(asked.length).toBeGreaterThan(0)
    const q = asked[asked.length - 1]
    const [lo, hi] = 'min_step' in q ? [q.min_step, q.max_step] : [q.around_step - q.window, q.around_step + q.window]
    expect(lo).toBeGreaterThanOrEqual(Math.floor(range[0]!) - 1)
    expect(hi).toBeLessThanOrEqual(Math.ceil(range[1]!) + 1)
    await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.xmin) >= 7000, {}, chart)
    const fine = await page.$eval(chart, (f) => ({ ...(f as any).dataset }))
    const overviewInRange = (overview * (range[1]! - range[0]!)) / LONG_STEPS
    expect(Number(fine.points)).toBeGreaterThan(3 * overviewInRange)
    expect(Number(fine.ymax)).toBe(100)
    await shot(page, 'zoomed')
    // From the keyboard: a focused chart zooms out with − and resets with 0.
    await page.focus(chart)
    await page.keyboard.press('-')
    await page.waitForFunction((w) => {
      const r = new URL(location.href).searchParams.get('range')?.split(',').map(Number)
      return r && r[1]! - r[0]! > w
    }, {}, range[1]! - range[0]! + 1)
    await page.keyboard.press('0')
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('range'))
    // The same view from a deep link.
    const linked = await open(`/?project=long&metric=long/value&range=${range.join(',')}`)
    await linked.waitForSelector('#view[data-refined]')
    expect(await linked.$$eval('figure.chart', (c) => c.length)).toBe(1)
    expect(Number(await linked.$eval(chart, (f) => (f as any).dataset.xmin))).toBeGreaterThanOrEqual(range[0]! - 1)
    await linked.close()
    await page.close()
  })

  test("plot_metrics' dashboard_path opens the same view: those runs and metrics, the step range, log scale", async () => {
    const path = dashboardPath('llm-finetune', ['gpt2-small', 'gpt2-medium'], ['train/loss'], { minStep: 10, maxStep: null, logY: true, smoothing: 0 })
    const page = await open(path)
    const chart = 'figure.chart[data-metric="train/loss"]'
    await page.waitForSelector(`${chart}[data-series="2"]`)
    expect(await page.$$eval('figure.chart', (c) => c.length)).toBe(1)
    expect(await page.$eval('input[aria-label="Log scale"]', (i: any) => i.checked)).toBe(true)
    await page.waitForFunction(() => new URL(location.href).searchParams.has('range'))
    const range = new URL(page.url()).searchParams.get('range')!.split(',').map(Number)
    const last = ((await read('get_run_summary', { project: 'llm-finetune', run: 'gpt2-medium' })) as { last_step: number }).last_step
    expect(range).toEqual([10, last])
    await page.close()
  })

  test('a write made while the page is open appears live, read incrementally (steps after the last one only)', async () => {
    const page = await open('/?project=llm-finetune')
    const chart = 'figure.chart[data-metric="train/loss"]'
    await page.waitForSelector(`${chart}[data-series="3"]`)
    const runs = (await read('get_runs_for_project', { project: 'llm-finetune' })) as { id: string; name: string }[]
    const target = runs[1]!
    const summary = await read('get_run_summary', { project: 'llm-finetune', run: target.name, run_id: target.id })
    const before = requests.length
    expect((await write('bulk_log', { logs: [{ project: 'llm-finetune', run: target.name, run_id: target.id, step: summary.last_step + 1, metrics: { 'train/loss': 0.0123 } }], hf_token: null })).status).toBe(200)
    expect((await write('log_alert', { project: 'llm-finetune', run: target.name, title: 'loss dropped', text: 'below 0.1', level: 'warn', step: summary.last_step + 1 })).status).toBe(200)
    const t0 = Date.now()
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.last === '0.0123', { timeout: 10_000 }, `${chart} .legend li[data-run="${target.id}"]`)
    const ms = Date.now() - t0
    await page.waitForFunction(() => [...document.querySelectorAll('.toast')].some((t) => t.textContent?.includes('loss dropped')), { timeout: 10_000 })
    console.log(`live: new point shown ${ms} ms after the write`)
    const reads = requests.slice(before).filter((r) => /get_metric_history|get_snapshot|get_logs/.test(r.url))
    expect(reads.length).toBeGreaterThan(0)
    for (const r of reads) {
      expect(r.url).not.toContain('get_logs')
      const q = JSON.parse(r.body!)
      if (r.url.includes('get_metric_history')) expect(q.min_step).toBeGreaterThan(0)
      else expect(q.around_step - q.window).toBeGreaterThan(0)
    }
    await page.close()
  })

  test('rename and delete work with the write cookie (with confirmation); the token leaves the address bar', async () => {
    const context = await browser.createBrowserContext()
    const page = await open(`/?write_token=${server.token}&project=image-classification&tab=runs`, context)
    expect(page.url()).not.toContain('write_token')
    expect(new URL(page.url()).searchParams.get('project')).toBe('image-classification')
    const cookie = (await context.cookies()).find((c) => c.name === 'trackio_write_token')!
    expect(cookie.httpOnly).toBe(true)
    expect(cookie.sameSite).toBe('Strict')
    expect(await page.$eval('.access', (b) => b.textContent)).toBe('Write access')
    const runs = (await read('get_runs_for_project', { project: 'image-classification' })) as { id: string; name: string }[]
    const victim = runs.find((r) => r.name === 'small-batch')!
    await page.waitForSelector(`tr[data-run="${victim.id}"] button.rename:not([disabled])`)
    await shot(page, 'runs')
    await page.click(`tr[data-run="${victim.id}"] button.rename`)
    await page.waitForSelector('dialog[open] input')
    await page.$eval('dialog[open] input', (i) => ((i as any).value = ''))
    await page.type('dialog[open] input', 'small-batch-v2')
    await page.click('dialog[open] button[type="submit"]')
    await page.waitForFunction((id) => document.querySelector(`tr[data-run="${id}"] .run-name`)?.textContent?.startsWith('small-batch-v2'), {}, victim.id)
    const after = (await read('get_runs_for_project', { project: 'image-classification' })) as { id: string; name: string }[]
    expect(after.find((r) => r.id === victim.id)!.name).toBe('small-batch-v2')

    const doomed = runs.find((r) => r.name === 'high-lr')!
    await page.click(`tr[data-run="${doomed.id}"] button.delete`)
    await page.waitForSelector('dialog[open]')
    await shot(page, 'delete-confirm')
    await page.click('dialog[open] button[value="cancel"]')
    await page.waitForFunction(() => !document.querySelector('dialog'))
    expect(((await read('get_runs_for_project', { project: 'image-classification' })) as { id: string }[]).some((r) => r.id === doomed.id)).toBe(true)
    await page.click(`tr[data-run="${doomed.id}"] button.delete`)
    await page.waitForSelector('dialog[open]')
    await page.click('dialog[open] button[type="submit"]')
    await page.waitForFunction((id) => !document.querySelector(`tr[data-run="${id}"]`), {}, doomed.id)
    expect(((await read('get_runs_for_project', { project: 'image-classification' })) as { id: string }[]).some((r) => r.id === doomed.id)).toBe(false)
    await context.close()
  })

  test('without the token the page is read-only and says so, and a rename is refused', async () => {
    const context = await browser.createBrowserContext()
    const page = await open('/?project=image-classification&tab=runs', context)
    expect(await page.$eval('.access', (b) => b.textContent)).toBe('Read-only')
    await page.waitForSelector('tr[data-run] button.rename')
    expect(await page.$$eval('tr[data-run] button.rename', (b) => b.every((x) => (x as any).disabled))).toBe(true)
    const name = ((await read('get_runs_for_project', { project: 'image-classification' })) as { name: string }[])[0]!.name
    const status = await page.evaluate(async (n) => {
      const r = await fetch('/api/rename_run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ project: 'image-classification', old_name: n, new_name: 'hijacked' }) })
      return r.status
    }, name)
    expect(status).toBe(401)
    expect(((await read('get_runs_for_project', { project: 'image-classification' })) as { name: string }[]).map((r) => r.name)).not.toContain('hijacked')
    // A wrong token in the link: no cookie, a banner saying so.
    const wrong = await open('/?write_token=not-the-token&project=image-classification', context)
    expect(await wrong.$eval('.banner', (b) => b.textContent)).toContain('not accepted')
    expect((await context.cookies()).some((c) => c.name === 'trackio_write_token')).toBe(false)
    await context.close()
  })

  test('the other tabs: media through /file, tables, histograms, reports with alerts, config tree, system metrics', async () => {
    const page = await open('/?project=media-project&tab=media')
    await page.waitForSelector('[data-panel="media"] img')
    const src = await page.$eval('[data-panel="media"] img', (i) => i.getAttribute('src'))
    expect(src).toStartWith('/file?path=')
    await shot(page, 'media')
    await page.click('#tab-tables')
    await page.waitForSelector('[data-panel="tables"] tbody tr')
    expect(await page.$$eval('[data-panel="tables"] tbody tr', (r) => r.length)).toBe(2)
    await page.click('#tab-histograms')
    await page.waitForSelector('[data-panel="histograms"] svg rect')
    expect(await page.$$eval('[data-panel="histograms"] svg rect', (r) => r.length)).toBe(10)
    await shot(page, 'histograms')
    await page.click('#tab-reports')
    await page.waitForSelector('[data-panel="reports"] .markdown h3')
    expect(await page.$eval('[data-panel="reports"] .markdown h3', (x) => x.textContent)).toBe('Title')
    await page.click('#tab-config')
    await page.waitForSelector('.config .tree')
    expect(await page.$eval('.config', (c) => c.textContent)).toContain('kind')
    await page.close()

    const reports = await open('/?project=llm-finetune&tab=reports')
    await reports.waitForSelector('.alerts li')
    const alerts = (await read('get_alerts', { project: 'llm-finetune' })) as { run: string }[]
    const firstRun = await reports.$eval('.toolbar select option:checked', (o) => o.textContent)
    expect(await reports.$$eval('.alerts li', (l) => l.length)).toBe(alerts.filter((a) => firstRun?.startsWith(a.run + ' ') || firstRun === a.run).length)
    await shot(reports, 'reports')
    await reports.click('#tab-system')
    await reports.waitForSelector('.chart-grid.system figure.chart canvas')
    await shot(reports, 'system')
    await reports.close()
  })

  test('every main view in the light and the dark theme (screenshots)', async () => {
    const views: [string, string, string][] = [
      ['metrics', '/?project=llm-finetune', 'figure.chart canvas'],
      ['system', '/?project=llm-finetune&tab=system', '.chart-grid.system figure.chart canvas'],
      ['media', '/?project=media-project&tab=media', '[data-panel="media"] img'],
      ['tables', '/?project=media-project&tab=tables', '[data-panel="tables"] tbody tr'],
      ['histograms', '/?project=media-project&tab=histograms', '[data-panel="histograms"] svg rect'],
      ['reports', '/?project=llm-finetune&tab=reports', '.alerts li'],
      ['traces', '/?project=chat&tab=traces', 'tr.trace-row'],
      ['runs', '/?project=image-classification&tab=runs', 'tr[data-run]'],
      ['config', '/?project=image-classification&tab=config', '.config .tree'],
    ]
    // One page per theme, navigated view after view; the network need only be quiet briefly before a shot.
    for (const theme of ['light', 'dark']) {
      const context = await browser.createBrowserContext()
      const page = await context.newPage()
      await page.setViewport({ width: 1280, height: 860 })
      await page.evaluateOnNewDocument((t) => (globalThis as any).localStorage.setItem('trackio-theme', t), theme)
      for (const [name, path, ready] of views) {
        await page.goto(server.url + path, { waitUntil: 'domcontentloaded' })
        await page.waitForSelector(ready)
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme)
        if (name === 'traces') {
          await page.click('tr.trace-row')
          await page.waitForSelector('.trace-open .message')
        }
        await page.waitForNetworkIdle({ idleTime: 150 })
        await shot(page, `${name}-${theme}`)
      }
      await context.close()
    }
  })

  test('dark theme and a narrow screen', async () => {
    const page = await open('/?project=llm-finetune')
    await page.waitForSelector('figure.chart canvas')
    await page.click('button.theme')
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    await page.waitForSelector('figure.chart canvas')
    await shot(page, 'metrics-dark')
    await page.setViewport({ width: 390, height: 844 })
    await new Promise((r) => setTimeout(r, 300))
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number
    expect(overflow).toBeLessThanOrEqual(0)
    await shot(page, 'mobile')
    await page.close()
  })

  test('an empty data directory shows how to log a first project', async () => {
    const empty = await startServer(tempDir())
    try {
      const page = await browser.newPage()
      await page.goto(empty.url + '/', { waitUntil: 'networkidle0' })
      await page.waitForSelector('.empty-state h2')
      expect(await page.$eval('.empty-state h2', (x) => x.textContent)).toBe('No projects yet')
      expect(await page.$eval('.empty-state', (x) => x.textContent)).toContain('trackio.init')
      await shot(page, 'empty')
      await page.close()
    } finally {
      await empty.stop()
    }
  })
})
