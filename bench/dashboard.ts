/**
 * Dashboard benchmark: `bun bench/dashboard.ts` (needs Chromium at /usr/bin/chromium).
 * On a copy of the perf project (/work/shared/fixtures/large, else .bench-data written by bench/run.ts), with
 * the compiled binary, in headless Chromium with an empty cache for every sample:
 *  - time to first chart and bytes transferred until the page is idle, for the 21-run project and for the
 *    200,000-step run alone;
 *  - where the first chart's time goes: HTML and JS received, script start, the runs overview and the first
 *    series asked → answered, first chart drawn (the page's Performance API; TRACE=1 prints every request);
 *  - the page's JS and CSS size (raw and gzip);
 *  - live: 20 open dashboards (each in its own window) on a project a writer feeds at 100 rows/s: how far
 *    behind the page is and how the writer's request latency changes.
 * Prints Markdown tables. Options: --samples N (default 5), --live-seconds S (default 10).
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { writeBenchData } from './data'

/** Page-side callbacks run in the browser; this script is type-checked without the DOM library. */
declare const document: any

const ROOT = resolve(import.meta.dir, '..')
const BIN = join(ROOT, 'dist', 'trackio')
const SHARED = '/work/shared/fixtures/large'
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync)

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const SAMPLES = option('samples', 5)
const LIVE_SECONDS = option('live-seconds', 10)
const TOKEN = 'bench-dashboard-token'

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`

async function dataDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'trackio-bench-dash-'))
  if (existsSync(join(SHARED, 'perf.db'))) cpSync(join(SHARED, 'perf.db'), join(dir, 'perf.db'))
  else await writeBenchData(dir)
  return dir
}

async function startServer(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const b = Bun.spawn(['bun', 'build.ts'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
  if ((await b.exited) !== 0) throw new Error('build failed')
  const proc = Bun.spawn([BIN, 'show', '--port', '0'], { env: { PATH: process.env.PATH ?? '', TRACKIO_DIR: dir, TRACKIO_WRITE_TOKEN: TOKEN }, stdout: 'pipe', stderr: 'inherit' })
  const reader = proc.stdout.getReader()
  let out = ''
  let m: RegExpMatchArray | null = null
  while (!m) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`server exited: ${out}`)
    out += new TextDecoder().decode(value)
    m = out.match(/(?:running|launched) at: (http:\/\/[\d.]+:\d+)/)
  }
  ;(async () => {
    while (!(await reader.read()).done) {}
  })()
  return { url: m[1]!, stop: async () => void (proc.kill(), await proc.exited) }
}

/**
 * Load `path` in a fresh context (empty cache): time to the first chart and to every chart drawn (ms from
 * navigation), the number of charts, and bytes until idle.
 */
/** Where the first chart's time goes (ms from navigation start, as the page's Performance API saw it). */
interface Phases {
  html: number
  js: number
  start: number
  overviewStart: number
  overviewEnd: number
  historyStart: number
  historyEnd: number
  /** Each request: name start/sent/first byte/end (printed with TRACE=1). */
  requests: string[]
}

async function firstView(browser: Browser, base: string, path: string, expectSeries: number): Promise<{ ms: number; allMs: number; charts: number; bytes: number; requests: number; phases: Phases }> {
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  await page.setViewport({ width: 1280, height: 900 })
  const cdp = await page.createCDPSession()
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  let bytes = 0
  let requests = 0
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength
    requests++
  })
  await page.goto(base + path, { waitUntil: 'networkidle0' })
  await page.waitForFunction((n) => document.body.dataset.firstChart && document.querySelectorAll(`figure.chart[data-series="${n}"]`).length > 0, {}, expectSeries)
  const ms = Number(await page.evaluate(() => document.body.dataset.firstChart))
  await page.waitForFunction(() => document.body.dataset.allCharts)
  const allMs = Number(await page.evaluate(() => document.body.dataset.allCharts))
  const charts = Number(await page.evaluate(() => document.querySelectorAll('figure.chart canvas').length))
  const phases = (await page.evaluate(() => {
    const perf = (globalThis as any).performance
    const nav = perf.getEntriesByType('navigation')[0]
    const res = perf.getEntriesByType('resource') as { name: string; startTime: number; responseEnd: number }[]
    const first = (re: RegExp) => res.filter((r) => re.test(r.name)).sort((a, b) => a.responseEnd - b.responseEnd)[0]
    const js = first(/\/dashboard\/app\..*\.js$/)
    const start = perf.getEntriesByName('trackio-start')[0]
    const overview = first(/\/api\/get_runs_overview$/)
    const history = first(/\/api\/get_metric_history$/)
    return {
      html: nav?.responseEnd ?? NaN,
      js: js?.responseEnd ?? NaN,
      start: start?.startTime ?? NaN,
      overviewStart: overview?.startTime ?? NaN,
      overviewEnd: overview?.responseEnd ?? NaN,
      historyStart: history?.startTime ?? NaN,
      historyEnd: history?.responseEnd ?? NaN,
      requests: res.map((r: any) => `${r.name.replace(/^.*\//, '')} ${Math.round(r.startTime)}/${Math.round(r.requestStart)}/${Math.round(r.responseStart)}/${Math.round(r.responseEnd)}`),
    }
  })) as Phases
  await context.close()
  if (process.env.TRACE) console.log(phases.requests.join('\n'))
  return { ms, allMs, charts, bytes, requests, phases }
}

async function assetSizes(base: string): Promise<{ js: number; css: number; jsGz: number; cssGz: number; html: number }> {
  const html = await (await fetch(base + '/')).text()
  const js = await (await fetch(base + html.match(/src="([^"]+\.js)"/)![1]!)).arrayBuffer()
  const css = await (await fetch(base + html.match(/href="([^"]+\.css)"/)![1]!)).arrayBuffer()
  return { js: js.byteLength, css: css.byteLength, jsGz: Bun.gzipSync(new Uint8Array(js)).byteLength, cssGz: Bun.gzipSync(new Uint8Array(css)).byteLength, html: html.length }
}

/** A writer at 100 rows/s (10 rows every 100 ms) on `project`; returns its request latencies. */
function startWriter(base: string, project: string): { step: () => number; stop: () => Promise<number[]> } {
  let step = 0
  let running = true
  const latencies: number[] = []
  const loop = (async () => {
    let next = performance.now()
    while (running) {
      const logs = []
      for (let i = 0; i < 10; i++, step++) logs.push({ project, run: 'writer', run_id: 'writer', step, metrics: { 'live/value': step } })
      const t0 = performance.now()
      const r = await fetch(`${base}/api/bulk_log`, { method: 'POST', headers: { 'x-trackio-write-token': TOKEN }, body: JSON.stringify({ logs, hf_token: null }) })
      await r.arrayBuffer()
      latencies.push(performance.now() - t0)
      next += 100
      await Bun.sleep(Math.max(0, next - performance.now()))
    }
  })()
  return { step: () => step, stop: async () => ((running = false), await loop, latencies) }
}

async function liveScenario(browser: Browser, base: string, dashboards: number): Promise<{ writerP50: number; writerP95: number; lagMedian: number | null; lagMax: number | null }> {
  const project = `live-${dashboards}`
  const writer = startWriter(base, project)
  await Bun.sleep(1500)
  const pages: Page[] = []
  // Each dashboard in its own window (browser context): a background tab is hidden and does not poll.
  for (let i = 0; i < dashboards; i++) {
    const p = await (await browser.createBrowserContext()).newPage()
    await p.setViewport({ width: 1000, height: 700 })
    await p.goto(`${base}/?project=${project}`, { waitUntil: 'domcontentloaded' })
    pages.push(p)
  }
  const lags: number[] = []
  if (pages.length) {
    await pages[0]!.waitForSelector('figure.chart[data-metric="live/value"] .legend li[data-last]')
    await Bun.sleep(2000)
    const end = Date.now() + LIVE_SECONDS * 1000
    while (Date.now() < end) {
      const written = writer.step() - 1
      const shown = Number(await pages[0]!.$eval('figure.chart[data-metric="live/value"] .legend li', (li: any) => li.dataset.last))
      lags.push((written - shown) / 100)
      await Bun.sleep(250)
    }
  } else await Bun.sleep(LIVE_SECONDS * 1000)
  const lat = await writer.stop()
  for (const p of pages) await p.browserContext().close()
  return { writerP50: median(lat), writerP95: pct(lat, 95), lagMedian: lags.length ? median(lags) : null, lagMax: lags.length ? Math.max(...lags) : null }
}

async function main(): Promise<void> {
  if (!CHROMIUM) {
    console.log('bench/dashboard.ts: no Chromium installed (Debian: apt-get install chromium); nothing measured.')
    return
  }
  const dir = await dataDir()
  const server = await startServer(dir)
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] })
  try {
    const answer = (await (await fetch(`${server.url}/api/get_runs_for_project`, { method: 'POST', body: '{"project":"perf"}' })).json()) as { data: { id: string; name: string }[] }
    const runs = answer.data
    const long = runs.find((r) => r.name === 'long-run')!
    const scenarios = [
      { name: `perf, all ${runs.length} runs`, path: '/?project=perf', series: runs.length },
      { name: 'perf, long-run alone (200,000 steps)', path: `/?project=perf&runs=${long.id}`, series: 1 },
    ]
    const sizes = await assetSizes(server.url)
    console.log(`\nDashboard bench (${SAMPLES} samples each, empty cache, headless Chromium, median)\n`)
    console.log('| first view | time to first chart | time to all charts (charts) | bytes transferred | requests |')
    console.log('|---|---:|---:|---:|---:|')
    const breakdown: { name: string; got: Awaited<ReturnType<typeof firstView>>[] }[] = []
    for (const s of scenarios) {
      await firstView(browser, server.url, s.path, s.series) // warm the server's caches once
      const got = []
      for (let i = 0; i < SAMPLES; i++) got.push(await firstView(browser, server.url, s.path, s.series))
      console.log(`| ${s.name} | ${median(got.map((g) => g.ms)).toFixed(0)} ms | ${median(got.map((g) => g.allMs)).toFixed(0)} ms (${got[0]!.charts}) | ${kb(median(got.map((g) => g.bytes)))} | ${median(got.map((g) => g.requests))} |`)
      breakdown.push({ name: s.name, got })
    }
    console.log('\nFirst chart, where the time goes (median ms from navigation start)\n')
    console.log('| first view | HTML received | JS received | script starts | overview asked → answered | first history asked → answered | first chart drawn |')
    console.log('|---|---:|---:|---:|---:|---:|---:|')
    for (const { name, got } of breakdown) {
      const m = (k: Exclude<keyof Phases, 'requests'>) => median(got.map((g) => g.phases[k])).toFixed(0)
      console.log(`| ${name} | ${m('html')} | ${m('js')} | ${m('start')} | ${m('overviewStart')} → ${m('overviewEnd')} | ${m('historyStart')} → ${m('historyEnd')} | ${median(got.map((g) => g.ms)).toFixed(0)} |`)
    }
    console.log(`\n| page asset | raw | gzip |\n|---|---:|---:|`)
    console.log(`| JS (uPlot included) | ${kb(sizes.js)} | ${kb(sizes.jsGz)} |`)
    console.log(`| CSS | ${kb(sizes.css)} | ${kb(sizes.cssGz)} |`)
    console.log(`| HTML | ${kb(sizes.html)} | |`)
    console.log(`\nLive: a writer logs 100 rows/s (10 per request) for ${LIVE_SECONDS} s; dashboards each in their own window\n`)
    console.log('| open dashboards | writer bulk_log p50 | writer p95 | page behind the writer (median / max) |')
    console.log('|---:|---:|---:|---:|')
    for (const n of [0, 20]) {
      const r = await liveScenario(browser, server.url, n)
      const lag = r.lagMedian === null ? '—' : `${r.lagMedian.toFixed(2)} s / ${r.lagMax!.toFixed(2)} s`
      console.log(`| ${n} | ${r.writerP50.toFixed(1)} ms | ${r.writerP95.toFixed(1)} ms | ${lag} |`)
    }
  } finally {
    await browser.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
