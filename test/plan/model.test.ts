// The capacity planner's model and solvers: optima known by hand and by brute force, the properties the issue
// names (integer plan ≥ LP bound, every window covered, a growing catalog never costs more), demand read
// independently of the planner's sweep, and the three kinds of bad input (a pod no type holds, a pool limit
// with no room, a solver that runs out of time).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseCatalog, type Catalog } from '../../src/cloud/catalog.js';
import { eksReservedCpuMilli } from '../../src/cloud/nodepool.js';
import { UserInputError } from '../../src/cli/errors.js';
import {
  buildProblem,
  createSolver,
  solvePlan,
  uncoveredRow,
  planCost,
  workloadDemand,
  type LinearSolver,
  type PlanningProblem,
} from '../../src/plan/index.js';
import type { WorkloadObject } from '../../src/sim/types.js';

const HEADER = 'name,cloud,region,family,vcpu,memory_gib,gpus,gpu_model,arch,price_per_hour,spot_price_per_hour';

function catalogOf(rows: readonly string[]): Catalog {
  return parseCatalog([HEADER, ...rows].join('\n') + '\n', 'test-catalog.csv');
}

interface PodOpts {
  gpu?: number;
  model?: string;
  startS?: number;
  durationS?: number;
  replicas?: number;
}

let seq = 0;
/** A workload object as the CSV loader makes it: a Pod (or a ReplicaSet for replicas) with a duration. */
function pod(cpu: string, memory: string, o: PodOpts = {}): WorkloadObject {
  const requests: Record<string, string> = { cpu, memory };
  if (o.gpu !== undefined) requests['nvidia.com/gpu'] = String(o.gpu);
  const spec: Record<string, unknown> = { containers: [{ name: 'main', image: 'pause', resources: { requests, limits: o.gpu !== undefined ? { 'nvidia.com/gpu': String(o.gpu) } : {} } }], restartPolicy: 'Never' };
  if (o.model !== undefined) {
    spec['affinity'] = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'drydock.io/gpu-model', operator: 'In', values: [o.model] }] }] } } };
  }
  const annotations = { 'drydock.io/duration-seconds': String(o.durationS ?? 3600) };
  const name = `p${seq++}`;
  const arrivalMs = (o.startS ?? 0) * 1000;
  if ((o.replicas ?? 1) > 1) {
    return { arrivalMs, resource: 'replicasets', source: `test:${name}`, object: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default' }, spec: { replicas: o.replicas, template: { metadata: { annotations }, spec } } } };
  }
  return { arrivalMs, resource: 'pods', source: `test:${name}`, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations }, spec } };
}

const highs = await createSolver('highs');
const jslp = await createSolver('javascript-lp-solver');
// gap 0: prove the optimum (the brute-force comparisons need the exact one).
const ALL = { allowance: 1, maxPools: Infinity, timeLimitSeconds: 20, gap: 0 };

const t = suite('plan: model and solvers');

t('allocatable follows the EKS reservation: 2 vCPU → 1.93 cores, 8 vCPU → 7.91 cores', () => {
  // EKS: 6% of the first core (60m), 1% of the second (10m), 0.5% of cores 3–4 (10m), 0.25% above (4 × 2.5m).
  assert.is(eksReservedCpuMilli(2000), 70);
  assert.is(eksReservedCpuMilli(8000), 90);
  const problem = buildProblem(workloadDemand([pod('1', '1Gi')]), catalogOf(['small,aws,us-east-1,x,2,8,0,,amd64,0.10,', 'big,aws,us-east-1,x,8,32,0,,amd64,0.35,']), { windowMs: 3_600_000 });
  assert.is(problem.candidates[0]!.capacity.cpu, 1.93);
  assert.is(problem.candidates[1]!.capacity.cpu, 7.91);
  assert.is(problem.candidates[0]!.capacity.pods, 110);
});

t('by hand: 6 one-core pods for an hour — one 8-vCPU node ($0.35) beats four 2-vCPU ones ($0.40)', () => {
  // cpu: 6 cores needed. small: ceil(6 / 1.93) = 4 nodes × $0.10 = $0.40; big: ceil(6 / 7.91) = 1 × $0.35.
  // memory (6 GiB) fits either. The LP relaxation: 6 / 7.91 × 0.35 = $0.26549 < 6 / 1.93 × 0.10 = $0.31088.
  const cat = catalogOf(['small,aws,us-east-1,x,2,8,0,,amd64,0.10,', 'big,aws,us-east-1,x,8,32,0,,amd64,0.35,']);
  const problem = buildProblem(workloadDemand([pod('1', '1Gi', { replicas: 6 })]), cat, { windowMs: 3_600_000 });
  assert.is(problem.windows.length, 1);
  for (const solver of [highs, jslp]) {
    const plan = solvePlan(problem, solver, ALL);
    assert.is(Math.round(plan.cost * 1e6) / 1e6, 0.35, solver.name);
    assert.equal([...plan.counts.entries()], [[1, [1]]], solver.name);
    assert.ok(Math.abs(plan.lpRelaxation - (6 / 7.91) * 0.35) < 1e-6, `${solver.name}: ${plan.lpRelaxation}`);
    assert.ok(plan.provenOptimal, solver.name);
  }
});

t('by hand: demand that changes by window gets its own node count per window', () => {
  // Window 0 (first hour): 3 pods of 1.5 cores = 4.5 cores → 3 small (5.79) at $0.30 or 1 big (7.91) at $0.35.
  // Window 1: 1 pod → 1 small ($0.10). Total $0.40; small alone: windows need 3 and 1.
  const cat = catalogOf(['small,aws,us-east-1,x,2,8,0,,amd64,0.10,', 'big,aws,us-east-1,x,8,32,0,,amd64,0.35,']);
  const demand = workloadDemand([pod('1500m', '1Gi', { replicas: 2, durationS: 3600 }), pod('1500m', '1Gi', { durationS: 7200 })]);
  const problem = buildProblem(demand, cat, { windowMs: 3_600_000 });
  assert.is(problem.windows.length, 2);
  const plan = solvePlan(problem, highs, ALL);
  assert.equal([...plan.counts.entries()], [[0, [3, 1]]]);
  assert.is(Math.round(plan.cost * 1e6) / 1e6, 0.4);
});

t('by hand: a GPU-model pod goes to the only type with that model; the other GPU pods fill it, then the cheaper type', () => {
  // One V100 pod fits only "v" (4 V100s, $3); five plain GPU pods fit "t" (1 T4, $0.50) or "v".
  // Unlimited: 1 v (1 V100 pod + 3 plain) + 2 t (2 plain) = 3 + 2 × 0.5 = $4.00 (v × 2 = $6; v + 5 t = $5.50).
  // --max-pools 1: only v holds every pod: ceil(6 GPUs / 4) = 2 × $3 = $6.00.
  const cat = catalogOf(['t,aws,us-east-1,g,4,16,1,T4,amd64,0.50,', 'v,aws,us-east-1,p,32,244,4,V100,amd64,3.00,']);
  const problem = buildProblem(workloadDemand([pod('1', '1Gi', { gpu: 1, model: 'V100' }), pod('1', '1Gi', { gpu: 1, replicas: 5 })]), cat, { windowMs: 3_600_000 });
  assert.is(problem.classes.length, 2);
  const free = solvePlan(problem, highs, ALL);
  assert.is(Math.round(free.cost * 1e6) / 1e6, 4);
  assert.equal([...free.counts.entries()].sort(), [[0, [2]], [1, [1]]]);
  const one = solvePlan(problem, highs, { ...ALL, maxPools: 1 });
  assert.is(Math.round(one.cost * 1e6) / 1e6, 6);
  assert.equal([...one.counts.entries()], [[1, [2]]]);
});

// ---------------------------------------------------------------------------------------------------------
// Brute force and properties on random small instances

const typeArb = fc.record({
  vcpu: fc.constantFrom(2, 4, 8, 16),
  memPerCpu: fc.constantFrom(2, 4, 8),
  gpus: fc.constantFrom(0, 0, 1, 4),
  price: fc.integer({ min: 5, max: 200 }).map((c) => c / 100),
});
const podArb = fc.record({
  cpuMilli: fc.integer({ min: 1, max: 30 }).map((x) => x * 100),
  memGi: fc.integer({ min: 1, max: 12 }),
  gpu: fc.constantFrom(0, 0, 0, 1),
  startH: fc.integer({ min: 0, max: 2 }),
  hours: fc.integer({ min: 1, max: 2 }),
  replicas: fc.integer({ min: 1, max: 4 }),
});
const instanceArb = fc.record({ types: fc.array(typeArb, { minLength: 1, maxLength: 3 }), pods: fc.array(podArb, { minLength: 1, maxLength: 5 }) });

function rowsOf(types: readonly { vcpu: number; memPerCpu: number; gpus: number; price: number }[], offset = 0): string[] {
  return types.map((ty, i) => `t${i + offset},aws,us-east-1,x,${ty.vcpu},${ty.vcpu * ty.memPerCpu},${ty.gpus},${ty.gpus > 0 ? 'T4' : ''},amd64,${ty.price},`);
}

/** The problem, or undefined when some pod fits no type (the planner refuses those before solving). */
function problemOf(types: Parameters<typeof rowsOf>[0], pods: readonly { cpuMilli: number; memGi: number; gpu: number; startH: number; hours: number; replicas: number }[], extra: Parameters<typeof rowsOf>[0] = []): PlanningProblem | undefined {
  const objects = pods.map((p) => pod(`${p.cpuMilli}m`, `${p.memGi}Gi`, { ...(p.gpu > 0 ? { gpu: p.gpu } : {}), startS: p.startH * 3600, durationS: p.hours * 3600, replicas: p.replicas }));
  try {
    return buildProblem(workloadDemand(objects), catalogOf([...rowsOf(types), ...rowsOf(extra, types.length)]), { windowMs: 3_600_000 });
  } catch (err) {
    if (err instanceof UserInputError) return undefined;
    throw err;
  }
}

/** The cheapest node counts that cover every row, by trying them all (counts up to each row's need). */
function bruteForce(problem: PlanningProblem, maxPools: number): number {
  const T = problem.candidates.length;
  const W = problem.windows.length;
  const cap = 6;
  let best = Infinity;
  const counts = new Map<number, number[]>();
  for (let t = 0; t < T; t++) counts.set(t, new Array<number>(W).fill(0));
  const cells = T * W;
  const total = cap ** cells;
  if (total > 200_000) return NaN;
  for (let code = 0; code < total; code++) {
    let c = code;
    let used = 0;
    for (let t = 0; t < T; t++) {
      let any = false;
      for (let w = 0; w < W; w++) {
        const n = c % cap;
        c = Math.floor(c / cap);
        counts.get(t)![w] = n;
        if (n > 0) any = true;
      }
      if (any) used++;
    }
    if (used > maxPools) continue;
    const cost = planCost(problem, counts);
    if (cost < best && uncoveredRow(problem, counts, 1) === undefined) best = cost;
  }
  return best;
}

t('brute force: the planner finds the cheapest covering node counts (both solvers, with and without a pool limit)', () => {
  let compared = 0;
  fc.assert(
    fc.property(instanceArb, fc.integer({ min: 1, max: 2 }), ({ types, pods }, maxPools) => {
      const problem = problemOf(types, pods.slice(0, 3));
      if (problem === undefined || problem.windows.length > 2) return;
      const expected = bruteForce(problem, maxPools);
      if (!Number.isFinite(expected)) return; // more than 5 nodes of a type in a window, or too many cells
      compared++;
      for (const solver of [highs, jslp]) {
        const plan = solvePlan(problem, solver, { ...ALL, maxPools });
        assert.ok(Math.abs(plan.cost - expected) < 1e-6, `${solver.name}: plan $${plan.cost} vs brute force $${expected}`);
      }
    }),
    { numRuns: 150, seed: 11 },
  );
  assert.ok(compared >= 20, `only ${compared} instances were small enough to brute-force`);
});

t('property: integer plan ≥ its LP relaxation, and every window is covered — checked against the pods directly', () => {
  fc.assert(
    fc.property(instanceArb, fc.integer({ min: 1, max: 3 }), fc.constantFrom(1, 0.8), ({ types, pods }, maxPools, allowance) => {
      const problem = problemOf(types, pods);
      if (problem === undefined) return;
      let plan;
      try {
        plan = solvePlan(problem, highs, { allowance, maxPools, timeLimitSeconds: 20, gap: 0 });
      } catch (err) {
        if (err instanceof UserInputError) return; // the pool limit has no room
        throw err;
      }
      assert.ok(plan.cost >= plan.lpRelaxation - 1e-6, `${plan.cost} < ${plan.lpRelaxation}`);
      assert.ok(plans(plan.counts) <= maxPools);
      // Independent of the planner's groups and sweep: at every pod start, the pods running then (all of them,
      // whatever they fit) must fit in the whole plan's capacity in cpu, memory, pods and GPUs.
      for (const p of pods) {
        const at = p.startH * 3600;
        const w = Math.floor(at / 3600);
        if (w >= problem.windows.length) continue;
        const running = pods.filter((q) => q.startH * 3600 <= at && at < (q.startH + q.hours) * 3600);
        const need = { cpu: 0, memory: 0, pods: 0, gpu: 0 };
        for (const q of running) {
          need.cpu += (q.cpuMilli / 1000) * q.replicas;
          need.memory += q.memGi * q.replicas;
          need.pods += q.replicas;
          need.gpu += q.gpu * q.replicas;
        }
        const have = { cpu: 0, memory: 0, pods: 0, gpu: 0 };
        for (const [ti, ns] of plan.counts) {
          const c = problem.candidates[ti]!.capacity;
          const n = ns[w] ?? 0;
          have.cpu += c.cpu * allowance * n;
          have.memory += c.memory * allowance * n;
          have.pods += c.pods * n;
          have.gpu += c.gpu * allowance * n;
        }
        for (const r of ['cpu', 'memory', 'pods', 'gpu'] as const) assert.ok(have[r] >= need[r] - 1e-6, `window ${w} ${r}: have ${have[r]} < need ${need[r]}`);
      }
      assert.is(uncoveredRow(problem, plan.counts, allowance), undefined);
    }),
    { numRuns: 80, seed: 12 },
  );
});

function plans(counts: ReadonlyMap<number, readonly number[]>): number {
  return [...counts.values()].filter((ns) => ns.some((n) => n > 0)).length;
}

t('property: a catalog that only grows never makes the plan more expensive', () => {
  fc.assert(
    fc.property(instanceArb, fc.array(typeArb, { minLength: 1, maxLength: 2 }), fc.integer({ min: 1, max: 3 }), ({ types, pods }, extra, maxPools) => {
      const small = problemOf(types, pods);
      if (small === undefined) return;
      const grown = problemOf(types, pods, extra)!;
      let before;
      try {
        before = solvePlan(small, highs, { ...ALL, maxPools });
      } catch (err) {
        if (err instanceof UserInputError) return;
        throw err;
      }
      const after = solvePlan(grown, highs, { ...ALL, maxPools });
      assert.ok(after.cost <= before.cost + 1e-6, `grown catalog $${after.cost} > $${before.cost}`);
      assert.ok(after.lpRelaxation <= before.lpRelaxation + 1e-6);
    }),
    { numRuns: 60, seed: 13 },
  );
});

// ---------------------------------------------------------------------------------------------------------
// Bad input

t('a pod larger than every type is named with the largest type, before any solving', () => {
  // big: 8 vCPU − 90m = 7910m; 32Gi = 32768Mi − (11 × 110 + 255 = 1465Mi kube-reserved) − 100Mi eviction = 31203Mi.
  const cat = catalogOf(['small,aws,us-east-1,x,2,8,0,,amd64,0.10,', 'big,aws,us-east-1,x,8,32,0,,amd64,0.35,']);
  const objects = [pod('1', '1Gi'), pod('12', '4Gi')];
  const err = (() => {
    try {
      buildProblem(workloadDemand(objects), cat);
    } catch (e) {
      return e as Error;
    }
    return undefined;
  })();
  assert.instance(err, UserInputError);
  assert.is(
    err!.message,
    `${objects[1]!.source}: pod default/${(objects[1]!.object['metadata'] as { name: string }).name} requests cpu 12, memory 4Gi, more than any instance type in test-catalog.csv (region us-east-1) can hold; the largest is big (allocatable cpu 7910m, memory 31203Mi)`,
  );
});

t('a pool limit with no room names the constraint and the pods that need separate pools', () => {
  // A V100 pod and a T4 pod share no type: two pools at least.
  const cat = catalogOf(['t,aws,us-east-1,g,4,16,1,T4,amd64,0.50,', 'v,aws,us-east-1,p,32,244,4,V100,amd64,3.00,']);
  const objects = [pod('1', '1Gi', { gpu: 1, model: 'V100' }), pod('1', '1Gi', { gpu: 1, model: 'T4' })];
  const [a, b] = objects.map((o) => `pod default/${(o.object['metadata'] as { name: string }).name} (${o.source})`);
  const problem = buildProblem(workloadDemand(objects), cat, { windowMs: 3_600_000 });
  for (const solver of [highs, jslp]) {
    assert.throws(
      () => solvePlan(problem, solver, { ...ALL, maxPools: 1 }),
      (e: Error) => e instanceof UserInputError && e.message === `constraint "pools" (--max-pools 1) has no room: 2 groups of pods share no instance type, so the plan needs at least 2 pools: ${a} fits only v; ${b} fits only t`,
      solver.name,
    );
  }
});

t('a solver that runs out of time without an integer plan: the LP is rounded up, covered, and not called optimal', () => {
  // A stand-in solver: the real LP relaxation, and a branch-and-bound that "timed out" with nothing.
  const timedOut: LinearSolver = {
    name: 'highs',
    solve: (model, options) => (options.relax === true ? highs.solve(model, options) : { status: 'time-limit', feasible: false, objective: NaN, values: [], seconds: options.timeLimitSeconds }),
  };
  const cat = catalogOf(['small,aws,us-east-1,x,2,8,0,,amd64,0.10,', 'big,aws,us-east-1,x,8,32,0,,amd64,0.35,']);
  const problem = buildProblem(workloadDemand([pod('1', '1Gi', { replicas: 6 }), pod('500m', '1Gi', { replicas: 3, startS: 3600 })]), cat, { windowMs: 3_600_000 });
  const plan = solvePlan(problem, timedOut, { ...ALL, maxPools: 1 });
  assert.is(plan.method, 'rounded-lp');
  assert.is(plan.provenOptimal, false);
  assert.is(plan.status, 'time-limit');
  assert.is(uncoveredRow(problem, plan.counts, 1), undefined);
  assert.ok(plans(plan.counts) <= 1);
  assert.ok(plan.cost >= plan.lpRelaxation);
});

t.run();
