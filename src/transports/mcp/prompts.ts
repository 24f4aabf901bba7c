import { ProtocolError, ProtocolErrorCode, type GetPromptResult, type Prompt } from '@modelcontextprotocol/server'
import { METRIC_TEMPLATE, PROJECTS_URI, RUN_TEMPLATE, runsUri, RUNS_TEMPLATE, runUri } from './uris'

/** Tool names the prompts and instructions point to, whichever of them this server has. */
export type ToolNames = ReadonlySet<string>

type Args = Record<'project' | 'run' | 'runs' | 'metric' | 'goal', string>

interface PromptDef extends Prompt {
  render(args: Args, tools: ToolNames): string
}

/** `a` when the server has tool `a`, else the first fallback it has. */
function pick(tools: ToolNames, ...names: string[]): string {
  return names.find((n) => tools.has(n)) ?? names[names.length - 1]!
}

function listStep(tools: ToolNames, project: string): string {
  return tools.has('list_runs')
    ? `Call list_runs(project="${project}") to see the runs with their config values and per-metric summaries`
    : `Read ${runsUri(project)} (or call get_runs_for_project) to see the runs, then get_run_summary for the ones that matter`
}

/** What to look at a series with: a noun phrase. */
function historyStep(tools: ToolNames): string {
  return tools.has('get_metric_history')
    ? 'get_metric_history (several runs and metrics in one call; long series downsampled, extrema kept)'
    : `the metric resources (${METRIC_TEMPLATE}: downsampled, extrema kept) or get_metric_values with around_step/window for a close look`
}

function plotStep(tools: ToolNames): string {
  return tools.has('plot_metrics') ? 'Finish with plot_metrics for the curves you talk about.' : ''
}

const PROMPTS: PromptDef[] = [
  {
    name: 'analyse_run',
    title: 'Analyse a run',
    description: 'How a training run went: trends, spikes, NaNs, best vs last value, alerts.',
    arguments: [
      { name: 'project', description: 'Project name', required: true },
      { name: 'run', description: 'Run name', required: true },
    ],
    render: (a, t) =>
      [
        `Analyse run "${a.run}" of the Trackio project "${a.project}".`,
        `1. Read ${runUri(a.project, a.run)} for its summary (steps logged, metric names, config, alerts).`,
        t.has('diagnose_run')
          ? `2. Call diagnose_run(project="${a.project}", run="${a.run}") for trends, spikes, NaN/Inf and system limits.`
          : `2. Look at each main metric with ${historyStep(t)}: the trend, spikes, NaN/Inf, the best vs the last value.`,
        `3. Call ${pick(t, 'get_alerts')}(project="${a.project}", run="${a.run}") if the summary counts alerts.`,
        'Report in a few sentences with step numbers and values.',
        plotStep(t),
      ]
        .filter(Boolean)
        .join('\n'),
  },
  {
    name: 'compare_runs',
    title: 'Compare runs',
    description: 'Config differences and metric outcomes of two or more runs, and where their curves part.',
    arguments: [
      { name: 'project', description: 'Project name', required: true },
      { name: 'runs', description: 'Run names, comma-separated', required: true },
    ],
    render: (a, t) => {
      const runs = a.runs.split(',').map((r) => r.trim()).filter(Boolean)
      return [
        `Compare the runs ${runs.map((r) => `"${r}"`).join(', ')} of the Trackio project "${a.project}".`,
        t.has('compare_runs')
          ? `1. Call compare_runs(project="${a.project}", runs=${JSON.stringify(runs)}) for the config diff, metric summaries and divergence steps.`
          : `1. Read ${runs.map((r) => runUri(a.project, r)).join(', ')} and compare their configs (only the keys that differ) and last metric values.`,
        `2. Look at the metrics that differ most with ${historyStep(t)}.`,
        'Say which run is better on which metric, by how much, and which config difference most likely explains it.',
        plotStep(t),
      ]
        .filter(Boolean)
        .join('\n')
    },
  },
  {
    name: 'find_best_run',
    title: 'Find the best run',
    description: 'The run with the best value of a metric (lowest loss, highest accuracy), with its config.',
    arguments: [
      { name: 'project', description: 'Project name', required: true },
      { name: 'metric', description: 'Metric to rank by, e.g. loss or val/accuracy', required: true },
      { name: 'goal', description: '"min" (default) or "max"', required: false },
    ],
    render: (a, t) => {
      const goal = a.goal === 'max' ? 'max' : 'min'
      return [
        `Find the best run of the Trackio project "${a.project}" by ${goal === 'min' ? 'lowest' : 'highest'} "${a.metric}".`,
        t.has('list_runs')
          ? `1. Call list_runs(project="${a.project}", metrics=["${a.metric}"], order_by="${a.metric}.${goal} ${goal === 'min' ? 'asc' : 'desc'}", limit=5).`
          : `1. ${listStep(t, a.project)}; for each run read ${runsUri(a.project)}/{run}/metrics/${encodeURIComponent(a.metric)} and take its ${goal}imum.`,
        '2. Check that the winner did not end on a NaN or a spike, and compare its best value with its last one.',
        'Answer with the run name, the value and step, and the config values that set it apart.',
        plotStep(t),
      ]
        .filter(Boolean)
        .join('\n')
    },
  },
  {
    name: 'watch_training_run',
    title: 'Watch a training run',
    description: 'Follow a run while it trains: new steps, alerts, divergence; report what changes.',
    arguments: [
      { name: 'project', description: 'Project name', required: true },
      { name: 'run', description: 'Run name', required: true },
    ],
    render: (a, t) =>
      [
        `Watch run "${a.run}" of the Trackio project "${a.project}" while it trains.`,
        `1. Read ${runUri(a.project, a.run)} now and note the last step, the latest metric values and the alerts.`,
        `2. Subscribe to ${runUri(a.project, a.run)} (resources/subscribe, or subscriptions/listen with resourceSubscriptions): you are notified on every new step and alert.`,
        `3. On each notification re-read the summary${t.has('get_changes') ? ' (get_changes tells what is new since your cursor)' : ''} and look at the new points of the main metrics with ${historyStep(t)}.`,
        '4. Speak up only when something matters: a NaN/Inf, a loss spike, a plateau, divergence, a new alert, or the run stopping.',
      ].join('\n'),
  },
]

export function listPrompts(): Prompt[] {
  return PROMPTS.map(({ render: _r, ...p }) => p)
}

export function getPrompt(name: string, args: Record<string, string> | undefined, t: ToolNames): GetPromptResult {
  const def = PROMPTS.find((p) => p.name === name)
  if (!def) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt '${name}'; prompts: ${PROMPTS.map((p) => p.name).join(', ')}`)
  const given = args ?? {}
  for (const arg of def.arguments ?? [])
    if (arg.required && !(given[arg.name] ?? '').trim()) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Missing required argument '${arg.name}' for prompt ${name}`)
  const a: Args = { project: '', run: '', runs: '', metric: '', goal: '', ...given }
  return { description: def.description, messages: [{ role: 'user', content: { type: 'text', text: def.render(a, t) } }] }
}

/** The server instructions: what is here and the order in which to use it. */
export function instructions(t: ToolNames): string {
  const find = t.has('list_runs') ? 'list_runs (filter and order runs by config values and metric summaries)' : 'get_all_projects, get_runs_for_project and get_run_summary'
  const look = [
    t.has('get_metric_history') ? 'get_metric_history (several runs and metrics in one call, downsampled with extrema kept)' : 'get_metric_values (one metric of one run; use around_step/window for a close look)',
    t.has('diagnose_run') ? 'diagnose_run (trend, spikes, NaN/Inf, best vs last, system limits, alerts)' : 'get_alerts (alerts of a run)',
  ]
  return [
    'Trackio experiment tracking data: projects hold runs; runs hold metrics logged per step, a config, system metrics and alerts.',
    `Workflow: find runs with ${find}; then look closer with ${look.join(' or ')}${t.has('plot_metrics') ? '; then show curves with plot_metrics (an image)' : ''}.`,
    `Resources: ${PROJECTS_URI}, ${RUNS_TEMPLATE}, ${RUN_TEMPLATE} (summary), ${METRIC_TEMPLATE} (downsampled series); names complete with completion/complete. Subscribe to a run or a run list to be told about new steps, alerts and created, renamed or deleted runs.`,
    `Prompts: ${PROMPTS.map((p) => p.name).join(', ')}.`,
    'Long series cost many tokens: prefer summaries and downsampled series to raw get_logs dumps. Writing tools (log_metrics, log_alert, rename_run, delete_run) need the write token.',
  ].join('\n')
}
