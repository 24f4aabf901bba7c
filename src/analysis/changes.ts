import { BadRequestError } from '../errors'

/**
 * The change-feed cursor: opaque to clients, self-contained so it survives server restarts.
 * base64url of JSON `{v: 1, t: <ISO time>, s: <project scope or null>, p: {<project stem>: [metrics
 * high-water rowid, alerts high-water rowid, run signature]}}`. The run signature lists each run
 * as `<first 8 chars of its id>:<hash of its name>` (comma-separated), enough to tell new, renamed
 * and deleted runs apart; projects with more than MAX_TRACKED_RUNS runs keep one hash of the whole
 * set instead (renames and deletions are then reported without names).
 */

export const MAX_TRACKED_RUNS = 500

export interface ProjectMark {
  metrics: number
  alerts: number
  /** `id8:namehash` entries, or `#<hash>` for an untracked large set. */
  runs: string[]
}

export interface Cursor {
  time: string
  scope: string | null
  projects: Map<string, ProjectMark>
}

/** 32-bit FNV-1a of a string, base36. */
export function hash(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(36)
}

export const runKey = (id: string | null, name: string): string => (id ?? `~${name}`).slice(0, 8)

/** The signature entries of a project's runs. */
export function runSignature(runs: { id: string | null; name: string }[]): string[] {
  const entries = runs.map((r) => `${runKey(r.id, r.name)}:${hash(r.name)}`)
  if (entries.length <= MAX_TRACKED_RUNS) return entries
  return [`#${hash(entries.join(','))}`]
}

export function encodeCursor(c: Cursor): string {
  const p: Record<string, [number, number, string]> = {}
  for (const [stem, m] of c.projects) p[stem] = [m.metrics, m.alerts, m.runs.join(',')]
  return Buffer.from(JSON.stringify({ v: 1, t: c.time, s: c.scope, p })).toString('base64url')
}

const bad = (): never => {
  throw new BadRequestError("Invalid value for 'cursor': not a cursor returned by get_changes (pass `cursor` from the previous answer as given, or omit it to start)")
}

const isMark = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0

export function decodeCursor(text: string): Cursor {
  if (text.length > 4_000_000) bad()
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return bad()
  }
  const o = raw as { v?: unknown; t?: unknown; s?: unknown; p?: unknown }
  if (!o || typeof o !== 'object' || o.v !== 1 || typeof o.t !== 'string' || (o.s !== null && typeof o.s !== 'string') || !o.p || typeof o.p !== 'object' || Array.isArray(o.p)) bad()
  const projects = new Map<string, ProjectMark>()
  for (const [stem, m] of Object.entries(o.p as Record<string, unknown>)) {
    if (!Array.isArray(m) || m.length !== 3 || !isMark(m[0]) || !isMark(m[1]) || typeof m[2] !== 'string') bad()
    const [metrics, alerts, runs] = m as [number, number, string]
    projects.set(stem, { metrics, alerts, runs: runs === '' ? [] : runs.split(',') })
  }
  return { time: o.t as string, scope: (o.s as string | null) ?? null, projects }
}

export interface RunDiff {
  /** Current runs whose entry changed name (same id prefix, other name hash). */
  renamed: { id: string | null; name: string }[]
  /** Id prefixes (or `~name` prefixes) of runs that are gone. */
  deleted: string[]
  /** True when the set changed but the cursor could not say how (large projects). */
  changed_untracked: boolean
}

/** Renamed and deleted runs between a cursor's signature and the current runs. */
export function diffRuns(before: string[], now: { id: string | null; name: string }[]): RunDiff {
  const current = runSignature(now)
  if (before.some((e) => e.startsWith('#')) || current.some((e) => e.startsWith('#')))
    return { renamed: [], deleted: [], changed_untracked: before.join(',') !== current.join(',') }
  const old = new Map<string, Set<string>>()
  for (const e of before) {
    const [k, h] = e.split(':') as [string, string]
    let s = old.get(k)
    if (!s) old.set(k, (s = new Set()))
    s.add(h ?? '')
  }
  const nowKeys = new Set<string>()
  const renamed: RunDiff['renamed'] = []
  for (const r of now) {
    const k = runKey(r.id, r.name)
    nowKeys.add(k)
    const hs = old.get(k)
    if (hs && !hs.has(hash(r.name)) && r.id !== null) renamed.push({ id: r.id, name: r.name })
  }
  const deleted = [...old.keys()].filter((k) => !nowKeys.has(k))
  return { renamed, deleted, changed_untracked: false }
}
