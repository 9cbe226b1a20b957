// The FGD experiment's loop (reference: shared/reference/fgd-experiment.md §2, §4, §6): build the workload from
// the trace for one seed (shuffle, then top-up sampling or random removal to the demand), fix a seeded node
// priority for ties, place the pods one at a time in that order with one policy — no departures, no retries, a
// pod that fits nowhere is dropped and still counts as arrived — and read the GPU allocation ratio off at the
// arrived-request checkpoints exactly as merge_alloc_discrete.py bins it.
//
// The randomness is drydock's seeded mulberry32 (src/util/rng.ts), not Go's math/rand, so a seed here gives a
// different (equally distributed) pod sequence than the same seed in the Go simulator: compare means over seeds.
import { seededRng, type Rng } from '../util/rng.js';
import { ANY_MODEL, GpuCluster, fits, isSharing, targetWorkload, type NodeShape, type PodRequest, type TargetWorkload } from './cluster.js';
import { wholeGpuDevices, type GpuFragPolicy } from './policies.js';
import { makePolicy, type PolicyName } from './registry.js';
import type { TraceNode, TracePod } from './trace.js';

/** The trace reduced to numeric columns: built once, shared by every run (and structured-cloned to workers). */
export interface PreparedTrace {
  /** The GPU models of the node list, sorted; a model's index is its bit in the masks. */
  readonly models: readonly string[];
  /** The nodes sorted by name (the simulator sorts them by name before its seeded renaming). */
  readonly nodes: readonly NodeShape[];
  /** Pod columns, sorted by pod name (sim.workloadPods). */
  readonly podCpu: Int32Array;
  readonly podMemory: Int32Array;
  readonly podGpus: Uint8Array;
  readonly podGpuMilli: Int16Array;
  readonly podModelMask: Int32Array;
  /** FGD's target workload, from the original (un-tuned) pods. */
  readonly target: TargetWorkload;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A gpu_spec ("A|B", empty: any) as a mask over the cluster's models; unknown models add no bit. */
export function modelMaskOf(spec: string, models: readonly string[]): number {
  if (spec === '') return ANY_MODEL;
  let mask = 0;
  for (const m of spec.split('|')) {
    const i = models.indexOf(m.trim());
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

/**
 * FGD's target workload (§5.6, GetTypicalPods with isInvolvedCpuPods, threshold 95 %, step 1): group the pods by
 * (cpu, gpu milli, GPU count, gpu_spec), sort the groups by count descending (ties by the key, descending),
 * keep groups until they cover ≥ 95 % of the pods, and re-normalise their shares to 1.
 */
export function typicalPods(pods: readonly TracePod[], models: readonly string[], threshold = 0.95): TargetWorkload {
  const groups = new Map<string, { cpu: number; gpuMilli: number; gpus: number; spec: string; count: number }>();
  for (const p of pods) {
    const key = `${p.cpu}/${p.gpuMilli}/${p.gpus}/${p.gpuSpec}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { cpu: p.cpu, gpuMilli: p.gpuMilli, gpus: p.gpus, spec: p.gpuSpec, count: 1 });
    else g.count++;
  }
  const sorted = [...groups.values()].sort(
    (a, b) => b.count - a.count || b.cpu - a.cpu || b.gpuMilli - a.gpuMilli || b.gpus - a.gpus || (a.spec < b.spec ? 1 : a.spec > b.spec ? -1 : 0),
  );
  const kept: typeof sorted = [];
  let covered = 0;
  for (const g of sorted) {
    if (covered >= threshold * pods.length) break;
    kept.push(g);
    covered += g.count;
  }
  return targetWorkload(kept.map((g) => ({ cpu: g.cpu, gpuMilli: g.gpuMilli, gpus: g.gpus, modelMask: modelMaskOf(g.spec, models), p: g.count / covered })));
}

/** Numeric columns of a parsed trace and node list. */
export function prepareTrace(nodes: readonly TraceNode[], pods: readonly TracePod[]): PreparedTrace {
  const models = [...new Set(nodes.filter((n) => n.gpus > 0 && n.model !== '').map((n) => n.model))].sort();
  if (models.length > 31) throw new RangeError(`the node list has ${models.length} GPU models (the engine models at most 31)`);
  const sortedNodes = [...nodes].sort(byName).map((n) => ({ cpu: n.cpu, memory: n.memory, gpus: n.gpus, model: models.indexOf(n.model) }));
  const sortedPods = [...pods].sort(byName);
  const count = sortedPods.length;
  const trace = {
    models,
    nodes: sortedNodes,
    podCpu: new Int32Array(count),
    podMemory: new Int32Array(count),
    podGpus: new Uint8Array(count),
    podGpuMilli: new Int16Array(count),
    podModelMask: new Int32Array(count),
    target: typicalPods(pods, models),
  };
  sortedPods.forEach((p, i) => {
    trace.podCpu[i] = p.cpu;
    trace.podMemory[i] = p.memory;
    trace.podGpus[i] = p.gpus;
    trace.podGpuMilli[i] = p.gpuMilli;
    trace.podModelMask[i] = modelMaskOf(p.gpuSpec, models);
  });
  return trace;
}

/** Fisher–Yates, as Go's rand.Shuffle walks it (from the end). */
function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * The run's pod sequence (§2 steps 4–6): the name-sorted pods shuffled, then, to reach demand × cluster GPU
 * thousandths, either samples drawn with replacement appended at the end (stopping at the first draw whose
 * per-GPU milli would overshoot — the simulator's quirk), or pods removed at random positions until at most
 * the target remains. Returns indices into the prepared pod columns.
 */
export function buildWorkload(trace: PreparedTrace, clusterGpuMilli: number, demand: number, rng: Rng): Int32Array {
  const n = trace.podCpu.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffle(order, rng);
  const { podGpus, podGpuMilli } = trace;
  let total = 0;
  for (let i = 0; i < n; i++) total += podGpus[i]! * podGpuMilli[i]!;
  if (total === 0) throw new RangeError('the pod list asks for no GPU, so it cannot be scaled to a GPU demand');
  const target = demand * clusterGpuMilli;
  if (total < target) {
    const out: number[] = Array.from(order);
    for (;;) {
      const idx = rng.int(n);
      if (total + podGpuMilli[idx]! > target) break;
      out.push(idx);
      total += podGpus[idx]! * podGpuMilli[idx]!;
    }
    return Int32Array.from(out);
  }
  const list: number[] = Array.from(order);
  while (total > target) {
    const at = rng.int(list.length);
    const idx = list[at]!;
    list.splice(at, 1);
    total -= podGpus[idx]! * podGpuMilli[idx]!;
  }
  return Int32Array.from(list);
}

/** A random permutation (Go's rand.Perm): node i's tie-break rank. */
export function nodeRanks(count: number, rng: Rng): Int32Array {
  const perm = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = rng.int(i + 1);
    perm[i] = perm[j]!;
    perm[j] = i;
  }
  return perm;
}

/** Python's round(x) for a non-negative x: half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface RunOptions {
  readonly policy: PolicyName;
  readonly seed: number;
  /** The workload's total GPU request as a multiple of the cluster's GPUs (the simulator's tune ratio). */
  readonly demand: number;
  /** Arrived GPU request levels (multiples of the cluster's GPUs) at which allocation is read off. */
  readonly checkpoints: readonly number[];
}

export interface RunResult {
  readonly policy: PolicyName;
  readonly seed: number;
  /** GPU allocation in % of the cluster's GPUs at each checkpoint (null: no pod event near it). */
  readonly allocation: readonly (number | null)[];
  readonly pods: number;
  readonly failedPods: number;
  readonly totalGpuMilli: number;
  readonly usedGpuMilli: number;
  /** Σ_n F(n) at the end, in thousandths of a GPU. */
  readonly fragAmount: number;
  readonly seconds: number;
}

/** The placement chosen for one pod: the node (−1: none) and, in `devices`, its GPU devices. */
export function schedulePod(c: GpuCluster, policy: GpuFragPolicy, pod: PodRequest, feasible: Int32Array, devices: Int32Array): number {
  const count = c.nodeCount;
  const rank = c.rank;
  let node = -1;
  if (policy.selectNode !== undefined) {
    let k = 0;
    for (let n = 0; n < count; n++) if (fits(c, n, pod)) feasible[k++] = n;
    if (k > 0) node = policy.selectNode(feasible, k);
  } else if (policy.chooseAmongBest !== undefined) {
    // Collect the nodes of the best score (in `feasible`) and let the policy choose among them.
    let best = -Infinity;
    let k = 0;
    for (let n = 0; n < count; n++) {
      if (!fits(c, n, pod)) continue;
      const s = policy.score(c, n, pod);
      if (s > best) {
        best = s;
        k = 0;
      }
      if (s === best) feasible[k++] = n;
    }
    if (k > 0) node = policy.chooseAmongBest(c, pod, feasible, k);
  } else {
    let best = -Infinity;
    let bestRank = 0;
    for (let n = 0; n < count; n++) {
      if (!fits(c, n, pod)) continue;
      const s = policy.score(c, n, pod);
      if (s > best || (s === best && rank[n]! < bestRank)) {
        best = s;
        bestRank = rank[n]!;
        node = n;
      }
    }
  }
  if (node < 0 || pod.gpus === 0) return node;
  if (isSharing(pod)) devices[0] = policy.shareDevice(c, node, pod);
  else wholeGpuDevices(c, node, pod.gpus, devices);
  return node;
}

/** One policy, one seed: the whole experiment loop. Allocation-free per pod. */
export function runExperiment(trace: PreparedTrace, options: RunOptions): RunResult {
  const started = performance.now();
  const rng = seededRng(options.seed);
  const cluster = new GpuCluster(trace.nodes, trace.target);
  const total = cluster.totalGpuMilli;
  const sequence = buildWorkload(trace, total, options.demand, rng);
  cluster.rank.set(nodeRanks(cluster.nodeCount, rng));
  // The policy draws from the generator only after the workload and the node order, so every policy of a seed
  // sees the same pod sequence and the same ranks.
  const policy = makePolicy(options.policy, rng, trace.target);

  // merge_alloc_discrete.py: per event, bin = round(arrived %), value = round(allocated %, 2); mean per bin.
  const bins = Math.ceil(Math.max(options.demand, ...options.checkpoints) * 100) + 3;
  const binSum = new Float64Array(bins);
  const binCount = new Int32Array(bins);
  const totalGpus = total / 1000;
  const feasible = new Int32Array(cluster.nodeCount);
  const devices = new Int32Array(8);
  const pod: PodRequest = { cpu: 0, memory: 0, gpus: 0, gpuMilli: 0, modelMask: ANY_MODEL };
  let arrived = 0;
  let failed = 0;
  for (let i = 0; i < sequence.length; i++) {
    const p = sequence[i]!;
    pod.cpu = trace.podCpu[p]!;
    pod.memory = trace.podMemory[p]!;
    pod.gpus = trace.podGpus[p]!;
    pod.gpuMilli = trace.podGpuMilli[p]!;
    pod.modelMask = trace.podModelMask[p]!;
    arrived += pod.gpus * pod.gpuMilli;
    const node = schedulePod(cluster, policy, pod, feasible, devices);
    if (node < 0) failed++;
    else cluster.bind(node, pod, devices);
    const bin = roundHalfEven(arrived / totalGpus / 10);
    if (bin < bins) {
      binSum[bin]! += Math.round(cluster.usedGpuMilli / totalGpus / 10 * 100) / 100;
      binCount[bin]!++;
    }
  }
  const allocation = options.checkpoints.map((cp) => {
    const c = Math.round(cp * 100);
    if (binCount[c]! > 0) return binSum[c]! / binCount[c]!;
    let s = 0;
    let k = 0;
    for (let b = Math.max(0, c - 1); b <= c + 1 && b < bins; b++) {
      s += binSum[b]!;
      k += binCount[b]!;
    }
    return k > 0 ? s / k : null;
  });
  return {
    policy: options.policy,
    seed: options.seed,
    allocation,
    pods: sequence.length,
    failedPods: failed,
    totalGpuMilli: total,
    usedGpuMilli: cluster.usedGpuMilli,
    fragAmount: cluster.fragAmount(),
    seconds: (performance.now() - started) / 1000,
  };
}
