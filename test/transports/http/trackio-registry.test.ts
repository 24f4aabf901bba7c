import { expect, test } from 'bun:test'
import { copyFixtures, inProcessApp } from '../../helpers'

/**
 * Every name of Trackio's endpoint registry (spec 6.4, 44 names) is a route here: with or without
 * the write token, with an empty body or with arguments of the wrong type, none answers 404 (an
 * unknown API) or 5xx. Hugging Face-only names answer a 400 that says so.
 */
const TRACKIO_API = `get_run_mutation_status, upload_db_to_space, bulk_upload_media, check_artifact_blobs,
bulk_upload_artifact_blob, artifact_log, get_artifact_manifest, get_artifacts,
list_artifacts, get_run_artifacts, get_run_artifact_counts, get_artifact_consumers,
get_artifact_lineage, log_artifact_use, log, bulk_log, bulk_log_system, bulk_alert,
get_alerts, get_metric_values, get_runs_for_project, get_run_configs, get_metrics_for_run,
get_all_projects, get_project_summary, get_run_summary, get_system_metrics_for_run,
get_system_logs, get_system_logs_batch, get_snapshot, get_logs, get_logs_batch,
get_traces, get_trace_steps, query_project, get_settings, get_registry_buckets,
get_registries, get_registry_details, get_project_files, get_tab_availability, delete_run,
rename_run, force_sync`
  .split(',')
  .map((s) => s.trim())

test('the registry has 44 names', () => {
  expect(TRACKIO_API).toHaveLength(44)
  expect(new Set(TRACKIO_API).size).toBe(44)
})

test('every name answers, never 404 or 5xx, whatever the body', async () => {
  const { call } = await inProcessApp(copyFixtures('basic'), 'tok')
  const bodies: unknown[] = [{}, { project: 'image-classification' }, { project: 5, run: [], runs: 'x', query: 7, version_id: 'x' }, [null, null, null], 'image-classification', null]
  const seen: string[] = []
  for (const name of TRACKIO_API)
    for (const headers of [{}, { 'x-trackio-write-token': 'tok' }] as Record<string, string>[])
      for (const body of bodies) {
        const r = await call(name, body, headers)
        const ok = r.status !== 404 && r.status < 500 && typeof r.json === 'object' && r.json !== null
        if (!ok) seen.push(`${name} ${JSON.stringify(body)} ${JSON.stringify(headers)} -> ${r.status} ${r.text.slice(0, 200)}`)
      }
  expect(seen).toEqual([])
})

test('the Hugging Face-only names say so', async () => {
  const { call } = await inProcessApp(copyFixtures('basic'), 'tok')
  const h = { 'x-trackio-write-token': 'tok' }
  for (const [name, args] of [
    ['upload_db_to_space', { project: 'p', uploaded_db: { path: '/tmp/x' } }],
    ['get_registries', { bucket_id: 'me/b' }],
    ['get_registry_details', { registry: 'r', bucket_id: 'me/b' }],
  ] as const) {
    const r = await call(name, args, h)
    expect({ name, status: r.status }).toEqual({ name, status: 400 })
    expect(r.json.error).toContain('Hugging Face Space / Hub functionality')
  }
  expect((await call('get_registry_buckets', {}, h)).json).toEqual({ data: { buckets: [], default_bucket_id: null } })
})
