import { columnText, parseJson } from '../../json/parse'
import type { Json } from '../../json/values'
import type { ProjectDb } from '../db/connection'
import { decodeObject, int, text } from '../db/decode'
import { resolveRun } from './runs'

export const TRACE_SORTS = {
  step_asc: 'step ASC, timestamp ASC, id ASC',
  step_desc: 'step DESC, timestamp DESC, id DESC',
  request_time_asc: 'timestamp ASC, id ASC',
  request_time_desc: 'timestamp DESC, id DESC',
} as const

export type TraceSort = keyof typeof TRACE_SORTS

export interface TraceQuery {
  run: string | null
  runId: string | null
  search: string | null
  sort: TraceSort
  /** null: every trace (up to the caller's cap). */
  limit: number | null
  offset: number
  step: number | bigint | null
}

/** A run's traces (Trackio's `get_traces`): filtered by step and a case-insensitive substring of their text. */
export function traces(p: ProjectDb, q: TraceQuery): { [key: string]: Json }[] {
  const f = resolveRun(p, 'traces', q.run, q.runId)
  if (!f || !p.hasTable('traces')) return []
  const where = [`${f.column} = ?`]
  const params: (string | number | bigint)[] = [f.value]
  if (q.step !== null) {
    where.push('step = ?')
    params.push(q.step)
  }
  const needle = q.search?.trim().toLowerCase()
  if (needle) {
    where.push('search_text LIKE ?')
    params.push(`%${needle}%`)
  }
  let sql = `SELECT id, key, trace_index, run_name, run_id, step, timestamp, messages, metadata FROM traces WHERE ${where.join(' AND ')} ORDER BY ${TRACE_SORTS[q.sort]}`
  if (q.limit !== null) {
    sql += ' LIMIT ?'
    params.push(q.limit)
  }
  if (q.offset > 0) {
    if (q.limit === null) sql += ' LIMIT -1'
    sql += ' OFFSET ?'
    params.push(q.offset)
  }
  return p.db
    .query(sql)
    .values(...params)
    .map(([id, key, index, runName, runId, step, ts, messages, metadata]) => ({
      id: text(id),
      key: text(key),
      index: int(index),
      run: text(runName),
      run_id: text(runId),
      step: int(step),
      timestamp: text(ts),
      messages: parseJson(columnText(messages)),
      metadata: decodeObject(metadata),
    }))
}

/** Per-step trace counts of a run, ascending, and their total (Trackio's `get_trace_steps`). */
export function traceSteps(p: ProjectDb, run: string | null, runId: string | null): { total: number; steps: { step: number | bigint | null; count: number }[] } {
  const f = resolveRun(p, 'traces', run, runId)
  if (!f || !p.hasTable('traces')) return { total: 0, steps: [] }
  const steps = p.db
    .query(`SELECT step, COUNT(*) AS c FROM traces WHERE ${f.column} = ? GROUP BY step ORDER BY step ASC`)
    .values(f.value)
    .map(([step, c]) => ({ step: int(step), count: Number(c) }))
  return { total: steps.reduce((a, s) => a + s.count, 0), steps }
}
