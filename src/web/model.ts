/** What the page knows about a run. */
import type { RunOverview } from './api'
import type { Run } from './series'

export interface RunInfo {
  run: Run
  summary: RunOverview | null
  color: string
  group: string | null
  lastStep: number | null
  /** Each metric's value at the run's highest step (NaN when not finite): the overview's, or the loaded series' last point. */
  final: Map<string, number>
}
