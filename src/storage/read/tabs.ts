import type { ProjectDb } from '../db/connection'

export interface TabFlags {
  metrics: boolean
  system: boolean
  traces: boolean
  media: boolean
  reports: boolean
  alerts: boolean
  artifacts: boolean
}

export const NO_TABS: TabFlags = { metrics: false, system: false, traces: false, media: false, reports: false, alerts: false, artifacts: false }

const MEDIA_TYPES = ['image', 'video', 'audio', 'table', 'html', 'object3d']

/** Which dashboard tabs have data (Trackio's `get_tab_availability_flags`): one indexed-or-first-match probe each. */
export function tabFlags(p: ProjectDb): TabFlags {
  const exists = (table: string, sql: string, params: string[] = []): boolean =>
    p.hasTable(table) && p.db.query(sql).values(...params).length > 0
  const m = 'CAST(metrics AS TEXT)'
  return {
    metrics: exists('metrics', `SELECT 1 FROM metrics WHERE ${m} GLOB '*:[0-9]*' OR ${m} GLOB '*:-[0-9]*' OR ${m} GLOB ? LIMIT 1`, ['*"_type":"trackio.histogram"*']),
    media: exists('metrics', `SELECT 1 FROM metrics WHERE ${MEDIA_TYPES.map(() => `${m} GLOB ?`).join(' OR ')} LIMIT 1`, MEDIA_TYPES.map((t) => `*"_type":"trackio.${t}"*`)),
    reports: exists('metrics', `SELECT 1 FROM metrics WHERE ${m} GLOB ? LIMIT 1`, ['*"_type":"trackio.markdown"*']),
    system: exists('system_metrics', 'SELECT 1 FROM system_metrics LIMIT 1'),
    traces: exists('traces', 'SELECT 1 FROM traces LIMIT 1'),
    alerts: exists('alerts', 'SELECT 1 FROM alerts LIMIT 1'),
    artifacts: exists('artifact_versions', 'SELECT 1 FROM artifact_versions LIMIT 1'),
  }
}
