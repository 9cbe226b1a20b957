// drydock plan's method: solve the capacity MILP (src/plan/model.ts), turn the node counts per window into
// node pools for the autoscaler (min = fewest nodes any window needs, max = most, initial = the first
// window's), simulate them, and learn the packing allowance from the simulation. Round 1 assumes perfect
// packing (α = 1); when the simulation misses the SLO, the next round uses the packing the simulated
// cluster actually reached while pods waited with its pools at their maximum, or 10 % less room when the
// pools never filled (the wait came from scale-up latency, which only more standing capacity shortens).
import type { Catalog } from '../cloud/catalog.js';
import { parseNodePools, type ResolvedNodePool } from '../cloud/nodepool.js';
import { UserInputError } from '../cli/errors.js';
import type { MetricsSample, SimulationResult, SimulationSummary } from '../sim/types.js';
import { buildModel, nodesPerWindow, planCost, uncoveredRow, type ModelLayout, type PlanningProblem } from './model.js';
import type { LinearSolution, LinearSolver, SolveStatus } from './solver.js';

export interface SolvedPlan {
  readonly allowance: number;
  /** The LP relaxation's optimum at this allowance. */
  readonly lpRelaxation: number;
  /** Cost of the integer plan (Σ price · hours · nodes over windows). */
  readonly cost: number;
  /** (cost − lpRelaxation) / cost. */
  readonly gap: number;
  readonly status: SolveStatus;
  /** The solver proved the integer plan optimal within the relative gap `gapLimit`. */
  readonly provenOptimal: boolean;
  readonly gapLimit: number;
  /** How the plan was found: the solver, or rounding the LP up when it found no integer plan in time. */
  readonly method: 'milp' | 'rounded-lp';
  readonly solverSeconds: number;
  /** Nodes per window by candidate index. */
  readonly counts: ReadonlyMap<number, readonly number[]>;
}

export interface SolveStep {
  readonly allowance: number;
  readonly maxPools: number;
  readonly timeLimitSeconds: number;
  /** Relative optimality gap at which branch-and-bound stops (default DEFAULT_GAP; 0 = prove the optimum). */
  readonly gap?: number;
}

/**
 * 0.5 %: on benchmarks/plan-solver.ts's 100-type, 24-window model HiGHS proves 1e-4 in 17–21 s, 1e-3 in 17 s
 * and 5e-3 in 7 s, with the same plan cost (benchmarks/results/plan-solver.json).
 */
export const DEFAULT_GAP = 0.005;

/**
 * When the model is infeasible, the reason in the user's terms. With only covering rows and the pool limit,
 * the limit is the only constraint that can run out of room: K + 1 fit classes that share no type need
 * K + 1 pools.
 */
export function explainInfeasible(problem: PlanningProblem, maxPools: number): string {
  return poolLimitProblem(problem, maxPools) ?? `constraint "pools" (--max-pools ${maxPools}) has no room: no ${maxPools} instance types can hold every kind of pod in the workload`;
}

/**
 * The pool limit's problem when it visibly has no room — more fit classes sharing no type than pools
 * allowed — checked before any solving; undefined when none is visible.
 */
export function poolLimitProblem(problem: PlanningProblem, maxPools: number): string | undefined {
  const picked: number[] = [];
  const used = new Set<number>();
  // Classes with the fewest types first: they are the likeliest to be disjoint.
  const order = problem.classes.map((_, k) => k).sort((a, b) => problem.classes[a]!.types.length - problem.classes[b]!.types.length || a - b);
  for (const k of order) {
    const types = problem.classes[k]!.types;
    if (types.some((t) => used.has(t))) continue;
    picked.push(k);
    for (const t of types) used.add(t);
  }
  const name = (t: number) => problem.candidates[t]!.entry.name;
  const list = (types: readonly number[]) => (types.length <= 3 ? types.map(name).join(', ') : `${types.slice(0, 3).map(name).join(', ')} and ${types.length - 3} more`);
  const lines = picked.slice(0, maxPools + 1).map((k) => `pod ${problem.classes[k]!.example.name} (${problem.classes[k]!.example.source}) fits only ${list(problem.classes[k]!.types)}`);
  if (picked.length <= maxPools) return undefined;
  return `constraint "pools" (--max-pools ${maxPools}) has no room: ${picked.length} groups of pods share no instance type, so the plan needs at least ${picked.length} pools: ${lines.join('; ')}`;
}

/**
 * A plan from the LP relaxation when the solver found no integer plan in time: keep the types the LP leans
 * on most (first making sure every fit class has one), round every count up, then add nodes wherever a
 * window is still short. Rounding up keeps covering rows covered, so the result is always a valid plan.
 */
function roundUp(problem: PlanningProblem, layout: ModelLayout, relaxed: readonly number[], step: SolveStep): Map<number, number[]> {
  const W = problem.windows.length;
  const weight = new Map<number, number>();
  layout.types.forEach((t, i) => {
    let v = 0;
    for (let w = 0; w < W; w++) {
      const col = layout.nColumn[i * W + w]!;
      if (col >= 0) v += (relaxed[col] ?? 0) * layout.model.columns[col]!.cost;
    }
    weight.set(t, v);
  });
  const inModel = new Set(layout.types);
  const chosen = new Set<number>();
  for (const cls of problem.classes) {
    if (cls.types.some((t) => chosen.has(t))) continue;
    const best = cls.types.filter((t) => inModel.has(t)).sort((a, b) => (weight.get(b) ?? 0) - (weight.get(a) ?? 0) || a - b)[0];
    if (best !== undefined) chosen.add(best);
  }
  for (const t of [...layout.types].sort((a, b) => (weight.get(b) ?? 0) - (weight.get(a) ?? 0) || a - b)) {
    if (chosen.size >= step.maxPools) break;
    if ((weight.get(t) ?? 0) > 0) chosen.add(t);
  }
  const counts = new Map<number, number[]>();
  layout.types.forEach((t, i) => {
    if (!chosen.has(t)) return;
    const ns: number[] = [];
    for (let w = 0; w < W; w++) {
      const col = layout.nColumn[i * W + w]!;
      ns.push(col >= 0 ? Math.ceil((relaxed[col] ?? 0) - 1e-9) : 0);
    }
    counts.set(t, ns);
  });
  // Repair: add the cheapest node per unit of the short resource until nothing is short.
  for (let guard = 0; guard < 1_000_000; guard++) {
    const short = uncoveredRow(problem, counts, step.allowance);
    if (short === undefined) break;
    const group = problem.groups[short.group]!;
    const options = group.types.filter((t) => chosen.has(t));
    const cap = (t: number) => (short.resource === 'pods' ? problem.candidates[t]!.capacity.pods : problem.candidates[t]!.capacity[short.resource] * step.allowance);
    const best = options.filter((t) => cap(t) > 0).sort((a, b) => problem.candidates[a]!.pricePerHour / cap(a) - problem.candidates[b]!.pricePerHour / cap(b) || a - b)[0];
    if (best === undefined) break;
    counts.get(best)![short.window]! += Math.max(1, Math.ceil((short.need - short.have) / cap(best) - 1e-9));
  }
  return counts;
}

/** Solves one round's model: the LP relaxation (the bound), then the integer program. */
export function solvePlan(problem: PlanningProblem, solver: LinearSolver, step: SolveStep): SolvedPlan {
  const layout = buildModel(problem, { allowance: step.allowance, maxPools: step.maxPools });
  const relaxed = solver.solve(layout.model, { timeLimitSeconds: step.timeLimitSeconds, relax: true });
  if (relaxed.status === 'infeasible') throw new UserInputError(explainInfeasible(problem, step.maxPools));
  if (!relaxed.feasible) throw new Error(`${solver.name}: the LP relaxation ended "${relaxed.status}" without a solution`);
  const gapLimit = step.gap ?? DEFAULT_GAP;
  const milp: LinearSolution = solver.solve(layout.model, { timeLimitSeconds: step.timeLimitSeconds, gap: gapLimit });
  if (milp.status === 'infeasible') throw new UserInputError(explainInfeasible(problem, step.maxPools));
  let counts: Map<number, number[]>;
  let method: SolvedPlan['method'] = 'milp';
  if (milp.feasible) {
    counts = nodesPerWindow(problem, layout, milp.values);
  } else {
    counts = roundUp(problem, layout, relaxed.values, step);
    method = 'rounded-lp';
  }
  const cost = planCost(problem, counts);
  return {
    allowance: step.allowance,
    lpRelaxation: relaxed.objective,
    cost,
    gap: cost > 0 ? Math.max(0, (cost - relaxed.objective) / cost) : 0,
    status: milp.status,
    provenOptimal: milp.status === 'optimal' && method === 'milp',
    gapLimit,
    method,
    solverSeconds: relaxed.seconds + milp.seconds,
    counts,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Pools

export interface PlannedPool {
  readonly name: string;
  readonly instanceType: string;
  readonly spot: boolean;
  readonly pricePerHour: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly initialSize: number;
  readonly nodesPerWindow: readonly number[];
}

export function plannedPools(problem: PlanningProblem, counts: ReadonlyMap<number, readonly number[]>): PlannedPool[] {
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, ns]) => {
      const c = problem.candidates[t]!;
      return {
        name: c.pool.name,
        instanceType: c.entry.name,
        spot: c.spot,
        pricePerHour: c.pricePerHour,
        minSize: Math.min(...ns),
        maxSize: Math.max(...ns),
        initialSize: ns[0] ?? 0,
        nodesPerWindow: [...ns],
      };
    });
}

/** The pools file `drydock simulate --pools` and `drydock compare --pools` read. */
export function poolsYaml(problem: PlanningProblem, pools: readonly PlannedPool[], header: readonly string[]): string {
  const out: string[] = header.map((l) => `# ${l}`.trimEnd());
  const hours = problem.windowMs / 3_600_000;
  for (const p of pools) {
    out.push('---');
    out.push(`# ${p.instanceType}${p.spot ? ' (spot)' : ''} at $${p.pricePerHour}/h; nodes per ${hours >= 1 ? `${hours}h` : `${problem.windowMs / 60_000}m`} window: ${p.nodesPerWindow.join(' ')}`);
    out.push('apiVersion: drydock.io/v1', 'kind: NodePool', `metadata: {name: ${p.name}}`, 'spec:', `  instanceType: ${p.instanceType}`);
    out.push(`  zones: [${problem.zones.join(', ')}]`);
    if (p.spot) out.push('  spot: true');
    out.push(`  minSize: ${p.minSize}`, `  initialSize: ${p.initialSize}`, `  maxSize: ${p.maxSize}`);
  }
  out.push('---');
  out.push("# Cluster Autoscaler's defaults except the expander: price keeps CPU-only pods off GPU pools (gpuUnfitnessOverride).");
  out.push('kind: ClusterAutoscalerSettings', 'expander: price', '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Learning the allowance

/**
 * The packing the simulated cluster reached when it was full: over the metrics instants with pods pending
 * and at least one pool at its maxSize, the median of the bottleneck fill (max over cpu, memory, GPU of
 * requested / allocatable across the pools at their maximum). Undefined when the pools never filled.
 */
export function learnedAllowance(metrics: readonly MetricsSample[], pools: readonly ResolvedNodePool[]): number | undefined {
  const max = new Map(pools.map((p) => [p.name, p.maxSize]));
  const byT = new Map<number, MetricsSample[]>();
  for (const m of metrics) {
    let l = byT.get(m.t);
    if (l === undefined) byT.set(m.t, (l = []));
    l.push(m);
  }
  const fills: number[] = [];
  for (const samples of byT.values()) {
    if ((samples[0]?.pendingPods ?? 0) === 0) continue;
    const full = samples.filter((s) => s.nodes > 0 && s.nodes >= (max.get(s.pool) ?? Infinity));
    if (full.length === 0) continue;
    let cr = 0, ca = 0, mr = 0, ma = 0, gr = 0, ga = 0;
    for (const s of full) {
      cr += s.cpuRequested; ca += s.cpuAllocatable;
      mr += s.memoryRequested; ma += s.memoryAllocatable;
      gr += s.gpuRequested; ga += s.gpuAllocatable;
    }
    fills.push(Math.max(ca > 0 ? cr / ca : 0, ma > 0 ? mr / ma : 0, ga > 0 ? gr / ga : 0));
  }
  if (fills.length === 0) return undefined;
  fills.sort((a, b) => a - b);
  return fills[Math.floor((fills.length - 1) / 2)]!;
}

// ---------------------------------------------------------------------------------------------------------
// The rounds

export interface Slo {
  readonly p99PendingSeconds?: number;
  readonly maxUnschedulable?: number;
}

/** The SLO flags a summary violates, in words ("p99 pending 412.0s > 300s"); empty when it meets them. */
export function sloViolations(s: SimulationSummary, slo: Slo): string[] {
  const out: string[] = [];
  if (slo.p99PendingSeconds !== undefined && s.pendingSeconds.p99 > slo.p99PendingSeconds) out.push(`p99 pending ${s.pendingSeconds.p99.toFixed(1)}s > ${slo.p99PendingSeconds}s`);
  if (slo.maxUnschedulable !== undefined && s.pods.unschedulable > slo.maxUnschedulable) out.push(`${s.pods.unschedulable} unschedulable > ${slo.maxUnschedulable}`);
  return out;
}

export interface PlanRound {
  readonly round: number;
  readonly plan: SolvedPlan;
  readonly pools: readonly PlannedPool[];
  readonly poolsYaml: string;
  readonly simulated?: SimulationSummary;
  readonly violations: readonly string[];
  /** How the next round's allowance was chosen (absent for the last round). */
  readonly next?: string;
}

export interface PlanOptions {
  readonly problem: PlanningProblem;
  readonly catalog: Catalog;
  readonly solver: LinearSolver;
  readonly maxPools: number;
  readonly timeLimitSeconds: number;
  readonly gap?: number;
  readonly slo: Slo;
  /** Most rounds (solve + simulate) before giving up on the SLO. */
  readonly maxRounds: number;
  /** Header lines for the pools file. */
  readonly header: readonly string[];
  /** Where the pools file is said to come from in simulate's messages. */
  readonly poolsFile: string;
  /** Simulates a pools file; undefined skips validation (one round, no SLO check). */
  readonly simulate?: (poolsYamlText: string, pools: readonly ResolvedNodePool[], autoscaler: ReturnType<typeof parseNodePools>['autoscaler']) => Promise<SimulationResult>;
  readonly onRound?: (r: PlanRound) => void;
}

export interface PlanResult {
  /** LP relaxation at α = 1: no plan that holds nodes for whole windows costs less. */
  readonly lowerBound: number;
  readonly rounds: readonly PlanRound[];
  /** Index into rounds of the recommended plan: the cheapest that met the SLO, else the last. */
  readonly chosen: number;
  readonly meetsSlo: boolean;
}

export async function runPlan(o: PlanOptions): Promise<PlanResult> {
  const rounds: PlanRound[] = [];
  let allowance = 1;
  let lowerBound = NaN;
  for (let round = 1; round <= Math.max(1, o.maxRounds); round++) {
    const plan = solvePlan(o.problem, o.solver, { allowance, maxPools: o.maxPools, timeLimitSeconds: o.timeLimitSeconds, ...(o.gap !== undefined ? { gap: o.gap } : {}) });
    if (round === 1) lowerBound = plan.lpRelaxation;
    const pools = plannedPools(o.problem, plan.counts);
    const text = poolsYaml(o.problem, pools, [...o.header, `round ${round}: packing allowance ${allowance.toFixed(3)}, plan $${plan.cost.toFixed(2)}`]);
    let simulated: SimulationSummary | undefined;
    let violations: string[] = [];
    let next: string | undefined;
    if (o.simulate !== undefined) {
      const file = parseNodePools(text, o.poolsFile, o.catalog);
      const result = await o.simulate(text, file.pools, file.autoscaler);
      simulated = result.summary;
      violations = sloViolations(result.summary, o.slo);
      if (violations.length > 0 && round < o.maxRounds) {
        const learned = learnedAllowance(result.metrics, file.pools);
        const tightened = allowance * 0.9;
        if (learned !== undefined && learned < tightened) {
          next = `the pools filled to ${(learned * 100).toFixed(1)}% while pods waited: allowance ${allowance.toFixed(3)} → ${learned.toFixed(3)}`;
          allowance = learned;
        } else {
          next = learned !== undefined
            ? `the pools filled to ${(learned * 100).toFixed(1)}% while pods waited: allowance ${allowance.toFixed(3)} → ${tightened.toFixed(3)} (10% less room)`
            : `pods waited with no pool at its maximum (scale-up latency): allowance ${allowance.toFixed(3)} → ${tightened.toFixed(3)} (10% more standing capacity)`;
          allowance = tightened;
        }
      }
    }
    const r: PlanRound = { round, plan, pools, poolsYaml: text, ...(simulated !== undefined ? { simulated } : {}), violations, ...(next !== undefined ? { next } : {}) };
    rounds.push(r);
    o.onRound?.(r);
    if (o.simulate === undefined || violations.length === 0) break;
  }
  const meeting = rounds.filter((r) => r.simulated !== undefined && r.violations.length === 0);
  const best = meeting.length > 0 ? meeting.reduce((a, b) => ((b.simulated!.cost.total < a.simulated!.cost.total) ? b : a)) : rounds[rounds.length - 1]!;
  return { lowerBound, rounds, chosen: rounds.indexOf(best), meetsSlo: o.simulate === undefined || meeting.length > 0 };
}

