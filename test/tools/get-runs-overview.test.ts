import { describe, expect, test } from 'bun:test'
import { appCaller, copyFixtures, tempDir, WRITE_HEADERS } from '../helpers'

describe('get_runs_overview', () => {
  const call = appCaller(copyFixtures('basic', 'edge'))
  const data = async (tool: string, body: unknown) => (await call(tool, body)).json.data

  test('every run in one answer: the same ids, names, steps and configs as the per-run tools', async () => {
    const overview = await data('get_runs_overview', { project: 'llm-finetune' })
    const runs = await data('get_runs_for_project', { project: 'llm-finetune' })
    expect(overview.runs.map((r: any) => [r.id, r.name, r.created_at])).toEqual(runs.map((r: any) => [r.id, r.name, r.created_at]))
    for (const r of overview.runs) {
      const s = await data('get_run_summary', { project: 'llm-finetune', run: r.name, run_id: r.id })
      expect(r.num_logs).toBe(s.num_logs)
      expect(r.last_step).toBe(s.last_step)
      expect(r.config).toEqual(s.config)
      expect(r.traces).toBe(0)
      // Only numeric keys: every summary metric that has a number somewhere.
      expect(r.metrics).toEqual(['lr', 'tokens_per_sec', 'train/loss', 'train/perplexity'].filter((m) => s.metrics.includes(m)))
    }
  })

  test('nested dicts become a/b names that get_metric_history reads', async () => {
    const overview = await data('get_runs_overview', { project: 'image-classification' })
    const baseline = overview.runs.find((r: any) => r.name === 'baseline')
    expect(baseline.metrics).toEqual(['acc', 'epoch', 'loss', 'lr', 'val/acc', 'val/loss'])
    const h = await data('get_metric_history', { project: 'image-classification', runs: ['baseline'], metrics: ['val/loss'], downsample: 'none' })
    const logs = (await data('get_logs', { project: 'image-classification', run: 'baseline' })) as any[]
    const nested = logs.filter((l) => l.val && typeof l.val.loss === 'number')
    expect(nested.length).toBeGreaterThan(0)
    expect(h.series[0].steps).toEqual(nested.map((l) => l.step))
    expect(h.series[0].values).toEqual(nested.map((l) => l.val.loss))
  })

  test('media, histograms and tables are no metrics; typed values inside dicts neither', async () => {
    const overview = await data('get_runs_overview', { project: 'media-project' })
    for (const r of overview.runs) for (const m of r.metrics) expect(['scalar']).toContain(m)
    // The fixture's one trace, logged by Trackio.
    expect(overview.runs.map((r: any) => [r.name, r.traces])).toEqual([['media-run', 1], ['media-new-name', 0]])
    const dir = tempDir()
    const w = appCaller(dir)
    const metrics = { top: 1.5, train: { loss: 0.5, deep: { x: 2 }, img: { _type: 'trackio.image', file_path: 'a.png', caption: null, n: 3 }, list: [1, 2], text: 'hi', nan: 'NaN' }, 'train/loss': 9 }
    expect((await w('bulk_log', { logs: [{ project: 'p', run: 'r', step: 0, metrics }], hf_token: null }, WRITE_HEADERS)).status).toBe(200)
    const r = (await w('get_runs_overview', { project: 'p' })).json.data.runs[0]
    // The top-level "train/loss" wins over the nested one of the same name.
    expect(r.metrics).toEqual(['top', 'train/loss', 'train/deep/x'])
    const h = (await w('get_metric_history', { project: 'p', runs: ['r'], metrics: ['train/loss', 'train/deep/x'] })).json.data
    expect(h.series.map((s: any) => s.values[0])).toEqual([9, 2])
  })

  test('last_values: each metric at the run\'s highest step holding it, as get_metric_values reads it', async () => {
    let checked = 0
    for (const project of ['llm-finetune', 'image-classification', 'media-project']) {
      const overview = await data('get_runs_overview', { project })
      for (const r of overview.runs) {
        expect(Object.keys(r.last_values)).toEqual(r.metrics)
        for (const m of r.metrics) {
          let expected: unknown
          if (m.includes('/') && !(await data('get_run_summary', { project, run: r.name, run_id: r.id })).metrics.includes(m)) {
            const h = await data('get_metric_history', { project, runs: [r.name], metrics: [m], downsample: 'none' })
            expected = h.series[0].values.at(-1)
          } else {
            const rows = (await data('get_metric_values', { project, run: r.name, run_id: r.id, metric_name: m })) as { step: number; value: unknown }[]
            // Highest step; of several rows at that step the last in timestamp order; numbers only.
            const numeric = rows.filter((x) => typeof x.value === 'number' || x.value === null)
            const top = Math.max(...numeric.map((x) => x.step))
            expected = numeric.filter((x) => x.step === top).at(-1)!.value
          }
          expect([m, r.last_values[m]]).toEqual([m, expected])
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(20)
  })

  test('last_values: NaN and Infinity as null, ties at a step, early-only metrics, nested leaves', async () => {
    const w = appCaller(tempDir())
    const logs = [
      { project: 'p', run: 'r', step: 0, metrics: { early: 3, loss: 1, inf: 1, d: { x: 1 } } },
      { project: 'p', run: 'r', step: 5, metrics: { loss: 0.5, inf: 'Infinity', d: { x: 2 } } },
      { project: 'p', run: 'r', step: 5, metrics: { loss: 0.25, note: 'text' } },
      { project: 'p', run: 'r', step: 2, metrics: { loss: 'NaN', late: 7 } },
      { project: 'p', run: 'r', step: 6, metrics: { late: 'not a number' } },
    ]
    expect((await w('bulk_log', { logs, hf_token: null }, WRITE_HEADERS)).status).toBe(200)
    const r = (await w('get_runs_overview', { project: 'p' })).json.data.runs[0]
    expect(r.metrics).toEqual(['early', 'inf', 'late', 'loss', 'd/x'])
    expect(r.last_values).toEqual({ early: 3, inf: null, late: 7, loss: 0.25, 'd/x': 2 })
    // The answer follows new rows.
    expect((await w('bulk_log', { logs: [{ project: 'p', run: 'r', step: 9, metrics: { loss: 'NaN' } }], hf_token: null }, WRITE_HEADERS)).status).toBe(200)
    expect((await w('get_runs_overview', { project: 'p' })).json.data.runs[0].last_values.loss).toBeNull()
  })

  test('an unknown project has no runs', async () => {
    expect(await data('get_runs_overview', { project: 'nope' })).toEqual({ project: 'nope', runs: [] })
  })
})
