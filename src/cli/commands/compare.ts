// drydock compare: the same workload under several node-pool configurations, in parallel worker threads,
// side by side, with the cheapest configuration that meets the SLO flags marked. Each run is what
// `drydock simulate --workload W --pools P --seed S` gives. Every input (flags, the workload, every pools
// file) is read and checked here, in the main thread, before any run starts: bad input is one
// UserInputError (exit 2) naming the file or flag, and no output file is written.
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadCatalog } from '../../cloud/catalog.js';
import { loadNodePools } from '../../cloud/nodepool.js';
import {
  configurationNames,
  ConfigurationRunError,
  formatCompareTable,
  judge,
  runConfigurations,
  writeCompareCsv,
  writeCompareJson,
  writeCompareReport,
  type ComparedConfiguration,
  type Configuration,
  type Slo,
  type Verdict,
} from '../../compare/index.js';
import { loadWorkload } from '../../workload/index.js';
import { EXIT_FAILURE, UserInputError } from '../errors.js';
import { checkSeed } from '../flags.js';
import { prepareOutput, writeOutput } from '../output.js';
import { bundledExample, datasetsDir, durationMs } from './simulate.js';

interface CompareArgs {
  workload?: string[];
  pools?: string[];
  jobs: number;
  seed: number;
  'slo-p99-pending'?: string;
  'max-unschedulable'?: number;
  json?: string;
  csv?: string;
  report?: string;
}

/** The bundled configurations: datasets/example-pools.yaml, then every pools file in datasets/compare/. */
export function bundledConfigurations(): string[] {
  return [bundledExample().pools, ...poolsFilesIn(join(datasetsDir(), 'compare'))];
}

/** *.yaml and *.yml files of a folder, sorted by name. */
function poolsFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** --pools arguments as files: a folder stands for its *.yaml / *.yml files. */
function expandPools(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    let isDir: boolean;
    try {
      isDir = statSync(arg).isDirectory();
    } catch (err) {
      throw new UserInputError(`--pools ${arg}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (expected a node pools YAML file or a folder of them)`);
    }
    if (!isDir) {
      files.push(arg);
      continue;
    }
    const inside = poolsFilesIn(arg);
    if (inside.length === 0) throw new UserInputError(`--pools ${arg}: the folder has no .yaml or .yml file (expected node pools YAML files)`);
    files.push(...inside);
  }
  return files;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare',
  describe: 'Simulate one workload under several node-pool configurations in parallel and compare cost, waiting and utilisation',
  builder: (y: Argv) =>
    y
      .option('workload', { type: 'string', array: true, describe: 'Workload files or folders, as for simulate (default: the bundled datasets/example-workload.csv)' })
      .option('pools', { type: 'string', array: true, describe: 'Pools YAML files or folders of them, one configuration each (default with the bundled workload: datasets/example-pools.yaml and datasets/compare/)' })
      .option('jobs', { type: 'number', default: availableParallelism(), defaultDescription: 'the number of cores', describe: 'Configurations simulated at once, each in its own worker thread (1: one after another)' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of every run (each run is what drydock simulate gives with it)' })
      .option('slo-p99-pending', { type: 'string', describe: 'SLO: p99 pending time at most this (e.g. 60s, 5m)' })
      .option('max-unschedulable', { type: 'number', describe: 'SLO: at most N pods never scheduled' })
      .option('json', { type: 'string', describe: 'Write one summary object per configuration as a JSON array to FILE' })
      .option('csv', { type: 'string', describe: 'Write one CSV row per configuration to FILE' })
      .option('report', { type: 'string', describe: 'Write a self-contained HTML comparison to FILE' }) as unknown as Argv<CompareArgs>,
  handler: async (args: ArgumentsCamelCase<CompareArgs>) => {
    try {
      const out = await runCompareCommand(args, { progress: process.stderr.isTTY === true });
      process.stdout.write(out.text);
    } catch (err) {
      // A broken run is a runtime failure (exit 1), reported as its one line rather than a stack trace.
      if (!(err instanceof ConfigurationRunError)) throw err;
      process.stderr.write(`drydock: ${err.message}\n`);
      process.exitCode = EXIT_FAILURE;
    }
  },
};

export interface CompareOutcome {
  readonly configurations: readonly ComparedConfiguration[];
  readonly verdict: Verdict;
  /** What `drydock compare` prints: the table, the verdict, and a line on how the runs went. */
  readonly text: string;
  readonly wallSeconds: number;
}

/** Everything `drydock compare` does except printing; tests call it directly. */
export async function runCompareCommand(args: CompareArgs, options: { progress?: boolean; workerUrl?: URL } = {}): Promise<CompareOutcome> {
  checkSeed(args.seed);
  if (!Number.isSafeInteger(args.jobs) || args.jobs < 1) throw new UserInputError(`--jobs ${args.jobs}: not a number of worker threads (expected a whole number ≥ 1)`);
  const slo: { -readonly [K in keyof Slo]: Slo[K] } = {};
  if (args['slo-p99-pending'] !== undefined) slo.p99PendingSeconds = durationMs('--slo-p99-pending', args['slo-p99-pending']) / 1000;
  const maxUnschedulable = args['max-unschedulable'];
  if (maxUnschedulable !== undefined) {
    if (!Number.isSafeInteger(maxUnschedulable) || maxUnschedulable < 0) throw new UserInputError(`--max-unschedulable ${maxUnschedulable}: not a pod count (expected a whole number ≥ 0)`);
    slo.maxUnschedulable = maxUnschedulable;
  }
  const workload = args.workload !== undefined && args.workload.length > 0 ? args.workload : undefined;
  let poolsArgs = args.pools !== undefined && args.pools.length > 0 ? args.pools : undefined;
  if (poolsArgs === undefined) {
    if (workload !== undefined) throw new UserInputError('--pools: missing (expected node pools YAML files or folders to compare; the bundled configurations go with the bundled workload only)');
    poolsArgs = bundledConfigurations();
  }

  // Every pools file and the workload are read and checked now, before any worker starts.
  const files = expandPools(poolsArgs);
  const catalog = loadCatalog();
  for (const file of files) loadNodePools(file, catalog);
  // Read as runSimulateCommand reads it with --pools (so no Alibaba node list is looked for).
  await loadWorkload(workload ?? [bundledExample().workload], { poolsFromNodes: false, noNodeList: true });
  const names = configurationNames(files);
  const configs: Configuration[] = files.map((poolsFile, i) => ({ name: names[i]!, poolsFile }));

  const outputs: [string, string, (file: string, c: readonly ComparedConfiguration[], v: Verdict) => Promise<void>][] = [];
  const want = (flag: string, file: string | undefined, write: (file: string, c: readonly ComparedConfiguration[], v: Verdict) => Promise<void>) => {
    if (file === undefined) return;
    prepareOutput(flag, file);
    outputs.push([flag, file, write]);
  };
  want('--json', args.json, writeCompareJson);
  want('--csv', args.csv, writeCompareCsv);
  const title = `drydock compare — ${configs.map((c) => c.name).join(', ')}`;
  want('--report', args.report, (f, c, v) => writeCompareReport(f, c, v, { title, ...(slo.p99PendingSeconds !== undefined ? { p99PendingLimit: slo.p99PendingSeconds } : {}) }));

  const jobs = Math.min(args.jobs, configs.length);
  const started = performance.now();
  let done = 0;
  const configurations = await runConfigurations(configs, {
    ...(workload !== undefined ? { workload } : {}),
    seed: args.seed,
    jobs,
    ...(options.workerUrl !== undefined ? { workerUrl: options.workerUrl } : {}),
    onDone: (i, run) => {
      done++;
      if (options.progress === true) process.stderr.write(`\r[${done}/${configs.length}] ${configs[i]!.name} simulated in ${run.summary.wallSeconds.toFixed(1)}s\x1b[K`);
    },
  });
  if (options.progress === true) process.stderr.write('\r\x1b[K');
  const wallSeconds = (performance.now() - started) / 1000;

  const verdict = judge(configurations, slo);
  const how = jobs === 1 ? 'one after another' : `${jobs} worker threads`;
  const count = `${configs.length} configuration${configs.length === 1 ? '' : 's'}`;
  const text = formatCompareTable(configurations, verdict) + `${count}, seed ${args.seed}, simulated in ${wallSeconds.toFixed(1)}s wall (${how})\n`;
  for (const [flag, file, write] of outputs) await writeOutput(flag, file, (f) => write(f, configurations, verdict));
  return { configurations, verdict, text, wallSeconds };
}
