// One configuration's run: exactly what `drydock simulate --workload W --pools P --seed S` does (the same
// runSimulateCommand, the same default sampling), reduced to what a comparison keeps. The worker thread and
// the sequential path (--jobs 1) both call this, so the two cannot drift apart.
import { DEFAULT_SAMPLE_EVERY, runSimulateCommand } from '../cli/commands/simulate.js';
import type { MetricsSample, SimulationSummary } from '../sim/types.js';

/** What one run needs, as plain data: it crosses to a worker thread by structured clone. */
export interface ConfigurationJob {
  /** The configuration's name, for messages. */
  readonly name: string;
  readonly poolsFile: string;
  /** Workload files or folders; absent: the bundled example, as for `drydock simulate`. */
  readonly workload?: readonly string[];
  readonly seed: number;
}

/** What a run hands back: the summary and the per-pool samples, not the placements and events (they are big). */
export interface ConfigurationRun {
  readonly summary: SimulationSummary;
  readonly metrics: readonly MetricsSample[];
}

export async function runConfiguration(job: ConfigurationJob): Promise<ConfigurationRun> {
  const result = await runSimulateCommand({
    ...(job.workload !== undefined ? { workload: [...job.workload] } : {}),
    pools: job.poolsFile,
    'pools-from-nodes': false,
    seed: job.seed,
    'sample-every': DEFAULT_SAMPLE_EVERY,
    quiet: true,
  });
  return { summary: result.summary, metrics: result.metrics };
}
