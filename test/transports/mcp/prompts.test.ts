import { describe, expect, test } from 'bun:test'
import { getPrompt, instructions, listPrompts } from '../../../src/transports/mcp/prompts'

const TODAY = new Set(['get_all_projects', 'get_runs_for_project', 'get_run_summary', 'get_metric_values', 'get_alerts'])
const AGENT = new Set([...TODAY, 'list_runs', 'get_metric_history', 'diagnose_run', 'compare_runs', 'get_changes', 'plot_metrics'])

describe('instructions and prompts follow the tools the server has', () => {
  test('the workflow names list_runs → get_metric_history / diagnose_run → plot_metrics when they exist', () => {
    const text = instructions(AGENT)
    expect(text).toMatch(/list_runs[^\n]*then look closer with get_metric_history[^\n]*or diagnose_run[^\n]*plot_metrics/)
    expect(instructions(TODAY)).toContain('get_all_projects, get_runs_for_project and get_run_summary')
    expect(instructions(TODAY)).not.toContain('list_runs')
  })

  test('find_best_run is one list_runs call when there is one, and resource reads otherwise', () => {
    expect(getPrompt('find_best_run', { project: 'p', metric: 'acc', goal: 'max' }, AGENT).messages[0]!.content).toMatchObject({
      text: expect.stringContaining('list_runs(project="p", metrics=["acc"], order_by="acc.max desc", limit=5)'),
    })
    const today = (getPrompt('find_best_run', { project: 'p', metric: 'train/loss' }, TODAY).messages[0]!.content as { text: string }).text
    expect(today).toContain('trackio://projects/p/runs/{run}/metrics/train%2Floss')
    expect(today).toContain('lowest "train/loss"')
  })

  test('four prompts; required arguments are checked by name; an unknown prompt names the known ones', () => {
    expect(listPrompts().map((p) => p.name)).toEqual(['analyse_run', 'compare_runs', 'find_best_run', 'watch_training_run'])
    expect(() => getPrompt('analyse_run', { project: 'p' }, TODAY)).toThrow("Missing required argument 'run'")
    expect(() => getPrompt('analyse_run', { project: 'p', run: '  ' }, TODAY)).toThrow("Missing required argument 'run'")
    expect(() => getPrompt('nope', {}, TODAY)).toThrow('prompts: analyse_run, compare_runs')
    const compare = (getPrompt('compare_runs', { project: 'p', runs: 'a, b,,c' }, AGENT).messages[0]!.content as { text: string }).text
    expect(compare).toContain('compare_runs(project="p", runs=["a","b","c"])')
  })
})
