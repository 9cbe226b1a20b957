// The trace-replay benchmark case: the Alibaba GPU cluster trace's default pod list (8,152 pods over 149 days)
// on its own 1,523 nodes, through `drydock simulate` exactly as the command line runs it. Its figure is the
// wall time. The trace is study data kept outside the repository (../shared/datasets); without it the case
// is skipped, and says so.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsDir, runSimulateCommand } from '../cli/commands/simulate.js';
import { REPLAY_CASE } from './cases.js';
import type { CaseResult } from './runner.js';

export { REPLAY_CASE };

/** ../shared/datasets/alibaba-gpu-v2023 next to the checkout (the project's datasets/ is ./datasets). */
export function alibabaTraceDir(): string {
  return join(datasetsDir(), '..', '..', 'shared', 'datasets', 'alibaba-gpu-v2023');
}

export type ReplayOutcome = { readonly skipped: string } | CaseResult;

export async function runAlibabaReplay(traceDir = alibabaTraceDir()): Promise<ReplayOutcome> {
  const pods = join(traceDir, 'openb_pod_list_default.csv');
  if (!existsSync(pods)) return { skipped: `${pods} not found (the trace lives outside the repository, in ../shared/datasets)` };
  const started = process.hrtime.bigint();
  const result = await runSimulateCommand({ workload: [pods], 'pools-from-nodes': false, seed: 1, 'sample-every': '60s', quiet: true });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const first = result.metrics.filter((m) => m.t === result.metrics[0]?.t);
  return {
    case: REPLAY_CASE,
    nodes: first.reduce((n, m) => n + m.nodes, 0),
    initPods: 0,
    measuredPods: result.summary.pods.total,
    seconds: result.summary.wallSeconds,
    wallSeconds,
    podsPerSecond: result.summary.pods.total / wallSeconds,
    threshold: 0,
    ratio: 0,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    schedulerOnly: false,
    note: `drydock simulate --workload ${pods}: ${result.summary.simulatedSeconds / 86_400} simulated days, ${result.summary.pods.scheduled} pods scheduled`,
  };
}
