import { prng } from '../../src/cli/prng'
import { formatIsoTimestamp } from '../../src/storage/db/timestamps'
import { appendAlerts, appendMetrics, appendSystemMetrics, type MetricEntry } from '../../src/storage/write/append'
import { tempDir } from '../helpers'

/**
 * A project built to show each pattern the agent tools must find (project `lab`, 1,000 steps per run):
 *  - spiky:    a decaying loss with one spike (+1.0 at step 600), accuracy rising linearly to 0.9; GPU memory at 95%, utilisation ~20%
 *  - nan-run:  loss falls, then NaN from step 300 (an Infinity at 350), ending in NaN; 2 alerts
 *  - plateau:  loss flat at ~0.8 after step ~300
 *  - twin-a / twin-b: identical until step 400, then twin-b's loss climbs (diverges); configs differ in warmup only
 *    (an older run also named twin-a exists; names mean the latest run)
 *  - osc:      loss swings like a sine
 */
export const LAB = 'lab'
export const STEPS = 1000
export const T0 = Date.UTC(2026, 0, 1) * 1000

export const RUNS = ['spiky', 'nan-run', 'plateau', 'twin-a', 'twin-b', 'osc'] as const

function curve(name: string, i: number, noise: number): { loss: number; acc: number } {
  let loss: number
  switch (name) {
    case 'spiky':
      loss = 2 * Math.exp(-i / 200) + 0.1 + 0.01 * noise + (i === 600 ? 1 : 0)
      break
    case 'nan-run':
      loss = i < 300 ? 2 - i / 300 : i === 350 ? Infinity : NaN
      break
    case 'plateau':
      loss = 0.8 + 1.5 * Math.exp(-i / 50) + 0.005 * noise
      break
    case 'twin-a':
    case 'twin-b':
      loss = 2 * Math.exp(-i / 300) + 0.2 + 0.01 * noise + (name === 'twin-b' && i > 400 ? (i - 400) / 200 : 0)
      break
    default:
      loss = 1 + Math.sin(i / 40) + 0.02 * noise
  }
  if (name === 'spiky') return { loss, acc: (0.9 * i) / (STEPS - 1) }
  return { loss, acc: Number.isFinite(loss) ? Math.max(0, 1 - loss / 3) : 0 }
}

const CONFIGS: Record<string, Record<string, unknown>> = {
  spiky: { lr: 0.01, optimizer: 'adam', seed: 1, model: { arch: 'mlp', width: 256 } },
  'nan-run': { lr: 0.5, optimizer: 'sgd', seed: 1, model: { arch: 'mlp', width: 256 } },
  plateau: { lr: 0.001, optimizer: 'adam', seed: 1, model: { arch: 'mlp', width: 128 } },
  'twin-a': { lr: 0.01, optimizer: 'adam', seed: 2, warmup: 100, model: { arch: 'mlp', width: 256 } },
  'twin-b': { lr: 0.01, optimizer: 'adam', seed: 2, warmup: 500, model: { arch: 'mlp', width: 256 } },
  osc: { lr: 0.05, optimizer: 'sgd', seed: 3, model: { arch: 'mlp', width: 64 } },
}

export const ts = (runIndex: number, step: number): string => formatIsoTimestamp(T0 + runIndex * 10_000_000_000 + step * 1_000_000)

/** Write the lab project into a fresh temporary data directory and return it. */
export async function buildLab(dir = tempDir()): Promise<string> {
  await appendMetrics(dir, LAB, 'twin-a', 'old-twin-a', [{ metrics: { loss: 9, acc: 0 }, step: 0, timestamp: formatIsoTimestamp(T0 - 1_000_000) }], { lr: 9 })
  for (const [r, name] of RUNS.entries()) {
    const rand = prng(name.startsWith('twin') ? 42 : r + 1)
    const entries: MetricEntry[] = []
    for (let i = 0; i < STEPS; i++) entries.push({ metrics: curve(name, i, rand() - 0.5), step: i, timestamp: ts(r, i) })
    await appendMetrics(dir, LAB, name, `${name}-id`, entries, CONFIGS[name] as never)
  }
  await appendSystemMetrics(
    dir,
    LAB,
    'spiky',
    'spiky-id',
    Array.from({ length: 50 }, (_, i) => ({
      metrics: { 'gpu/0/memory_usage': 0.6 + (i / 49) * 0.35, 'gpu/0/utilization': 15 + (i % 10), 'gpu/0/temp': 70 },
      timestamp: ts(0, i * 20),
    })),
  )
  await appendAlerts(dir, LAB, 'nan-run', 'nan-run-id', [
    { title: 'loss is NaN', text: 'at step 300', level: 'error', step: 300, timestamp: ts(1, 300) },
    { title: 'grad norm high', level: 'warn', step: 290, timestamp: ts(1, 290) },
  ])
  return dir
}
