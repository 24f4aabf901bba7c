/** The dashboard in a real headless Chromium: the Traces tab, the other tabs, every view in both themes (screenshots). */
import { describe, expect, test } from 'bun:test'
import { startServer, tempDir } from '../helpers'
import { chromium, server, browser, requests, open, shot, write, read, useDashboard } from './dashboard-harness'

/** Page-side callbacks run in the browser; the test itself is type-checked without the DOM library. */
declare const document: any
declare const location: any

describe.skipIf(!chromium)('dashboard views in headless Chromium', () => {
  useDashboard()

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
        await page.waitForNetworkIdle({ idleTime: 150 })
        if (name === 'traces') {
          // clicked in the page, in one step: a live refresh may redraw the list between finding a row and clicking it
          await page.$eval('tr.trace-row', (row) => (row as any).click())
          await page.waitForSelector('.trace-open .message')
          await page.waitForNetworkIdle({ idleTime: 150 })
        }
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
