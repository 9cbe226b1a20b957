// drydock compare's engine: the same workload under each pool configuration, each run exactly a
// `drydock simulate` run (src/compare/run.ts), either one after another in this thread (jobs = 1) or spread
// over `jobs` worker threads, each running one configuration at a time.
// Results come back in configuration order whatever order the runs finish in, so a parallel and a sequential
// comparison give the same result (only wallSeconds differs). Inputs are checked before this is called
// (src/cli/commands/compare.ts): here a failure is a broken run, reported as one line naming the configuration.
import { basename, extname } from 'node:path';
import { runPool } from '../util/workerpool.js';
import { UserInputError } from '../cli/errors.js';
import type { MetricsSample, SimulationSummary } from '../sim/types.js';
import { runConfiguration, type ConfigurationJob, type ConfigurationRun } from './run.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

/** One pool configuration to compare: a pools YAML file and the name it is shown under. */
export interface Configuration {
  readonly name: string;
  readonly poolsFile: string;
}

/** One configuration's outcome. */
export interface ComparedConfiguration extends Configuration {
  readonly summary: SimulationSummary;
  readonly metrics: readonly MetricsSample[];
  /** The most nodes each pool had at any sample (keys sorted; "" = nodes outside any pool). */
  readonly peakNodes: Readonly<Record<string, number>>;
}

/** The compiled worker next to this module (dist/src/compare/worker.js). */
export const DEFAULT_WORKER_URL = new URL('./worker.js', import.meta.url);

export interface CompareOptions {
  /** Workload files or folders; absent: the bundled example. */
  readonly workload?: readonly string[];
  readonly seed: number;
  /** At most this many runs at once; 1 runs them one after another in this thread. */
  readonly jobs: number;
  /** The worker module (tests inject failing ones); default DEFAULT_WORKER_URL. */
  readonly workerUrl?: URL;
  /** Called as each configuration finishes (in completion order), e.g. for a progress line. */
  readonly onDone?: (index: number, run: ConfigurationRun) => void;
}

/** A run that broke (not bad input, which is a UserInputError): one line naming the configuration. */
export class ConfigurationRunError extends Error {
  override readonly name = 'ConfigurationRunError';
  constructor(config: Configuration, reason: string) {
    super(`configuration ${config.name} (${config.poolsFile}): the simulation failed: ${reason.split('\n')[0]}`);
  }
}

/**
 * Names for pools files: the basename without its extension; a name that several files share keeps it for
 * the first, and the others get -2, -3, ... (skipping names another file already has), in the order given.
 */
export function configurationNames(files: readonly string[]): string[] {
  const bases = files.map((f) => basename(f, extname(f)));
  const taken = new Set(bases);
  const seen = new Set<string>();
  return bases.map((b) => {
    if (!seen.has(b)) {
      seen.add(b);
      return b;
    }
    let k = 2;
    while (taken.has(`${b}-${k}`)) k++;
    taken.add(`${b}-${k}`);
    return `${b}-${k}`;
  });
}

/** Max of `nodes` over each pool's samples, keys sorted. */
export function peakNodes(metrics: readonly MetricsSample[]): Record<string, number> {
  const peak = new Map<string, number>();
  for (const m of metrics) peak.set(m.pool, Math.max(peak.get(m.pool) ?? 0, m.nodes));
  return Object.fromEntries([...peak.keys()].sort().map((p) => [p, peak.get(p)!]));
}

/** A failure message of a run as the error the caller sees. */
function runError(config: Configuration, message: string, userInput: boolean): Error {
  return userInput ? new UserInputError(message) : new ConfigurationRunError(config, message);
}

async function sequential(jobs: readonly ConfigurationJob[], onDone: CompareOptions['onDone']): Promise<ConfigurationRun[]> {
  const runs: ConfigurationRun[] = [];
  for (const [i, job] of jobs.entries()) {
    try {
      runs.push(await runConfiguration(job));
    } catch (err) {
      throw runError({ name: job.name, poolsFile: job.poolsFile }, err instanceof Error ? err.message : String(err), err instanceof UserInputError);
    }
    onDone?.(i, runs[i]!);
  }
  return runs;
}

/**
 * `size` worker threads, each given the next configuration as soon as it answers the last (so a thread runs
 * several in turn, as the sequential path does); the first failure terminates them all.
 */
function pooled(jobs: readonly ConfigurationJob[], size: number, url: URL, onDone: CompareOptions['onDone']): Promise<ConfigurationRun[]> {
  const configOf = (i: number): Configuration => ({ name: jobs[i]!.name, poolsFile: jobs[i]!.poolsFile });
  return runPool<ConfigurationJob, ConfigurationRun, WorkerReply>(jobs, size, url, {
    request: (index, job) => ({ index, job }) satisfies WorkerRequest,
    reply: (r) => (r.ok ? { index: r.index, result: r.run } : { index: r.index, error: runError(configOf(r.index), r.message, r.userInput) }),
    threadError: (index, reason) => new ConfigurationRunError(configOf(index ?? 0), reason),
    ...(onDone !== undefined ? { onDone } : {}),
  });
}

/** Simulates every configuration; the results are in the order of `configs`. */
export async function runConfigurations(configs: readonly Configuration[], options: CompareOptions): Promise<ComparedConfiguration[]> {
  if (!Number.isSafeInteger(options.jobs) || options.jobs < 1) throw new RangeError(`jobs must be a whole number ≥ 1, not ${options.jobs}`);
  const jobs: ConfigurationJob[] = configs.map((c) => ({
    name: c.name,
    poolsFile: c.poolsFile,
    ...(options.workload !== undefined ? { workload: options.workload } : {}),
    seed: options.seed,
  }));
  const runs = options.jobs === 1 ? await sequential(jobs, options.onDone) : await pooled(jobs, options.jobs, options.workerUrl ?? DEFAULT_WORKER_URL, options.onDone);
  return configs.map((c, i) => ({ name: c.name, poolsFile: c.poolsFile, summary: runs[i]!.summary, metrics: runs[i]!.metrics, peakNodes: peakNodes(runs[i]!.metrics) }));
}
