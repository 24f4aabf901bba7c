/** What the page knows about a run. */
import type { RunOverview } from './api'
import type { Run } from './series'

export interface RunInfo {
  run: Run
  summary: RunOverview | null
  color: string
  group: string | null
  lastStep: number | null
  /** Last finite value of each scalar metric, from the loaded series. */
  final: Map<string, number>
}
