// drydock gpu-frag: the ATC'23 "Beware of Fragmentation" experiment (shared/reference/fgd-experiment.md) on
// drydock's own engine — every policy × seed on worker threads, the GPU allocation ratio at each arrived-demand
// checkpoint (mean, min, max over seeds), the GPUs left unallocated at the last one, and the time spent.
// Every input is read and checked here, in the main thread, before any run starts: bad input is one
// UserInputError (exit 2).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  POLICY_NAMES,
  PUBLISHED_POLICIES,
  isPolicyName,
  prepareTrace,
  readTraceNodes,
  readTracePods,
  runJobs,
  type PolicyName,
  type RunOptions,
  type RunResult,
} from '../../gpufrag/index.js';
import { writeFileAtomic } from '../../report/files.js';
import { UserInputError } from '../errors.js';
import { prepareOutput, writeOutput } from '../output.js';

export interface GpuFragArgs {
  workload?: string;
  nodes?: string;
  policy?: string[];
  demand: number;
  checkpoints: string;
  seeds: string;
  jobs: number;
  json?: string;
}

/** The trace this checkout's sibling ../shared/datasets holds, if any (the default of --workload / --nodes). */
export const DEFAULT_TRACE_DIR = fileURLToPath(new URL('../../../../../shared/datasets/alibaba-gpu-v2023/', import.meta.url));

export const gpuFragCommand: CommandModule<object, GpuFragArgs> = {
  command: 'gpu-frag',
  describe: "Reproduce the ATC'23 FGD GPU-fragmentation experiment on the Alibaba trace: GPU allocation per policy and demand",
  builder: (y: Argv) =>
    y
      .option('workload', { type: 'string', describe: 'Pod list CSV (openb_pod_list_*.csv; default: the default trace in ../shared/datasets)' })
      .option('nodes', { type: 'string', describe: 'Node list CSV (default: openb_node_list_gpu_node.csv next to the default trace)' })
      .option('policy', { type: 'string', array: true, describe: `Policies to run (default: all: ${POLICY_NAMES.join(', ')})` })
      .option('demand', { type: 'number', default: 1.3, describe: "Workload's total GPU request as a multiple of the cluster's GPUs" })
      .option('checkpoints', { type: 'string', default: '0.9,1.0,1.1,1.2,1.3', describe: 'Arrived GPU request levels at which allocation is read (comma list, each ≤ --demand)' })
      .option('seeds', { type: 'string', default: '42-51', describe: 'Seeds: a range A-B or a comma list' })
      .option('jobs', { type: 'number', default: availableParallelism(), defaultDescription: 'the number of cores', describe: 'Worker threads (1: run in this thread)' })
      .option('json', { type: 'string', describe: 'Write the summary as JSON to FILE' }) as unknown as Argv<GpuFragArgs>,
  handler: async (args: ArgumentsCamelCase<GpuFragArgs>) => {
    const out = await runGpuFragCommand(args);
    process.stdout.write(out.text);
  },
};

export interface AllocationStats {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface PolicySummary {
  readonly policy: PolicyName;
  readonly checkpoints: readonly { readonly demand: number; readonly allocation: AllocationStats }[];
  /** GPUs left unallocated at the last checkpoint, from the mean allocation. */
  readonly unallocatedGpus: number;
  /** Σ of the policy's run times (each run's own wall time, in whichever thread ran it). */
  readonly wallSeconds: number;
}

export interface GpuFragOutcome {
  readonly policies: readonly PolicySummary[];
  readonly runs: readonly RunResult[];
  readonly text: string;
  readonly wallSeconds: number;
}

/** --seeds: "42-51" or "1,2,7". */
export function parseSeeds(text: string): number[] {
  const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  let seeds: number[];
  if (range !== null) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (b < a) throw new UserInputError(`--seeds ${text}: not a range of seeds (expected A-B with A ≤ B, e.g. 42-51)`);
    if (b - a >= 10000) throw new UserInputError(`--seeds ${text}: ${b - a + 1} seeds (expected at most 10000, e.g. 42-51)`);
    seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else {
    seeds = text.split(',').map((s) => Number(s.trim()));
    if (text.trim() === '' || seeds.some((s) => !Number.isSafeInteger(s) || s < 0)) throw new UserInputError(`--seeds ${text}: not seeds (expected a range A-B or a comma list of whole numbers ≥ 0, e.g. 42-51)`);
  }
  if (seeds.some((s) => !Number.isSafeInteger(s) || s > 0xffffffff)) throw new UserInputError(`--seeds ${text}: a seed is out of range (expected whole numbers 0..4294967295)`);
  return seeds;
}

function parseCheckpoints(text: string, demand: number): number[] {
  const cps = text.split(',').map((s) => Number(s.trim()));
  for (const cp of cps) {
    if (!Number.isFinite(cp) || cp <= 0) throw new UserInputError(`--checkpoints ${text}: not a list of positive numbers (expected e.g. 0.9,1.0,1.3)`);
    if (cp > demand + 1e-9) throw new UserInputError(`--checkpoints ${text}: ${cp} is above --demand ${demand} (the workload never reaches it)`);
  }
  return cps;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Everything `drydock gpu-frag` does except printing; tests call it directly. */
export async function runGpuFragCommand(args: GpuFragArgs, options: { workerUrl?: URL } = {}): Promise<GpuFragOutcome> {
  const started = performance.now();
  if (!Number.isFinite(args.demand) || args.demand <= 0) throw new UserInputError(`--demand ${args.demand}: not a demand (expected a multiple of the cluster's GPUs > 0, e.g. 1.3)`);
  if (!Number.isSafeInteger(args.jobs) || args.jobs < 1) throw new UserInputError(`--jobs ${args.jobs}: not a number of worker threads (expected a whole number ≥ 1)`);
  const checkpoints = parseCheckpoints(args.checkpoints, args.demand);
  const seeds = parseSeeds(args.seeds);
  const policies: PolicyName[] = [];
  for (const p of args.policy ?? [...PUBLISHED_POLICIES, 'Drydock']) {
    for (const name of p.split(',')) {
      const match = POLICY_NAMES.find((n) => n.toLowerCase() === name.trim().toLowerCase());
      if (match === undefined || !isPolicyName(match)) throw new UserInputError(`--policy ${name}: no such policy (expected one of ${POLICY_NAMES.join(', ')})`);
      if (!policies.includes(match)) policies.push(match);
    }
  }
  const workload = args.workload ?? `${DEFAULT_TRACE_DIR}openb_pod_list_default.csv`;
  const nodesFile = args.nodes ?? `${DEFAULT_TRACE_DIR}openb_node_list_gpu_node.csv`;
  if (args.workload === undefined && !existsSync(workload)) throw new UserInputError(`--workload: not given, and the default trace is not at ${workload} (give --workload and --nodes)`);
  if (args.json !== undefined) prepareOutput('--json', args.json);

  const pods = readTracePods(workload);
  if (!pods.some((p) => p.gpus > 0)) throw new UserInputError(`${workload}: no pod asks for a GPU, so the workload cannot be scaled to a GPU demand`);
  let trace: ReturnType<typeof prepareTrace>;
  try {
    trace = prepareTrace(readTraceNodes(nodesFile), pods);
  } catch (err) {
    if (err instanceof RangeError) throw new UserInputError(`${nodesFile}: ${err.message}`);
    throw err;
  }
  const jobs: RunOptions[] = [];
  for (const policy of policies) for (const seed of seeds) jobs.push({ policy, seed, demand: args.demand, checkpoints });
  const runs = await runJobs(trace, jobs, args.jobs, options.workerUrl);

  const totalGpus = (runs[0]?.totalGpuMilli ?? 0) / 1000;
  const summaries: PolicySummary[] = policies.map((policy) => {
    const mine = runs.filter((r) => r.policy === policy);
    const cps = checkpoints.map((demand, i) => {
      const values = mine.map((r) => r.allocation[i]).filter((v): v is number => v !== null && v !== undefined);
      const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
      return { demand, allocation: { mean: round2(mean), min: round2(Math.min(...values)), max: round2(Math.max(...values)) } };
    });
    const last = cps[cps.length - 1]!.allocation.mean;
    return { policy, checkpoints: cps, unallocatedGpus: Math.round(totalGpus * (1 - last / 100)), wallSeconds: Math.round(mine.reduce((a, r) => a + r.seconds, 0) * 100) / 100 };
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (args.json !== undefined) {
    const json = JSON.stringify({ policies: summaries }, null, 2) + '\n';
    await writeOutput('--json', args.json, (f) => writeFileAtomic(f, [json]));
  }
  return { policies: summaries, runs, text: formatTable(summaries, { workload, nodesFile, seeds, demand: args.demand, totalGpus, pods: runs[0]?.pods ?? 0, wallSeconds, jobs: args.jobs }), wallSeconds };
}

function formatTable(
  rows: readonly PolicySummary[],
  info: { workload: string; nodesFile: string; seeds: readonly number[]; demand: number; totalGpus: number; pods: number; wallSeconds: number; jobs: number },
): string {
  const first = rows[0];
  if (first === undefined) return '';
  const header = ['policy', ...first.checkpoints.map((c) => `@${round2(c.demand * 100)}% mean [min, max]`), 'unallocated GPUs', 'seconds'];
  const body = rows.map((r) => [
    r.policy,
    ...r.checkpoints.map((c) => `${c.allocation.mean.toFixed(2)} [${c.allocation.min.toFixed(2)}, ${c.allocation.max.toFixed(2)}]`),
    String(r.unallocatedGpus),
    r.wallSeconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd() + '\n';
  const seeds = info.seeds.length > 1 ? `${info.seeds[0]}..${info.seeds[info.seeds.length - 1]} (${info.seeds.length})` : String(info.seeds[0]);
  return (
    `GPU allocation (% of ${info.totalGpus} GPUs) at arrived GPU request levels; demand ${info.demand}, ~${info.pods} pods per run, seeds ${seeds}\n` +
    `workload ${info.workload}\nnodes    ${info.nodesFile}\n\n` +
    line(header) +
    body.map(line).join('') +
    `\n${rows.length * info.seeds.length} runs in ${info.wallSeconds.toFixed(1)} s on ${info.jobs} thread${info.jobs === 1 ? '' : 's'}\n`
  );
}
