/**
 * Ten everyday questions an agent asks about experiments, played through the MCP SDK's own client
 * against dist/trackio, twice: "before" with only Trackio's tools (what an agent had to do), "after"
 * with ours (list_runs, get_metric_history, compare_runs, diagnose_run, get_changes, plot_metrics,
 * answer budgets). Prints per question the calls made, the tokens returned (bytes / 4 of text and
 * structured content; an image as width x height / 750, how vision models count it) and whether the
 * answer was found.
 *
 *   bun bench/agent-questions.ts
 *
 * Data: the demo projects plus `perf` (a 200,000-step run and 20 sweeps, bench/data.ts) and a
 * 20,000-step run `spiky` with one loss spike (step 12,345) and one NaN (step 15,000).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { writeDemoData } from '../src/cli/demo'
import { JsonFloat, type Json } from '../src/json/values'
import { appendMetrics } from '../src/storage/write/append'
import { startServer } from '../test/helpers'
import { writeBenchData } from './data'

const ROOT = resolve(import.meta.dir, '..')
const CACHE = join(ROOT, '.bench-data', 'agent')
const SPIKE_STEP = 12_345
const NAN_STEP = 15_000

async function prepare(): Promise<string> {
  if (!existsSync(join(CACHE, 'perf.db'))) {
    mkdirSync(CACHE, { recursive: true })
    console.error('writing bench data (once)…')
    await writeDemoData(CACHE, { seed: 42 })
    await writeBenchData(CACHE)
    const entries = Array.from({ length: 20_000 }, (_, i) => ({
      metrics: new Map<string, Json>([['loss', i === NAN_STEP ? new JsonFloat('NaN') : i === SPIKE_STEP ? 9.5 : new JsonFloat(String(Number((2 * Math.exp(-i / 4000) + 0.3 + 0.01 * Math.sin(i)).toFixed(6))))]]),
      step: i,
      logId: `spiky-${i}`,
    }))
    await appendMetrics(CACHE, 'perf', 'spiky', 'spiky0000000000000000000000000001', entries, { lr: 0.02 })
  }
  const dir = mkdtempSync(join(tmpdir(), 'agent-bench-'))
  cpSync(CACHE, dir, { recursive: true })
  return dir
}

interface Tally {
  calls: number
  bytes: number
}

type Call = (name: string, args: Record<string, unknown>) => Promise<any>

function caller(client: Client, t: Tally): Call {
  return async (name, args) => {
    const r: any = await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 })
    t.calls++
    // Text and structured content count as bytes / 4; an image as a model sees it: width x height / 750 tokens.
    const images = (r.content ?? []).filter((c: any) => c.type === 'image')
    const texts = (r.content ?? []).filter((c: any) => c.type !== 'image')
    t.bytes += JSON.stringify(texts).length + JSON.stringify(r.structuredContent ?? {}).length
    for (const _ of images) t.bytes += Math.round(((r.structuredContent?.width ?? 800) * (r.structuredContent?.height ?? 400)) / 750) * 4
    return r
  }
}

const rows = (r: any): any[] => r.structuredContent?.result ?? []

interface Question {
  q: string
  before: (call: Call) => Promise<boolean>
  after: (call: Call) => Promise<boolean>
}

/** Final value of a metric in a run, the Trackio-tools way: the whole series. */
async function finalValue(call: Call, project: string, run: string, metric: string): Promise<number | null> {
  const pts = rows(await call('get_metric_values', { project, run, metric_name: metric }))
  return pts.length ? pts[pts.length - 1].value : null
}

const QUESTIONS: Question[] = [
  {
    q: 'Which mnist-classifier run has the lowest final loss?',
    before: async (call) => {
      const runs = rows(await call('get_runs_for_project', { project: 'mnist-classifier' }))
      let best: [string, number] | null = null
      for (const r of runs) {
        await call('get_run_summary', { project: 'mnist-classifier', run: r.name })
        const v = await finalValue(call, 'mnist-classifier', r.name, 'loss')
        if (v !== null && (!best || v < best[1])) best = [r.name, v]
      }
      return best !== null
    },
    after: async (call) => {
      const r = await call('list_runs', { project: 'mnist-classifier', order_by: 'loss.last asc', metrics: ['loss'], limit: 1 })
      return r.structuredContent?.runs?.length === 1
    },
  },
  {
    q: 'Did loss spike anywhere in perf/spiky (20,000 steps)?',
    before: async (call) => {
      const logs = rows(await call('get_logs', { project: 'perf', run: 'spiky' }))
      return logs.some((l) => l.step === SPIKE_STEP)
    },
    after: async (call) => {
      const r = await call('diagnose_run', { project: 'perf', run: 'spiky', metrics: ['loss'] })
      const text = JSON.stringify(r.structuredContent)
      return text.includes(String(SPIKE_STEP)) && text.includes(String(NAN_STEP))
    },
  },
  {
    q: 'Where do gpt2-small and gpt2-medium diverge?',
    before: async (call) => {
      const a = rows(await call('get_metric_values', { project: 'llm-finetune', run: 'gpt2-small', metric_name: 'train/loss' }))
      const b = rows(await call('get_metric_values', { project: 'llm-finetune', run: 'gpt2-medium', metric_name: 'train/loss' }))
      return a.length > 0 && b.length > 0
    },
    after: async (call) => {
      const r = await call('compare_runs', { project: 'llm-finetune', runs: ['gpt2-small', 'gpt2-medium'], metrics: ['train/loss'] })
      return Array.isArray(r.structuredContent?.metrics)
    },
  },
  {
    q: "What's new since I last looked (a run was logged meanwhile)?",
    before: async (call) => {
      const projects = rows(await call('get_all_projects', {}))
      for (const p of projects) await call('get_project_summary', { project: p })
      return true
    },
    after: async (call) => {
      const first = await call('get_changes', {})
      await call('log_metrics', { project: 'rl-cartpole', run: 'ppo-seed0', metrics: { reward: 1 } })
      const second = await call('get_changes', { cursor: first.structuredContent.cursor })
      return typeof second.structuredContent?.cursor === 'string'
    },
  },
  {
    q: 'Show me the loss curves of the 200,000-step run and one sweep.',
    before: async (call) => {
      const a = rows(await call('get_metric_values', { project: 'perf', run: 'long-run', metric_name: 'loss' }))
      const b = rows(await call('get_metric_values', { project: 'perf', run: 'sweep-03', metric_name: 'loss' }))
      return a.length > 0 && b.length > 0 && false // numbers, not a picture
    },
    after: async (call) => {
      const r = await call('plot_metrics', { project: 'perf', runs: ['long-run', 'sweep-03'], metrics: ['loss'] })
      return r.content?.[0]?.type === 'image'
    },
  },
  {
    q: 'Which mnist runs have lr > 0.005 and final acc > 0.8?',
    before: async (call) => {
      const runs = rows(await call('get_runs_for_project', { project: 'mnist-classifier' }))
      for (const r of runs) {
        await call('get_run_summary', { project: 'mnist-classifier', run: r.name })
        await finalValue(call, 'mnist-classifier', r.name, 'acc')
      }
      return true
    },
    after: async (call) => {
      const r = await call('list_runs', { project: 'mnist-classifier', filter: 'config.lr > 0.005 and acc.last > 0.8', metrics: ['acc'], config_keys: ['lr'] })
      return Array.isArray(r.structuredContent?.runs)
    },
  },
  {
    q: 'Give me an overview of the llm-finetune runs (configs and final losses).',
    before: async (call) => {
      const runs = rows(await call('get_runs_for_project', { project: 'llm-finetune' }))
      for (const r of runs) await call('get_run_summary', { project: 'llm-finetune', run: r.name })
      for (const r of runs) await finalValue(call, 'llm-finetune', r.name, 'train/loss')
      return true
    },
    after: async (call) => {
      const r = await call('list_runs', { project: 'llm-finetune', metrics: ['train/loss'] })
      return (r.structuredContent?.runs?.length ?? 0) >= 4
    },
  },
  {
    q: 'Any errors or GPU trouble in the 200,000-step run?',
    before: async (call) => {
      await call('get_alerts', { project: 'perf', run: 'long-run' })
      rows(await call('get_system_logs', { project: 'perf', run: 'long-run' }))
      return true
    },
    after: async (call) => {
      const r = await call('diagnose_run', { project: 'perf', run: 'long-run' })
      return Array.isArray(r.structuredContent?.findings)
    },
  },
  {
    q: 'What happened around step 150,000 of the long run?',
    before: async (call) => {
      const r = await call('get_snapshot', { project: 'perf', run: 'long-run', around_step: 150_000, window: 5 })
      return Object.keys(r.structuredContent ?? {}).length > 0
    },
    after: async (call) => {
      const r = await call('get_snapshot', { project: 'perf', run: 'long-run', around_step: 150_000, window: 5 })
      return Object.keys(r.structuredContent ?? {}).length > 0
    },
  },
  {
    q: 'How did accuracy evolve in the long run (the whole curve)?',
    before: async (call) => rows(await call('get_metric_values', { project: 'perf', run: 'long-run', metric_name: 'acc' })).length > 0,
    after: async (call) => {
      const r = await call('get_metric_history', { project: 'perf', runs: ['long-run'], metrics: ['acc'], max_points: 120 })
      return r.structuredContent?.series?.[0]?.total_points === 200_000
    },
  },
]

async function play(url: string, which: 'before' | 'after'): Promise<{ q: string; calls: number; tokens: number; found: boolean }[]> {
  const out = []
  for (const question of QUESTIONS) {
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp/`), { requestInit: { headers: { 'x-trackio-write-token': 'bench' } } })
    const client = new Client({ name: 'agent-bench', version: '1' })
    await client.connect(transport)
    const tally: Tally = { calls: 0, bytes: 0 }
    let found = false
    try {
      found = await question[which](caller(client, tally))
    } catch (err) {
      console.error(`${which}: ${question.q}: ${(err as Error).message.slice(0, 200)}`)
    }
    await client.close()
    out.push({ q: question.q, calls: tally.calls, tokens: Math.round(tally.bytes / 4), found })
  }
  return out
}

const dir = await prepare()
// `before` runs with no answer budget (as the server was), `after` with the default one.
const env = { TRACKIO_WRITE_TOKEN: 'bench' }
const unbudgeted = await startServer(dir, ['--mcp-server', '--mcp-max-tokens', '1000000000'], env)
let before
try {
  before = await play(unbudgeted.url, 'before')
} finally {
  await unbudgeted.stop()
}
const server = await startServer(dir, ['--mcp-server'], env)
try {
  const after = await play(server.url, 'after')
  console.log('| question | before: calls | before: tokens | before: answered | after: calls | after: tokens | after: answered |')
  console.log('|---|---:|---:|---|---:|---:|---|')
  for (let i = 0; i < QUESTIONS.length; i++) {
    const b = before[i]!
    const a = after[i]!
    console.log(`| ${a.q} | ${b.calls} | ${b.tokens.toLocaleString('en')} | ${b.found ? 'yes' : 'no'} | ${a.calls} | ${a.tokens.toLocaleString('en')} | ${a.found ? 'yes' : 'no'} |`)
  }
  const ok = after.every((a) => a.calls <= 3 && a.tokens < 5000 && a.found)
  console.log(`\ngoal (every question in at most 3 calls, under 5,000 tokens, answered): ${ok ? 'met' : 'NOT met'}`)
} finally {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
