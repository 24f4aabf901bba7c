/**
 * The live writer of bench/scale.ts (a process of its own, as a training script is):
 * `bun bench/scale-writer.ts DIR PROJECT RUN [ROWS EVERY_MS FOR_MS]` appends ROWS rows (default 100,
 * shaped as bench/realistic-rows.ts makes them, steps and timestamps continuing the run) every EVERY_MS
 * (default 250) for FOR_MS (default 10,000) with our Trackio-format writer, then prints one JSON line:
 * batches, rows, first and last step, and how long the appends took. SIGTERM stops it after the batch
 * under way.
 */
import { join } from 'node:path'
import { checkpointsSettled } from '../src/storage/write/checkpoint'
import { appendMetrics } from '../src/storage/write/append'
import { cursorAfter, realisticRows } from './realistic-rows'

const [dir, project, run, rowsArg, everyArg, forArg] = process.argv.slice(2)
if (!dir || !project || !run) throw new Error('usage: bun bench/scale-writer.ts DIR PROJECT RUN [ROWS EVERY_MS FOR_MS]')
const ROWS = Number(rowsArg ?? 100)
const EVERY = Number(everyArg ?? 250)
const FOR = Number(forArg ?? 10_000)

let stop = false
process.on('SIGTERM', () => {
  stop = true
})

const { cursor, runId } = cursorAfter(join(dir, `${project}.db`), run)
const firstStep = cursor.step
const appendMs: number[] = []
let rows = 0
const t0 = performance.now()
while (!stop && performance.now() - t0 < FOR) {
  const due = t0 + appendMs.length * EVERY
  if (due > performance.now()) await Bun.sleep(due - performance.now())
  const t = performance.now()
  rows += (await appendMetrics(dir, project, run, runId, realisticRows(cursor, ROWS))).inserted
  appendMs.push(performance.now() - t)
}
await checkpointsSettled()
const sorted = [...appendMs].sort((a, b) => a - b)
console.log(
  JSON.stringify({
    batches: appendMs.length,
    rows,
    firstStep,
    lastStep: cursor.step - 1,
    appendP50: sorted[Math.floor(sorted.length / 2)] ?? null,
    appendMax: sorted.at(-1) ?? null,
    seconds: (performance.now() - t0) / 1000,
  }),
)
