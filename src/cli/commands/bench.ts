// drydock bench: scheduling throughput on kube-scheduler's own workload shapes (scheduler_perf), through
// the full control plane, next to kube-scheduler's thresholds.
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { ALL_CASES, findCase, SCALE_CASE } from '../../bench/cases.js';
import { REPLAY_CASE, type ReplayOutcome } from '../../bench/replay.js';
import type { CaseResult } from '../../bench/runner.js';
import { writeFileAtomic } from '../../report/files.js';
import { UserInputError } from '../errors.js';
import { checkSeed } from '../flags.js';
import { prepareOutput, writeOutput } from '../output.js';

interface BenchArgs {
  case?: string[];
  nodes?: number;
  pods?: number;
  'scheduler-only': boolean;
  json?: string;
  /** Runs per case; unset: DEFAULT_RUNS for the scheduler_perf cases, one for the scale case and the replay. */
  runs?: number;
  seed: number;
}

/** The scheduler_perf cases take seconds and vary run to run: their median of three is reported. */
export const DEFAULT_RUNS = 3;

/** How many times a case runs: the replay once; the others --runs times, by default three (the scale case once). */
export function runsFor(name: string, runs: number | undefined): number {
  if (name === REPLAY_CASE) return 1;
  return runs ?? (name === SCALE_CASE.name ? 1 : DEFAULT_RUNS);
}

const WORKER = fileURLToPath(new URL('../../bench/worker.js', import.meta.url));

/** Every case name, in the order `npm run bench` runs them. */
export const CASE_NAMES: readonly string[] = [...ALL_CASES.map((c) => c.name), REPLAY_CASE];

/**
 * The V8 heap limit of a case's process, in MiB. The scale case at its own size gets 7 GiB: its live heap
 * at 1.5M pods is about 5.7 GB, and with room to spare V8 lets garbage pile up well past that before it
 * collects (measured: 8.1 GiB peak RSS with a 16 GiB limit, 6.3 GiB with 7 GiB, and faster, as the heap
 * stays denser). Everything else, and the scale case made larger with --pods or --nodes, gets 16 GiB.
 */
export function heapLimitMb(job: { case: string; nodes?: number; pods?: number }): number {
  const atOwnSize = (job.pods ?? SCALE_CASE.measured.count) <= SCALE_CASE.measured.count && (job.nodes ?? SCALE_CASE.nodes) <= SCALE_CASE.nodes;
  return job.case.toLowerCase() === SCALE_CASE.name.toLowerCase() && atOwnSize ? 7168 : 16384;
}

function runWorker(job: { case: string; nodes?: number; pods?: number; schedulerOnly?: boolean; seed?: number }): Promise<ReplayOutcome> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [`--max-old-space-size=${heapLimitMb(job)}`, WORKER, JSON.stringify(job)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${JSON.stringify(job)}: ${workerFailure(stderr) ?? err.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ReplayOutcome);
    });
  });
}

/**
 * The line of a failed worker's stderr that says what went wrong: the thrown error's own line ("Error:
 * stuck at ..."), else the last line that is not Node's version banner.
 */
export function workerFailure(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Node\.js v\d/.test(l));
  return lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ?? lines.pop();
}

/** --nodes / --pods: a whole number of at least 1. */
function checkCount(flag: string, value: number | undefined, what: string): void {
  if (value === undefined || (Number.isSafeInteger(value) && value >= 1)) return;
  // yargs turns a word into NaN; the flag is named without it.
  throw new UserInputError(`${flag}${Number.isNaN(value) ? '' : ` ${String(value)}`}: not a ${what} count (expected a whole number ≥ 1)`);
}

/** The median run by throughput, with the largest peak memory of all the runs. */
function medianRun(runs: readonly CaseResult[]): CaseResult {
  const mid = median(runs.map((r) => r.podsPerSecond));
  const pick = runs.find((r) => r.podsPerSecond === mid)!;
  return { ...pick, peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function formatTable(rows: readonly CaseResult[]): string {
  const head = ['case', 'nodes', 'pods', 'pods/s', 'kube threshold', 'ratio', 'wall', 'peak RSS'];
  const body = rows.map((r) => [
    r.case + (r.schedulerOnly ? ' (scheduler only)' : ''),
    String(r.nodes),
    String(r.measuredPods),
    r.podsPerSecond.toFixed(0),
    r.threshold > 0 ? String(r.threshold) : '-',
    r.threshold > 0 ? `${r.ratio.toFixed(1)}x` : '-',
    `${(r.wallSeconds ?? r.seconds).toFixed(1)}s`,
    `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

/** What runs one case once: a worker process (tests give their own). */
export type CaseRunner = (job: { case: string; nodes?: number; pods?: number; schedulerOnly?: boolean; seed?: number }) => Promise<ReplayOutcome>;

export async function bench(args: Omit<BenchArgs, 'case'> & { case?: readonly string[] }, run: CaseRunner = runWorker): Promise<CaseResult[]> {
  const names = args.case ?? CASE_NAMES;
  for (const n of names) if (findCase(n) === undefined && n !== REPLAY_CASE) throw new UserInputError(`--case ${n}: unknown case (expected one of ${CASE_NAMES.join(', ')})`);
  // Every (case, mode) to measure, in the order results are reported.
  const plan: { name: string; schedulerOnly: boolean; runs: CaseResult[]; wanted: number; skipped?: string }[] = [];
  for (const name of names) {
    for (const schedulerOnly of args['scheduler-only'] ? [false, true] : [false]) {
      if (name === REPLAY_CASE && schedulerOnly) continue;
      plan.push({ name, schedulerOnly, runs: [], wanted: runsFor(name, args.runs) });
    }
  }
  // Repeated runs go round by round (every case once, then every case again), not back to back: a spell
  // when the machine runs slower then lands on one run of several cases instead of every run of one case,
  // and the median drops it.
  const results: CaseResult[] = [];
  const rounds = Math.max(0, ...plan.map((p) => p.wanted));
  for (let round = 0; round < rounds; round++) {
    for (const item of plan) {
      if (item.skipped !== undefined || round >= item.wanted) continue;
      const job = { case: item.name, ...(args.nodes !== undefined ? { nodes: args.nodes } : {}), ...(args.pods !== undefined ? { pods: args.pods } : {}), seed: args.seed };
      const outcome = await run({ ...job, schedulerOnly: item.schedulerOnly });
      if ('skipped' in outcome) {
        item.skipped = outcome.skipped;
        process.stdout.write(`${item.name}: SKIPPED — ${outcome.skipped}\n`);
        continue;
      }
      item.runs.push(outcome);
      if (item.runs.length < item.wanted) continue;
      const result = medianRun(item.runs);
      process.stdout.write(
        result.threshold > 0
          ? `${result.case}${item.schedulerOnly ? ' (scheduler only)' : ''}: ${result.podsPerSecond.toFixed(0)} pods/s (${result.ratio.toFixed(1)}x kube-scheduler's ${result.threshold})\n`
          : `${result.case}: ${result.wallSeconds.toFixed(1)} s wall, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB\n`,
      );
    }
  }
  for (const item of plan) if (item.skipped === undefined && item.runs.length > 0) results.push(medianRun(item.runs));
  return results;
}

/** The results as JSON, written atomically (a failed write leaves neither the file nor its temporary behind). */
export async function writeJson(file: string, results: readonly CaseResult[]): Promise<void> {
  // Each case runs single-threaded (one core), whatever the machine has.
  await writeFileAtomic(file, [JSON.stringify({ node: process.version, threadsPerCase: 1, machineCpus: cpus().length, date: new Date().toISOString(), results }, null, 2) + '\n']);
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: "Benchmark scheduling throughput on kube-scheduler's scheduler_perf workloads",
  builder: (y: Argv) =>
    y
      .option('case', { type: 'string', array: true, describe: `Cases to run (default all): ${CASE_NAMES.join(', ')}` })
      .option('nodes', { type: 'number', describe: 'Override the node count (init pods scale with it)' })
      .option('pods', { type: 'number', describe: 'Override the measured pod count' })
      .option('scheduler-only', { type: 'boolean', default: false, describe: 'Also measure with the pods already queued' })
      .option('runs', { type: 'number', describe: `Runs per case, the median reported (default ${DEFAULT_RUNS}; the scale case and the replay once)` })
      .option('seed', { type: 'number', default: 1, describe: 'Seed (same seed, same placements)' })
      .option('json', { type: 'string', describe: 'Write the results as JSON to FILE' }) as unknown as Argv<BenchArgs>,
  handler: async (args: ArgumentsCamelCase<BenchArgs>) => {
    if (args.runs !== undefined && (!Number.isInteger(args.runs) || args.runs < 1)) throw new UserInputError(`--runs: ${String(args.runs)} is not a positive integer`);
    checkCount('--nodes', args.nodes, 'node');
    checkCount('--pods', args.pods, 'pod');
    checkSeed(args.seed);
    // A path that cannot be written fails now, not after minutes of benchmarks.
    if (args.json !== undefined) prepareOutput('--json', args.json);
    const results = await bench(args);
    process.stdout.write('\n' + formatTable(results));
    const json = args.json;
    if (json !== undefined) await writeOutput('--json', json, (file) => writeJson(file, results));
  },
};
