// drydock plan: which instance types, how many nodes, for this workload — from a mixed-integer program
// (src/plan/model.ts), checked by simulating the recommended pools with the autoscaler (src/plan/plan.ts).
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Catalog } from '../../cloud/catalog.js';
import { loadCatalog } from '../../cloud/catalog.js';
import type { ClusterAutoscalerSettings, ResolvedNodePool } from '../../cloud/nodepool.js';
import { buildProblem, DEFAULT_GAP, poolLimitProblem, workloadDemand, runPlan, createSolver, SOLVER_NAMES, DEFAULT_SOLVER, type PlanResult, type PlanRound, type PlanningProblem, type SolverName } from '../../plan/index.js';
import { writeFileAtomic } from '../../report/files.js';
import { formatDuration, round } from '../../report/summary.js';
import { simulate } from '../../sim/simulate.js';
import type { SimulationResult } from '../../sim/types.js';
import { loadWorkload } from '../../workload/index.js';
import { UserInputError } from '../errors.js';
import { prepareOutput, writeOutput } from '../output.js';
import { bundledExample, datasetsDir, durationMs, heartbeatsFor } from './simulate.js';

interface PlanArgs {
  workload?: string[];
  catalog?: string;
  'max-pools': number;
  zones?: string[];
  spot: boolean;
  window?: string;
  out?: string;
  json?: string;
  'slo-p99-pending': string;
  'max-unschedulable': number;
  rounds: number;
  solver: SolverName;
  'time-limit': string;
  gap: number;
  simulate: boolean;
  seed: number;
  'sample-every': string;
  quiet: boolean;
}

export const DEFAULT_MAX_POOLS = 5;

export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan',
  describe: 'Choose instance types and node counts for a workload with a linear program, then check the plan by simulation',
  builder: (y: Argv) =>
    y
      .option('workload', { type: 'string', array: true, describe: 'Workload files or folders (default: the bundled datasets/example-workload.csv)' })
      .option('catalog', { type: 'string', describe: 'Instance catalog CSV (default: the bundled datasets/instance-catalog.csv)' })
      .option('max-pools', { type: 'number', default: DEFAULT_MAX_POOLS, describe: 'At most this many pools (instance types)' })
      .option('zones', { type: 'string', array: true, describe: 'Zones of one region for every pool (default: the catalog\'s first region, zones a, b, c)' })
      .option('spot', { type: 'boolean', default: false, describe: 'Use spot prices where the catalog has them (spot pools)' })
      .option('window', { type: 'string', describe: 'Planning window (default: the workload\'s span in at most 24 windows)' })
      .option('out', { type: 'string', describe: 'Write the recommended pools (YAML for simulate/compare --pools) to FILE' })
      .option('json', { type: 'string', describe: 'Write the plan, every round and the bound as JSON to FILE' })
      .option('slo-p99-pending', { type: 'string', default: '5m', describe: 'The simulated p99 pending time the plan must meet' })
      .option('max-unschedulable', { type: 'number', default: 0, describe: 'Pods allowed never to be scheduled in the simulation' })
      .option('rounds', { type: 'number', default: 4, describe: 'Most solve-and-simulate rounds while the SLO is missed' })
      .option('solver', { choices: SOLVER_NAMES, default: DEFAULT_SOLVER, describe: 'MILP solver' })
      .option('time-limit', { type: 'string', default: '10s', describe: 'Solver time limit per solve; the best plan found by then is used' })
      .option('gap', { type: 'number', default: DEFAULT_GAP, describe: 'Relative optimality gap at which the solver may stop (0 = prove the optimum)' })
      .option('simulate', { type: 'boolean', default: true, describe: 'Validate the plan by simulation (--no-simulate: solve only)' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the validating simulations' })
      .option('sample-every', { type: 'string', default: '60s', describe: 'Metrics interval of the validating simulations' })
      .option('quiet', { type: 'boolean', default: false, describe: 'Print nothing but errors' }) as unknown as Argv<PlanArgs>,
  handler: async (args: ArgumentsCamelCase<PlanArgs>) => {
    await runPlanCommand(args, args.quiet ? () => {} : (s) => process.stdout.write(s));
  },
};

function wholeNumber(flag: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new UserInputError(`--${flag} ${v}: not a whole number ≥ ${min}`);
  return v;
}

/** Everything `drydock plan` does; `print` receives the human output. Returns the result (tests use it). */
export async function runPlanCommand(args: Omit<PlanArgs, 'quiet'>, print: (s: string) => void = () => {}): Promise<{ result: PlanResult; problem: PlanningProblem }> {
  const maxPools = wholeNumber('max-pools', args['max-pools'], 1);
  const maxUnschedulable = wholeNumber('max-unschedulable', args['max-unschedulable'], 0);
  const maxRounds = wholeNumber('rounds', args.rounds, 1);
  wholeNumber('seed', args.seed, 0);
  const slo = { p99PendingSeconds: durationMs('--slo-p99-pending', args['slo-p99-pending']) / 1000, maxUnschedulable };
  const timeLimitSeconds = durationMs('--time-limit', args['time-limit']) / 1000;
  if (!(args.gap >= 0 && args.gap < 1)) throw new UserInputError(`--gap ${args.gap}: not a relative gap (expected a number from 0 to below 1, e.g. 0.005)`);
  const sampleEveryMs = durationMs('--sample-every', args['sample-every']);
  const windowMs = args.window !== undefined ? durationMs('--window', args.window) : undefined;
  const zones = args.zones?.flatMap((z) => z.split(',')).map((z) => z.trim()).filter((z) => z !== '');
  const workloadPaths = args.workload !== undefined && args.workload.length > 0 ? args.workload : [bundledExample().workload];
  const catalogPath = args.catalog ?? join(datasetsDir(), 'instance-catalog.csv');

  // Read and check everything before solving.
  const catalog: Catalog = loadCatalog(catalogPath);
  // The plan is the cluster: a node list next to an Alibaba pod list is not read.
  const loaded = await loadWorkload(workloadPaths, { noNodeList: true });
  const demands = workloadDemand(loaded.objects);
  if (demands.length === 0) throw new UserInputError(`${workloadPaths[0]}: no pods to plan for (expected Pods, ReplicaSets, Deployments or Jobs)`);
  const problem = buildProblem(demands, catalog, { ...(zones !== undefined && zones.length > 0 ? { zones } : {}), spot: args.spot, ...(windowMs !== undefined ? { windowMs } : {}) });
  const noRoom = poolLimitProblem(problem, maxPools);
  if (noRoom !== undefined) throw new UserInputError(noRoom);
  if (args.out !== undefined) prepareOutput('--out', args.out);
  if (args.json !== undefined) prepareOutput('--json', args.json);
  const solver = await createSolver(args.solver);

  const inputs = loaded.inputs.map((i) => i.file).join(', ');
  const windowText = formatMs(problem.windowMs);
  print(`drydock plan — ${inputs}; catalog ${catalog.source} (${problem.region}: ${problem.zones.join(', ')}${args.spot ? ', spot where priced' : ''})\n`);
  print(`${plural(problem.pods, 'pod')} in ${plural(problem.windows.length, 'window')} of ${windowText}; ${plural(problem.candidates.length, 'instance type')}, ${plural(problem.classes.length, 'fit class', 'fit classes')}; at most ${plural(maxPools, 'pool')}; solver ${solver.name}\n\n`);
  const heartbeats = heartbeatsFor(loaded.objects);
  const simulateRound = async (_text: string, pools: readonly ResolvedNodePool[], autoscaler: ClusterAutoscalerSettings): Promise<SimulationResult> =>
    simulate({ workload: { objects: loaded.objects, nodes: [], inputs: loaded.inputs }, pools, autoscaler, seed: args.seed, sampleEveryMs, heartbeats, wallNow: () => performance.now() });
  print(roundHeader());
  const result = await runPlan({
    problem,
    catalog,
    solver,
    maxPools,
    timeLimitSeconds,
    gap: args.gap,
    slo,
    maxRounds,
    header: [
      `drydock plan for ${inputs}`,
      `catalog ${catalog.source}; ${plural(problem.windows.length, 'window')} of ${windowText}; at most ${plural(maxPools, 'pool')}; solver ${solver.name}`,
    ],
    poolsFile: args.out ?? 'plan',
    ...(args.simulate ? { simulate: simulateRound } : {}),
    onRound: (r) => print(roundLine(r)),
  });
  print('\n' + formatResult(problem, result, slo, maxPools));

  const chosen = result.rounds[result.chosen]!;
  if (args.out !== undefined) await writeOutput('--out', args.out, (f) => writeFileAtomic(f, [chosen.poolsYaml]));
  if (args.json !== undefined) {
    const json = planJson(problem, result, { inputs: loaded.inputs, catalog: catalog.source, maxPools, spot: args.spot, solver: solver.name, slo });
    await writeOutput('--json', args.json, (f) => writeFileAtomic(f, [JSON.stringify(json, null, 2) + '\n']));
  }
  if (args.out === undefined) print(`\npools (give --out FILE to write them):\n${chosen.poolsYaml}`);
  return { result, problem };
}

function gapText(gap: number): string {
  return gap > 0 ? ` within ${+(gap * 100).toPrecision(3)}%` : '';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

const usd = (x: number) => `$${x.toFixed(2)}`;
const COLS = [5, 9, 13, 12, 6, 24, 11, 11, 13];

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(COLS[i] ?? 10))).join('  ').trimEnd() + '\n';
}

function roundHeader(): string {
  return row(['round', 'allowance', 'LP relaxation', 'integer plan', 'gap', 'solver', 'simulated', 'p99 pending', 'unschedulable', 'SLO']);
}

function roundLine(r: PlanRound): string {
  const p = r.plan;
  const how = p.method === 'rounded-lp' ? `no integer plan in time, LP rounded up` : `${p.provenOptimal ? `optimal${gapText(p.gapLimit)}` : 'time limit, not proven optimal'} ${p.solverSeconds.toFixed(1)}s`;
  const s = r.simulated;
  return row([
    String(r.round),
    p.allowance.toFixed(3),
    usd(p.lpRelaxation),
    usd(p.cost),
    `${(p.gap * 100).toFixed(1)}%`,
    how,
    s !== undefined ? usd(s.cost.total) : '-',
    s !== undefined ? `${s.pendingSeconds.p99.toFixed(1)}s` : '-',
    s !== undefined ? String(s.pods.unschedulable) : '-',
    s === undefined ? 'not simulated' : r.violations.length === 0 ? 'met' : `missed: ${r.violations.join('; ')}`,
  ]) + (r.next !== undefined ? `       next: ${r.next}\n` : '');
}

function formatResult(problem: PlanningProblem, result: PlanResult, slo: { p99PendingSeconds: number; maxUnschedulable: number }, maxPools: number): string {
  const chosen = result.rounds[result.chosen]!;
  const lines: string[] = [];
  lines.push(`lower bound (LP relaxation at perfect packing): ${usd(result.lowerBound)} — no plan holding nodes for whole ${formatMs(problem.windowMs)} windows costs less`);
  lines.push(`plan (round ${chosen.round}): ${usd(chosen.plan.cost)} over ${formatDuration(problem.horizonMs / 1000)}, ${(chosen.plan.gap * 100).toFixed(1)}% above its LP relaxation ${usd(chosen.plan.lpRelaxation)}${chosen.plan.provenOptimal ? `, proven optimal${gapText(chosen.plan.gapLimit)}` : chosen.plan.method === 'rounded-lp' ? ', NOT proven optimal: the solver found no integer plan within the time limit, so the LP relaxation was rounded up' : ', NOT proven optimal: the solver stopped at its time limit with the best plan found so far'}`);
  if (chosen.simulated !== undefined) {
    const s = chosen.simulated;
    lines.push(`simulated with the autoscaler: ${usd(s.cost.total)} (${s.nodeHours.total.toFixed(1)} node-hours), p95/p99 pending ${s.pendingSeconds.p95.toFixed(1)}s/${s.pendingSeconds.p99.toFixed(1)}s, ${s.pods.unschedulable} unschedulable, utilisation cpu ${(s.utilization.cpu * 100).toFixed(1)}% memory ${(s.utilization.memory * 100).toFixed(1)}% gpu ${(s.utilization.gpu * 100).toFixed(1)}%`);
    lines.push(result.meetsSlo
      ? `SLO (p99 pending ≤ ${slo.p99PendingSeconds}s, unschedulable ≤ ${slo.maxUnschedulable}): met`
      : `SLO (p99 pending ≤ ${slo.p99PendingSeconds}s, unschedulable ≤ ${slo.maxUnschedulable}): NOT met after ${result.rounds.length} rounds (${chosen.violations.join('; ')}); the last plan is shown — try more --rounds, a larger --max-pools (${maxPools}) or a looser SLO`);
  }
  lines.push('');
  const table: string[][] = [['pool', 'instance type', 'USD/h', 'min', 'initial', 'max', `nodes per ${formatMs(problem.windowMs)} window`]];
  for (const p of chosen.pools) table.push([p.name, p.instanceType + (p.spot ? ' (spot)' : ''), String(p.pricePerHour), String(p.minSize), String(p.initialSize), String(p.maxSize), p.nodesPerWindow.join(' ')]);
  const w = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table) lines.push(r.map((c, i) => (i === r.length - 1 ? c : i >= 2 && i <= 5 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  '));
  return lines.join('\n') + '\n';
}

function planJson(problem: PlanningProblem, result: PlanResult, meta: { inputs: readonly { file: string; sha256: string }[]; catalog: string; maxPools: number; spot: boolean; solver: string; slo: object }): object {
  return {
    inputs: meta.inputs,
    catalog: meta.catalog,
    region: problem.region,
    zones: problem.zones,
    spot: meta.spot,
    maxPools: meta.maxPools,
    solver: meta.solver,
    slo: meta.slo,
    pods: problem.pods,
    windowSeconds: problem.windowMs / 1000,
    windows: problem.windows.length,
    horizonSeconds: problem.horizonMs / 1000,
    instanceTypes: problem.candidates.length,
    fitClasses: problem.classes.length,
    lowerBound: round(result.lowerBound, 6),
    chosenRound: result.chosen + 1,
    meetsSlo: result.meetsSlo,
    rounds: result.rounds.map((r) => ({
      round: r.round,
      allowance: round(r.plan.allowance, 6),
      lpRelaxation: round(r.plan.lpRelaxation, 6),
      cost: round(r.plan.cost, 6),
      gap: round(r.plan.gap, 6),
      status: r.plan.status,
      provenOptimal: r.plan.provenOptimal,
      gapLimit: r.plan.gapLimit,
      method: r.plan.method,
      solverSeconds: round(r.plan.solverSeconds, 3),
      pools: r.pools,
      ...(r.simulated !== undefined ? { simulated: r.simulated } : {}),
      violations: r.violations,
      ...(r.next !== undefined ? { next: r.next } : {}),
    })),
  };
}
