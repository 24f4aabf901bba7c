/**
 * The floor for the full get_metric_values benchmark: the bare bun:sqlite query plus JSON output
 * (JSON.stringify, written out as bytes to /dev/null), in a plain script of its own (run by
 * bench/run.ts). Prints the median of 11 runs in ms.
 */
import { Database } from 'bun:sqlite'

const db = new Database(process.argv[2]!, { readonly: true })
const runId = db.query("SELECT run_id FROM metrics WHERE run_name = 'long-run' LIMIT 1").values()[0]![0] as string
const q = db.query("SELECT timestamp, step, CAST(metrics AS TEXT) ->> '$.loss' AS value FROM metrics WHERE run_id = ? ORDER BY timestamp")
const times: number[] = []
for (let i = 0; i < 11; i++) {
  const t = performance.now()
  await Bun.write('/dev/null', JSON.stringify({ data: q.all(runId) }))
  times.push(performance.now() - t)
}
console.log(times.sort((a, b) => a - b)[5]!.toFixed(1))
