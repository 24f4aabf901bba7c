import { isNumeric, type Json, type JsonObject } from '../../json/values'

/** Trackio's cap on rows returned by get_logs and get_system_logs. */
export const MAX_LOG_POINTS = 3000

/** A value that counts as a scalar for `scalar_only`: a non-bool number, or a histogram object. */
export function isScalarValue(v: Json | undefined): boolean {
  if (isNumeric(v)) return true
  return v instanceof Map && v.get('_type') === 'trackio.histogram'
}

/** A row's grouping key: its sorted top-level keys (scalar ones only in scalar mode); null = discarded. */
export function signatureOf(m: JsonObject, scalarOnly: boolean): string | null {
  const keys: string[] = []
  for (const [k, v] of m) if (!scalarOnly || isScalarValue(v)) keys.push(k)
  if (scalarOnly && keys.length === 0) return null
  // JSON-encoded so that keys holding separators cannot make two signatures collide.
  return JSON.stringify(keys.sort())
}

/**
 * Subsample rows to at most `maxPoints` the way Trackio does (compat §5): rows are grouped by
 * their key signature, each group gets a share of the budget, and within a group rows are kept
 * on a power-of-two stride plus the last one, so the choice is stable as rows are appended.
 * `signatures[i]` is row i's signature (null: no scalar value in scalar mode, dropped when
 * subsampling). Returns the indices of the kept rows in ascending order.
 */
export function subsampleSignatures(signatures: (string | null)[], maxPoints: number | null): number[] {
  const n = signatures.length
  if (maxPoints === null || maxPoints < 1 || n <= maxPoints) return signatures.map((_, i) => i)
  const groups = new Map<string, number[]>()
  for (let i = 0; i < n; i++) {
    const sig = signatures[i]
    if (sig === null || sig === undefined) continue
    let g = groups.get(sig)
    if (!g) groups.set(sig, (g = []))
    g.push(i)
  }
  const members = [...groups.values()]
  const total = members.reduce((sum, g) => sum + g.length, 0)
  if (total <= maxPoints) return members.flat().sort((a, b) => a - b)
  const budgets = allocate(members.map((g) => g.length), maxPoints)
  const kept: number[] = []
  members.forEach((g, i) => kept.push(...strideSample(g, budgets[i]!)))
  return kept.sort((a, b) => a - b)
}

/** subsampleSignatures over decoded rows. */
export function subsampleIndices(rows: JsonObject[], maxPoints: number | null, scalarOnly: boolean): number[] {
  if (maxPoints === null || maxPoints < 1 || rows.length <= maxPoints) return rows.map((_, i) => i)
  return subsampleSignatures(rows.map((m) => signatureOf(m, scalarOnly)), maxPoints)
}

/** Split `maxPoints` over groups: an even floor first, then up to 4 proportional passes. */
export function allocate(sizes: number[], maxPoints: number): number[] {
  const floor = Math.floor(maxPoints / sizes.length)
  const budget = sizes.map((s) => Math.min(s, floor))
  for (let pass = 0; pass < 4; pass++) {
    const remaining = maxPoints - budget.reduce((a, b) => a + b, 0)
    if (remaining < 1) break
    const demand = sizes.map((s, i) => s - budget[i]!)
    const totalDemand = demand.reduce((a, b) => a + b, 0)
    if (totalDemand < 1) break
    const quota = demand.map((d) => (remaining * d) / totalDemand)
    const add = quota.map((q) => Math.trunc(q))
    let leftover = remaining - add.reduce((a, b) => a + b, 0)
    const order = add.map((_, i) => i).sort((a, b) => add[a]! - quota[a]! - (add[b]! - quota[b]!) || a - b)
    for (const i of order) {
      if (leftover < 1) break
      add[i]!++
      leftover--
    }
    for (let i = 0; i < sizes.length; i++) budget[i] = Math.min(sizes[i]!, budget[i]! + add[i]!)
  }
  return budget
}

/** Keep `budget` of a group's indices: positions 0, s, 2s… before the last, then the last. */
export function strideSample(group: number[], budget: number): number[] {
  if (budget < 1) return []
  if (group.length <= budget) return group
  if (budget === 1) return [group[group.length - 1]!]
  const last = group.length - 1
  let s = 1
  while (Math.ceil(last / s) > budget - 1) s *= 2
  const out: number[] = []
  for (let pos = 0; pos < last; pos += s) out.push(group[pos]!)
  out.push(group[last]!)
  return out
}
