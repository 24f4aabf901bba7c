import { JsonFloat, type Json } from '../json/values'
import { formatIsoTimestamp } from '../storage/db/timestamps'
import { writeBatch, type AlertEntry, type MetricEntry, type SystemEntry } from '../storage/write/append'
import { prng } from './prng'

/**
 * The demo data directory (`trackio demo DIR`), written through the same write path the server uses, so
 * they are byte-for-byte what the Python library would store. Everything is derived from a
 * seeded PRNG except the time base (runs end shortly before "now", unless opts.now is given).
 */

export interface DemoRunSummary {
  name: string
  id: string
  steps: number
  metricRows: number
  systemRows: number
  alerts: number
}

export interface DemoProjectSummary {
  project: string
  runs: DemoRunSummary[]
}

export interface Summary {
  dir: string
  projects: DemoProjectSummary[]
  metricRows: number
  systemRows: number
  alerts: number
}

export interface DemoOptions {
  seed?: number
  /** Epoch milliseconds the generated history ends near (default: Date.now()). */
  now?: number
}


export type Rand = () => number

/** uuid4().hex: 32 lowercase hex digits with the version and variant nibbles set. */
export function uuidHex(rand: Rand): string {
  let s = ''
  for (let i = 0; i < 32; i++) {
    const n = i === 12 ? 4 : i === 16 ? 8 + Math.floor(rand() * 4) : Math.floor(rand() * 16)
    s += n.toString(16)
  }
  return s
}

const gauss = (rand: Rand): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
/** A float metric: rounded like a printed value, and a float even when integral. */
const fl = (x: number, digits = 6): JsonFloat => new JsonFloat(String(Number(x.toFixed(digits))))
export const iso = (ms: number): string => formatIsoTimestamp(BigInt(Math.round(ms * 1000)))

interface RunPlan {
  name: string
  steps: number
  secPerStep: number
  config: Record<string, Json>
  group: string | null
  gpu: boolean
  /** Metrics of one step; `p` is progress 0..1. */
  metrics: (step: number, p: number, rand: Rand) => Map<string, Json>
  alerts: { at: number; title: string; text: string | null; level: 'info' | 'warn' | 'error' }[]
}

interface ProjectPlan {
  project: string
  runs: RunPlan[]
}

export function cosineLr(base: number, p: number, warmup = 0.05): number {
  return p < warmup ? (base * p) / warmup : base * 0.5 * (1 + Math.cos(Math.PI * (p - warmup) / (1 - warmup)))
}

function mnistRun(name: string, lr: number, dropout: number, steps: number, group: string | null): RunPlan {
  const speed = lr >= 0.05 ? 2.6 : 1.6 + dropout
  return {
    name, steps, secPerStep: 0.35, group, gpu: true,
    config: { lr, batch_size: 64, optimizer: 'adam', epochs: 10, model: { arch: 'cnn', dropout, channels: [32, 64] }, seed: 1234, use_amp: true },
    metrics: (step, p, rand) => {
      const loss = 2.3 * Math.exp(-speed * p * 3) + 0.05 + 0.03 * gauss(rand) * (1 - p)
      const acc = Math.min(0.995, 1 - loss / 2.45 + 0.01 * gauss(rand))
      const m = new Map<string, Json>([
        ['loss', fl(Math.max(loss, 0.01))], ['acc', fl(Math.max(acc, 0))], ['lr', fl(cosineLr(lr, p), 8)],
        ['epoch', Math.min(9, Math.floor(p * 10))], ['train/grad_norm', fl(2.5 * Math.exp(-2 * p) + 0.2 * rand(), 4)],
        ['train/samples_per_sec', fl(1800 + 120 * gauss(rand), 1)],
      ])
      if (step % 10 === 0) m.set('val', new Map<string, Json>([['loss', fl(Math.max(loss * 1.08, 0.02))], ['acc', fl(Math.max(acc - 0.01, 0))]]))
      return m
    },
    alerts: [
      { at: 0, title: 'Training started', text: `${name} on 1 GPU`, level: 'info' },
      ...(lr >= 0.05 ? [{ at: 0.3, title: 'Loss spike', text: 'loss jumped above 1.5', level: 'warn' as const }] : []),
      { at: 1, title: 'Training finished', text: null, level: 'info' },
    ],
  }
}

function llmRun(name: string, model: string, lr: number, steps: number, loraRank: number | null): RunPlan {
  const floor = model.includes('medium') ? 1.3 : 1.5
  return {
    name, steps, secPerStep: model.includes('medium') ? 2.4 : 1.1, group: 'gpt2-finetune', gpu: true,
    config: { model, lr, warmup_steps: 20, max_len: model.includes('medium') ? 1024 : 512, ...(loraRank ? { lora: { r: loraRank, alpha: 2 * loraRank, dropout: 0.05 } } : {}) },
    metrics: (step, p, rand) => {
      const loss = floor + 3.4 * Math.exp(-5 * p) + 0.06 * gauss(rand)
      const m = new Map<string, Json>([
        ['train/loss', fl(loss, 5)], ['train/perplexity', fl(Math.exp(loss), 4)], ['train/lr', fl(cosineLr(lr, p, 0.08), 10)],
        ['tokens_per_sec', Math.round((model.includes('medium') ? 5000 : 12000) * (1 + 0.04 * gauss(rand)))], ['epoch', Math.min(2, Math.floor(p * 3))],
      ])
      if (step % 10 === 0) m.set('val', new Map<string, Json>([['loss', fl(loss + 0.1, 5)], ['perplexity', fl(Math.exp(loss + 0.1), 4)]]))
      return m
    },
    alerts: [
      { at: 0.45, title: 'Slow throughput', text: 'tokens/sec dropped below 80% of baseline', level: 'warn' },
      ...(name === 'gpt2-medium' ? [{ at: 1, title: 'Checkpoint save failed', text: 'No space left on device', level: 'error' as const }] : []),
    ],
  }
}

function rlRun(name: string, algo: string, seed: number, steps: number, group: string | null): RunPlan {
  return {
    name, steps, secPerStep: 0.8, group, gpu: false,
    config: { algo, env: 'CartPole-v1', seed, gamma: 0.99, lr: algo === 'ppo' ? 0.0003 : 0.001, n_envs: 8 },
    metrics: (step, p, rand) => {
      const reward = Math.min(500, 20 + 480 / (1 + Math.exp(-10 * (p - 0.45))) + 25 * gauss(rand))
      const m = new Map<string, Json>([
        ['episode_reward', fl(Math.max(reward, 8), 2)], ['episode_length', Math.max(8, Math.round(reward))],
        ['loss', fl(0.8 * Math.exp(-2 * p) + 0.05 * rand(), 5)], ['lr', fl(algo === 'ppo' ? 0.0003 * (1 - p) : 0.001, 8)],
        ['policy/entropy', fl(0.69 * (1 - 0.7 * p) + 0.02 * gauss(rand), 5)], ['value/loss', fl(30 * Math.exp(-3 * p) + rand(), 4)],
        ['epoch', Math.floor(step / 50)],
      ])
      if (step % 10 === 0) m.set('val', new Map<string, Json>([['episode_reward', fl(Math.max(reward + 10, 8), 2)], ['success', p > 0.7]]))
      return m
    },
    alerts: [{ at: 0.8, title: 'Solved', text: 'mean reward above 475 over 100 episodes', level: 'info' }],
  }
}

function demoPlan(rand: Rand): ProjectPlan[] {
  const n = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1))
  return [
    { project: 'mnist-classifier', runs: [
      mnistRun('baseline', 0.01, 0.1, n(280, 320), 'lr-sweep'),
      mnistRun('high-lr', 0.1, 0.1, n(230, 260), 'lr-sweep'),
      mnistRun('dropout-0.3', 0.01, 0.3, n(280, 320), null),
    ] },
    { project: 'llm-finetune', runs: [
      llmRun('gpt2-small', 'gpt2', 0.0003, n(200, 240), null),
      llmRun('gpt2-medium', 'gpt2-medium', 0.0001, n(250, 300), null),
      llmRun('gpt2-small-lora', 'gpt2', 0.001, n(150, 180), 8),
      llmRun('gpt2-small-lora-r16', 'gpt2', 0.001, n(150, 180), 16),
    ] },
    { project: 'rl-cartpole', runs: [
      rlRun('ppo-seed0', 'ppo', 0, n(300, 400), 'ppo'),
      rlRun('ppo-seed1', 'ppo', 1, n(300, 400), 'ppo'),
    ] },
  ]
}

export function systemMetrics(gpu: boolean, p: number, rand: Rand): Map<string, Json> {
  const m = new Map<string, Json>()
  if (gpu) {
    m.set('gpu/0/utilization', Math.min(100, Math.round(90 + 6 * gauss(rand))))
    m.set('gpu/0/memory_used_gb', fl(11.5 + 1.5 * rand(), 3))
    m.set('gpu/0/temp_c', Math.round(62 + 10 * p + 3 * gauss(rand)))
    m.set('gpu/0/power_w', fl(205 + 30 * rand(), 2))
  }
  m.set('cpu/utilization', fl(35 + 20 * rand(), 2))
  m.set('memory/percent', fl(41 + 5 * p + rand(), 1))
  m.set('memory/used', fl(12.8 + 2 * p + 0.3 * rand(), 4))
  return m
}

/**
 * Log one run the way the Python client does: each flush of its sender queue writes a batch of
 * steps with one timestamp (batches are a bit larger than a 0.5 s flush would give, to keep the
 * number of write transactions small).
 */
async function writeRun(dir: string, project: string, plan: RunPlan, start: number, rand: Rand): Promise<DemoRunSummary> {
  const id = uuidHex(rand)
  const created = start - 400 - 200 * rand()
  const config: Record<string, Json> = { ...plan.config, _Username: null, _Created: iso(created), _Group: plan.group }
  const stepTime = (s: number): number => start + s * plan.secPerStep * 1000 * (1 + 0.05 * gauss(rand))
  const summary: DemoRunSummary = { name: plan.name, id, steps: plan.steps, metricRows: 0, systemRows: 0, alerts: 0 }
  const alertsAt = new Map(plan.alerts.map((a) => [Math.min(plan.steps - 1, Math.round(a.at * (plan.steps - 1))), a]))
  let step = 0
  let lastFlush = created
  let firstFlush: string | null = null
  const entries: MetricEntry[] = []
  const system: SystemEntry[] = []
  const alerts: AlertEntry[] = []
  while (step < plan.steps) {
    const batch = Math.min(plan.steps - step, 6 + Math.floor(rand() * 10))
    const rows: MetricEntry[] = []
    for (let s = step; s < step + batch; s++) {
      const p = s / Math.max(1, plan.steps - 1)
      rows.push({ metrics: plan.metrics(s, p, rand), step: s, logId: uuidHex(rand) })
      const t = Math.max(lastFlush + 1, stepTime(s))
      if (s % 5 === 0) system.push({ metrics: systemMetrics(plan.gpu, p, rand), timestamp: iso(t + 37 + 200 * rand()), logId: uuidHex(rand) })
      const a = alertsAt.get(s)
      if (a) alerts.push({ title: a.title, text: a.text, level: a.level, step: s, timestamp: iso(t + 3 + 40 * rand()), alertId: uuidHex(rand) })
    }
    step += batch
    // The rows of one flush of Trackio's sender share its timestamp.
    const flushAt = Math.max(lastFlush + 1, stepTime(step - 1) + 80 + 400 * rand())
    lastFlush = flushAt
    firstFlush ??= iso(flushAt)
    for (const r of rows) entries.push({ ...r, timestamp: iso(flushAt) })
  }
  // One transaction per run: the rows are the same as flush by flush, written much faster.
  const [m, sys, al] = await writeBatch(dir, project, [
    { kind: 'metrics', runName: plan.name, runId: id, entries, config, timestamp: firstFlush ?? iso(created) },
    { kind: 'system', runName: plan.name, runId: id, entries: system },
    { kind: 'alerts', runName: plan.name, runId: id, alerts },
  ])
  summary.metricRows = m!.inserted
  summary.systemRows = sys!.inserted
  summary.alerts = al!.inserted
  return summary
}

export function totals(dir: string, projects: DemoProjectSummary[]): Summary {
  const sum = (f: (r: DemoRunSummary) => number): number => projects.reduce((a, p) => a + p.runs.reduce((b, r) => b + f(r), 0), 0)
  return { dir, projects, metricRows: sum((r) => r.metricRows), systemRows: sum((r) => r.systemRows), alerts: sum((r) => r.alerts) }
}

/**
 * A realistic Trackio data directory: 3 projects, 2-4 runs each, configs with Trackio's reserved
 * keys, a few hundred steps of metrics (slash keys, nested `val` every 10 steps), system metrics
 * and alerts. Re-running with the same seed adds nothing (log ids and alert ids repeat).
 */
export async function writeDemoData(dir: string, opts: DemoOptions = {}): Promise<Summary> {
  const seed = opts.seed ?? 42
  const rand = prng(seed)
  const now = opts.now ?? Date.now()
  const plans = demoPlan(rand)
  const projects: DemoProjectSummary[] = []
  // Runs happen one after another, the last one finishing about an hour before `now`.
  const total = plans.reduce((a, pp) => a + pp.runs.reduce((b, r) => b + r.steps * r.secPerStep * 1000 + 90_000, 0), 0)
  let start = Math.floor(now / 1000) * 1000 - 3_600_000 - total
  for (const pp of plans) {
    const runs: DemoRunSummary[] = []
    for (const plan of pp.runs) {
      runs.push(await writeRun(dir, pp.project, plan, start, prng(seed * 7919 + runs.length * 104729 + pp.project.length)))
      start += plan.steps * plan.secPerStep * 1000 + 90_000
    }
    projects.push({ project: pp.project, runs })
  }
  return totals(dir, projects)
}
