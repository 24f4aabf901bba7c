/**
 * The dashboard tests' shared harness: one headless Chromium (Debian's package, driven by puppeteer-core) and one
 * compiled-binary server per test file, on copies of the fixtures plus a long run with a spike and a chat project
 * with traces. Screenshots go to $TRACKIO_SCREENSHOTS (default: <tmp>/trackio-dashboard-screenshots), not committed.
 */
import { afterAll, beforeAll, expect } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { api, copyFixtures, startServer, type Server } from '../helpers'


export const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync) ?? Bun.which('chromium') ?? null
if (!chromium) console.warn('test/web: the dashboard tests are skipped, no Chromium installed (Debian: apt-get install chromium)')

export const SHOTS = process.env.TRACKIO_SCREENSHOTS ?? join(tmpdir(), 'trackio-dashboard-screenshots')
export const LONG_STEPS = 10_000
export const SPIKE_STEP = 7777

export let server: Server
export let browser: Browser
/** Every request any page made: url and POST body. */
export const requests: { url: string; body: string | undefined }[] = []

export async function open(path: string, context?: Awaited<ReturnType<Browser['createBrowserContext']>>): Promise<Page> {
  const page = await (context ?? browser).newPage()
  await page.setViewport({ width: 1280, height: 860 })
  page.on('request', (r) => requests.push({ url: r.url(), body: r.postData() }))
  page.on('pageerror', (e) => console.error('page error:', e))
  await page.goto(server.url + path, { waitUntil: 'networkidle0' })
  return page
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) as `${string}.png` })
export const write = (tool: string, body: unknown) => api(server.url, tool, body, { 'x-trackio-write-token': server.token })
export const read = async (tool: string, body: unknown) => (await api(server.url, tool, body)).json.data

/** Start the browser and the server before the file's tests, stop them after. */
export function useDashboard(): void {
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
}
