/** The dashboard in a real headless Chromium: loading, runs, charts, zoom, deep links, live updates, writes. */
import { describe, expect, test } from 'bun:test'
import { dashboardPath } from '../../src/tools/plot-metrics'
import { chromium, server, browser, requests, open, shot, write, read, LONG_STEPS, useDashboard } from './dashboard-harness'

/** Page-side callbacks run in the browser; the test itself is type-checked without the DOM library. */
declare const document: any
declare const location: any

describe.skipIf(!chromium)('dashboard in headless Chromium', () => {
  useDashboard()

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

  test('a link to a project asks for its runs and charts once each, the runs before the page script runs', async () => {
    requests.length = 0
    const page = await open('/?project=image-classification')
    await page.waitForFunction(() => document.body.dataset.allCharts)
    const api = requests.filter((r) => r.url.includes('/api/'))
    expect(api.filter((r) => r.url.endsWith('/api/get_runs_overview'))).toHaveLength(1)
    // Six metrics, one request each: the requests asked early are taken by the page, never asked again.
    const history = api.filter((r) => r.url.endsWith('/api/get_metric_history')).map((r) => r.body)
    expect(history.length).toBe(6)
    expect(new Set(history).size).toBe(history.length)
    const timing = await page.evaluate(() => {
      const perf = (globalThis as any).performance
      const overview = perf.getEntriesByType('resource').find((e: any) => e.name.endsWith('/api/get_runs_overview'))
      return { asked: overview.startTime, start: perf.getEntriesByName('trackio-start')[0].startTime }
    })
    expect(timing.asked).toBeLessThan(timing.start)
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

  test('the runs table shows final metrics of runs that are not selected (no chart data loaded for them)', async () => {
    const runs = (await read('get_runs_for_project', { project: 'llm-finetune' })) as { id: string; name: string }[]
    const only = runs[0]!
    requests.length = 0
    const page = await open(`/?project=llm-finetune&tab=runs&runs=${only.id}`)
    await page.waitForSelector('tr[data-run]')
    const history = requests.filter((r) => r.url.endsWith('/api/get_metric_history')).map((r) => JSON.parse(r.body!))
    expect(history.length).toBeGreaterThan(0)
    for (const q of history) for (const r of runs.slice(1)) expect(JSON.stringify(q)).not.toContain(r.id)
    const header = await page.$$eval('.runs-table thead th', (th) => th.map((x) => x.textContent!.replace(/ [▲▼]$/, '')))
    const col = header.indexOf('train/loss')
    expect(col).toBeGreaterThan(0)
    for (const r of runs.slice(1)) {
      const points = (await read('get_metric_values', { project: 'llm-finetune', run: r.name, run_id: r.id, metric_name: 'train/loss' })) as { step: number; value: number }[]
      const last = points.reduce((a, b) => (b.step >= a.step ? b : a))
      const cell = await page.$eval(`.runs-table tr[data-run="${r.id}"]`, (tr, i) => (tr as any).children[i].textContent, col)
      expect(Number(cell)).toBe(Number(last.value.toPrecision(5)))
    }
    // Sorting by that column orders every run by its final value.
    await page.$$eval('.runs-table thead th button', (b, i) => (b as any[]).find((x) => x.textContent === 'train/loss').click(), col)
    const sorted = await page.$$eval('.runs-table tbody tr', (tr, i) => tr.map((x) => Number((x as any).children[i].textContent)), col)
    expect(sorted).toEqual([...sorted].sort((a, b) => a - b))
    expect(sorted).toHaveLength(runs.length)
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
})
