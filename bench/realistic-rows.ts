import { Database } from 'bun:sqlite'
import { prng } from '../src/cli/prng'
import { formatIsoTimestamp, parseInstant } from '../src/storage/db/timestamps'
import type { MetricEntry } from '../src/storage/write/append'

/**
 * Rows shaped like a real Trackio run (bench only): loss, acc and lr as full-precision floats, each row
 * its own timestamp in Python's `isoformat()` spelling, 3–10 ms after the previous one with jitter in
 * the microseconds; now and then a row lands on a whole second, spelled without `.ffffff` as Python does.
 * Shared by bench/scale.ts (the `realistic` project) and bench/scale-writer.ts (the live writer).
 */

export const REALISTIC_STEPS = 2_000_000

/** Where the next row goes: its step and the previous row's time in epoch microseconds. */
export interface Cursor {
  step: number
  micros: number
  rand: () => number
}

export function cursorAt(step: number, micros: number): Cursor {
  return { step, micros, rand: prng(step + 17) }
}

/** lr: cosine from 3e-4 to 3e-5 over the run, so about a third of the values are below 1e-4 (Python spells those 5.1e-05). */
function lrAt(step: number): number {
  const p = Math.min(1, step / REALISTIC_STEPS)
  return 3e-5 + 2.7e-4 * 0.5 * (1 + Math.cos(Math.PI * p))
}

/** The next `n` rows from `c` (advances it). */
export function realisticRows(c: Cursor, n: number): MetricEntry[] {
  const out: MetricEntry[] = []
  const r = c.rand
  for (let k = 0; k < n; k++) {
    const s = c.step++
    const prev = c.micros
    let t = prev + 3000 + Math.floor(r() * 7000)
    const second = Math.floor(t / 1e6) * 1e6
    if (second > prev && r() < 0.05) t = second
    c.micros = t
    const loss = 0.1 + 2 / (1 + s / 20_000) + 0.05 * (r() - 0.5)
    const acc = (1 - 1 / (1 + (s + 1) / 10_000)) * (0.99 + 0.01 * r())
    out.push({ metrics: { loss, acc, lr: lrAt(s) }, step: s, timestamp: formatIsoTimestamp(t) })
  }
  return out
}

/** The cursor after the last row of `run` in the project database `file` (for continuing it), and the run's id. */
export function cursorAfter(file: string, run: string): { cursor: Cursor; runId: string | null } {
  const db = new Database(file, { readonly: true })
  try {
    const row = db.query('SELECT step, timestamp, run_id FROM metrics WHERE run_name = ? ORDER BY id DESC LIMIT 1').get(run) as {
      step: number
      timestamp: string
      run_id: string
    } | null
    if (!row) throw new Error(`${file}: run ${run} has no rows`)
    const micros = parseInstant(row.timestamp)
    if (micros === null) throw new Error(`${file}: unreadable timestamp ${row.timestamp}`)
    return { cursor: cursorAt(Number(row.step) + 1, micros), runId: row.run_id }
  } finally {
    db.close()
  }
}
