// Each FGD-experiment policy's choice of node and device on small hand-built clusters, with the arithmetic
// in the comments (reference: shared/reference/fgd-experiment.md §3.4, §4, §5).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANY_MODEL,
  GpuCluster,
  MAX_GPUS,
  bestFitPolicy,
  dotProdPolicy,
  fgdPolicy,
  fgdShareChoice,
  gpuClusteringPolicy,
  gpuPackingPolicy,
  randomPolicy,
  schedulePod,
  targetWorkload,
  type GpuFragPolicy,
  type NodeShape,
  type PodRequest,
} from '../../src/gpufrag/index.js';
import { seededRng } from '../../src/util/rng.js';

const node = (cpu: number, gpus: number, model = 0): NodeShape => ({ cpu, memory: 1 << 20, gpus, model });
const pod = (cpu: number, gpus: number, gpuMilli: number): PodRequest => ({ cpu, memory: 1024, gpus, gpuMilli, modelMask: ANY_MODEL });

/** Sets node n's state: CPU left, each device's thousandths left, GpuClustering's affinity bits. */
function setNode(c: GpuCluster, n: number, cpuLeft: number, left: readonly number[], affinity = 0): void {
  c.cpuLeft[n] = cpuLeft;
  left.forEach((l, d) => (c.gpuLeft[n * MAX_GPUS + d] = l));
  c.affinity[n] = affinity;
  c.refresh(n);
}

// Target workload: t0 = (4000 m CPU, 500 thousandths, 1 GPU, p .5), t1 = (8000, 1000, 1, p .5).
const target = targetWorkload([
  { cpu: 4000, gpuMilli: 500, gpus: 1, modelMask: ANY_MODEL, p: 0.5 },
  { cpu: 8000, gpuMilli: 1000, gpus: 1, modelMask: ANY_MODEL, p: 0.5 },
]);

/**
 * n0: 16 cores (10 left), 4 GPUs left [1000, 300, 1000, 600] (Gl 2900, 2 free), running a sharing pod;
 * n1: 64 cores, 8 free GPUs (empty); n2: 8 cores, 1 free GPU (empty). Ranks 0, 1, 2 (n0 wins ties).
 */
function cluster(): GpuCluster {
  const c = new GpuCluster([node(16000, 4), node(64000, 8), node(8000, 1, 1)], target);
  setNode(c, 0, 10000, [1000, 300, 1000, 600], 1);
  return c;
}

function choose(policy: GpuFragPolicy, p: PodRequest, c = cluster()): { node: number; devices: number[] } {
  const devices = new Int32Array(8);
  const n = schedulePod(c, policy, p, new Int32Array(c.nodeCount), devices);
  return { node: n, devices: Array.from(devices.subarray(0, p.gpus)) };
}

const share = pod(2000, 1, 250); // the sharing pod A: 2 cores, a quarter GPU

const t = suite('gpufrag policies: node and device');

t('DotProd: the smallest [Cl/128000, Gl/8000]·[c/128000, m·k/8000] wins; ties by rank; best-fit device', () => {
  // n0: (10000/128000)(2000/128000) + (2900/8000)(250/8000) = 0.0012207 + 0.0113281 = 0.0125488 → int(100(1 − 0.0062744)) = 99
  // n1: 0.5·0.015625 + 1·0.03125 = 0.0390625 → int(98.05) = 98
  // n2: 0.0625·0.015625 + 0.125·0.03125 = 0.0048828 → int(99.76) = 99
  const c = cluster();
  assert.equal([0, 1, 2].map((n) => dotProdPolicy.score(c, n, share)), [99, 98, 99]);
  // n0 and n2 tie at 99; n0 has the lower rank. Best fit on n0: the smallest left ≥ 250 is 300, device 1.
  assert.equal(choose(dotProdPolicy, share), { node: 0, devices: [1] });
});

t('DotProd: with n2 ranked first, the tie at 99 goes to n2', () => {
  const c = cluster();
  c.rank.set([2, 1, 0]);
  assert.equal(choose(dotProdPolicy, share, c), { node: 2, devices: [0] });
});

t('GpuClustering: ⌊25(8000 − Gl)/8000⌋ + 75 on a node running only sharing pods', () => {
  // n0: ⌊25·5100/8000⌋ = ⌊15.94⌋ = 15, affinity {share} = the pod's tag → +75 = 90
  // n1: ⌊25·0/8000⌋ = 0, no GPU pods → +25 = 25;   n2: ⌊25·7000/8000⌋ = 21, +25 = 46
  const c = cluster();
  assert.equal([0, 1, 2].map((n) => gpuClusteringPolicy.score(c, n, share)), [90, 25, 46]);
  // A whole-GPU pod (tag 1-gpu) on n0, whose set is {share} only: 15 + 0; n2: 21 + 25 = 46 wins.
  assert.equal(gpuClusteringPolicy.score(c, 0, pod(1000, 1, 1000)), 15);
  assert.equal(choose(gpuClusteringPolicy, pod(1000, 1, 1000)), { node: 2, devices: [0] });
  // A CPU-only pod scores 0 everywhere: the rank decides (n0).
  assert.is(choose(gpuClusteringPolicy, pod(1000, 0, 0)).node, 0);
});

t('GpuPacking: a used GPU with the least room > a free GPU on a used node > an empty node (fewer GPUs first)', () => {
  // n0: best-fit device has 300 left (not free) → case 1: max(100 − ⌊⌊300·100/1000⌋/10⌋, 50) = 100 − 3 = 97
  // n1: all 8 free → case 3: 33 − 8 = 25;   n2: all 1 free → 33 − 1 = 32
  const c = cluster();
  assert.equal([0, 1, 2].map((n) => gpuPackingPolicy.score(c, n, share)), [97, 25, 32]);
  assert.equal(choose(gpuPackingPolicy, share), { node: 0, devices: [1] });
  // A 2-GPU pod on n0 needs u = 2 free GPUs → case 2: max(50 − 2, 33) = 48; it takes devices 0 and 2.
  assert.is(gpuPackingPolicy.score(c, 0, pod(2000, 2, 1000)), 48);
  assert.equal(choose(gpuPackingPolicy, pod(2000, 2, 1000)), { node: 0, devices: [0, 2] });
  // A pod of 700 thousandths fits on n0 only on free GPUs → case 2 with u = 1: 49 (still beats empty nodes).
  assert.is(gpuPackingPolicy.score(c, 0, pod(2000, 1, 700)), 49);
});

t('BestFit: int(100(1 − [0.5(Cl − c)/128000 + 0.5(Gl − mk)/8000])), the least leftover wins', () => {
  // n0: 0.5·8000/128000 + 0.5·2650/8000 = 0.03125 + 0.165625 = 0.196875 → int(80.31) = 80
  // n1: 0.5·62000/128000 + 0.5·7750/8000 = 0.2421875 + 0.484375 → int(27.34) = 27
  // n2: 0.5·6000/128000 + 0.5·750/8000 = 0.0234375 + 0.046875 → int(92.97) = 92
  const c = cluster();
  assert.equal([0, 1, 2].map((n) => bestFitPolicy.score(c, n, share)), [80, 27, 92]);
  assert.equal(choose(bestFitPolicy, share), { node: 2, devices: [0] });
});

t('FGD: the node and device whose use lowers the expected fragmentation most', () => {
  // F(n0): t0 (m 500) fits (3 devices ≥ 500, 10000 ≥ 4000) → too-small devices: 300;
  //        t1 (m 1000) fits (2 free, 10000 ≥ 8000) → 300 + 600 = 900.  F = .5·300 + .5·900 = 600.
  // Pod A (2000 m, 250) on n0, Cl' = 8000:
  //   d0 1000→750: t0 → 300; t1 fits (1 free, 8000 ≥ 8000) → 750 + 300 + 600 = 1650; F' = 975, Δ = −375 → int(100σ(−.375)) = 40
  //   d1  300→50 : t0 → 50;  t1 → 50 + 600 = 650;  F' = 350, Δ = +250 → int(100σ(.25)) = 56
  //   d2 = d0 (same room, scored once);  d3 600→350: t0 fits on 2 → 300 + 350 = 650; t1 → 650; F' = 650, Δ = −50 → 48
  // n1: F = 0; one device 1000→750: t1 counts 750 → F' = 375, Δ = −375 → 40.  n2: [750], t1 no longer fits → Gl 750 → 40.
  const c = cluster();
  assert.ok(Math.abs(c.frag[0]! - 600) < 1e-9, `F(n0) = ${c.frag[0]}`);
  assert.is(fgdShareChoice(c, 0, share), 56 * 16 + 1);
  assert.equal([0, 1, 2].map((n) => fgdPolicy.score(c, n, share)), [56, 40, 40]);
  assert.equal(choose(fgdPolicy, share), { node: 0, devices: [1] });

  // A whole-GPU pod (8000 m CPU, 1 GPU):
  //   n0: takes d0, Cl' = 2000 < 4000 and < 8000 → every t lacks CPU → frag = Gl' = 1900; Δ = 600 − 1900 → int(100σ(−1.3)) = 21
  //   n1: Cl' = 56000, [0, 1000×7]: both t fit, nothing too small → F' = 0, Δ = 0 → 50
  //   n2: Cl' = 0, [0]: Gl' = 0 → F' = 0, Δ = 0 → 50.   Tie n1/n2 → rank: n1, its lowest free device 0.
  const whole = pod(8000, 1, 1000);
  assert.equal([0, 1, 2].map((n) => fgdPolicy.score(c, n, whole)), [21, 50, 50]);
  assert.equal(choose(fgdPolicy, whole), { node: 1, devices: [0] });
});

t('FGD picks a device best fit would not: keep the room a typical 600 pod needs', () => {
  // One node, 2 GPUs left [700, 1000], target: one typical pod (1000 m, 600, 1 GPU, p 1). F = 0 (both fit 600).
  // Pod (1000 m, 200): d0 700→500: only d1 fits 600 now, 500 is too small → F' = 500, Δ = −500 → int(100σ(−.5)) = 37
  //                    d1 1000→800: both still fit 600 → F' = 0, Δ = 0 → 50.   FGD: device 1.  Best fit: 700 → device 0.
  const w = targetWorkload([{ cpu: 1000, gpuMilli: 600, gpus: 1, modelMask: ANY_MODEL, p: 1 }]);
  const c = new GpuCluster([node(32000, 2)], w);
  setNode(c, 0, 32000, [700, 1000]);
  const p = pod(1000, 1, 200);
  assert.is(fgdShareChoice(c, 0, p), 50 * 16 + 1);
  assert.equal(choose(fgdPolicy, p, c), { node: 0, devices: [1] });
  assert.equal(choose(bestFitPolicy, p, c), { node: 0, devices: [0] });
});

t('Random: a feasible node and a device with room, the same ones for the same seed', () => {
  const picks = (seed: number) => {
    const rng = seededRng(seed);
    const policy = randomPolicy(rng);
    return Array.from({ length: 20 }, () => choose(policy, share));
  };
  const a = picks(7);
  assert.equal(picks(7), a);
  const c = cluster();
  for (const { node: n, devices } of a) assert.ok(c.gpuLeft[n * MAX_GPUS + devices[0]!]! >= 250, `node ${n} device ${devices[0]}`);
  assert.ok(new Set(a.map((x) => x.node)).size > 1, 'spreads over nodes');
});

t('filters: CPU, memory, model and room decide feasibility before any score', () => {
  const c = cluster();
  // 11 cores: n0 has 10 left, n2 8 → only n1.
  assert.is(choose(bestFitPolicy, pod(11000, 1, 250)).node, 1);
  // A pod for model 1 only (T4 = n2).
  assert.is(choose(bestFitPolicy, { ...share, modelMask: 1 << 1 }).node, 2);
  // 3 whole GPUs: n0 has 2 free, n2 has 1 → only n1.
  assert.equal(choose(bestFitPolicy, pod(1000, 3, 1000)), { node: 1, devices: [0, 1, 2] });
  // 70 cores fit on no node: the pod is dropped (−1) and nothing is allocated.
  assert.is(choose(bestFitPolicy, pod(70000, 4, 1000)).node, -1);
  assert.is(c.usedGpuMilli, 0);
});

t.run();
