// drydock's own policy (src/gpufrag/own.ts): the terminal-waste lookahead W on hand-built nodes, and the choice among
// FGD's best-scored nodes — the used ones and the lowest-rank unused one, by q = int(100·σ((W(n) − W(n'))/1000)),
// then rank. With a one-shape target workload every sampled arrival is that shape, so W is worked out by hand.
// A property test checks the policy (with its caches) against a cache-free reading of the same rule.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  ANY_MODEL,
  GpuCluster,
  MAX_GPUS,
  TerminalWaste,
  drydockPolicy,
  fgdPolicy,
  fgdScoreOf,
  fgdShareChoice,
  fits,
  isSharing,
  nodeRanks,
  schedulePod,
  targetWorkload,
  wholeGpuDevices,
  type GpuFragPolicy,
  type PodRequest,
  type TargetWorkload,
} from '../../src/gpufrag/index.js';
import { seededRng } from '../../src/util/rng.js';

const pod = (cpu: number, gpus: number, gpuMilli: number): PodRequest => ({ cpu, memory: 1024, gpus, gpuMilli, modelMask: ANY_MODEL });
const one = (cpu: number, gpuMilli: number, gpus: number, modelMask = ANY_MODEL): TargetWorkload => targetWorkload([{ cpu, gpuMilli, gpus, modelMask, p: 1 }]);

function setNode(c: GpuCluster, n: number, cpuLeft: number, left: readonly number[]): void {
  c.cpuLeft[n] = cpuLeft;
  left.forEach((l, d) => (c.gpuLeft[n * MAX_GPUS + d] = l));
  c.refresh(n);
}

function choose(policy: GpuFragPolicy, p: PodRequest, c: GpuCluster): { node: number; devices: number[] } {
  const devices = new Int32Array(8);
  const n = schedulePod(c, policy, p, new Int32Array(c.nodeCount), devices);
  return { node: n, devices: Array.from(devices.subarray(0, p.gpus)) };
}

const t = suite('gpufrag Drydock policy');

t('terminal waste: arrivals take a place while CPU, model and a device allow, W is what stays idle', () => {
  // Every arrival is (4000 m, 600 thousandths, 1 GPU); 2 sequences of 4 arrivals.
  const w = new TerminalWaste(one(4000, 600, 1), seededRng(1), 2, 4);
  // 16 cores, [1000, 1000]: #1 → the first of the equal best fits, d0 = 400, 12 cores left; #2 → d1 = 400, 8 cores;
  // #3, #4: no device has 600 → W = 400 + 400 = 800.
  assert.is(w.of(16000, [1000, 1000], 2, 1), 800);
  // 6 cores: #1 → d0 = 400, 2 cores left; the rest need 4 cores → W = 400 + 1000 = 1400 (CPU strands a whole GPU).
  assert.is(w.of(6000, [1000, 1000], 2, 1), 1400);
  // [300, 1000]: #1 → d1 (the only fit) = 400; 300 and 400 are too small → W = 700.
  assert.is(w.of(16000, [300, 1000], 2, 1), 700);
  // The typical pod asks for model 1, the node is model 0: nothing lands → W = 2000.
  assert.is(new TerminalWaste(one(4000, 600, 1, 1 << 1), seededRng(1), 2, 4).of(16000, [1000, 1000], 2, 1 << 0), 2000);
  // Two whole GPUs per arrival, [1000, 1000, 1000, 500], 32 cores: #1 takes d0 and d1; then one free GPU only → W = 1500.
  assert.is(new TerminalWaste(one(8000, 1000, 2), seededRng(1), 2, 4).of(32000, [1000, 1000, 1000, 500], 4, 1), 1500);
  // CPU-only arrivals (10 cores) take CPU and no GPU: 25 cores → 2 land; the GPU stays idle → W = 1000.
  assert.is(new TerminalWaste(one(10000, 0, 0), seededRng(1), 2, 4).of(25000, [1000], 1, 1), 1000);
});

t('terminal waste: the arrivals follow the target shares and the seed', () => {
  const w = targetWorkload([
    { cpu: 1000, gpuMilli: 500, gpus: 1, modelMask: ANY_MODEL, p: 0.25 },
    { cpu: 1000, gpuMilli: 1000, gpus: 1, modelMask: ANY_MODEL, p: 0.75 },
  ]);
  const draws = (seed: number) => {
    const tw = new TerminalWaste(w, seededRng(seed), 100, 40);
    return Array.from({ length: 4000 }, (_, i) => tw.draw(Math.floor(i / 40), i % 40));
  };
  const a = draws(3);
  // 4000 draws at p = .25: expected 1000 of shape 0, standard deviation √(4000·.25·.75) ≈ 27; ±100 is > 3.6 σ.
  const zeros = a.filter((x) => x === 0).length;
  assert.ok(zeros > 900 && zeros < 1100, `${zeros} draws of shape 0`);
  assert.equal(draws(3), a);
  assert.not.equal(draws(4), a);
});

t('a CPU-heavy pod: FGD ties, the lookahead takes the node that keeps CPU for its remaining GPUs', () => {
  // Target: (8000 m, 1000, 1 GPU), p 1. Two 4-GPU nodes with device 0 taken: n0 24 cores left, n1 40 (rank n0 < n1).
  const c = new GpuCluster([0, 1].map(() => ({ cpu: 64000, memory: 1 << 20, gpus: 4, model: 0 })), one(8000, 1000, 1));
  setNode(c, 0, 24000, [0, 1000, 1000, 1000]);
  setNode(c, 1, 40000, [0, 1000, 1000, 1000]);
  const heavy = pod(16000, 1, 1000);
  // FGD: no device is between 0 and 1000 and ≥ 8 cores stay on both (24 − 16 = 8, 40 − 16 = 24) → F = F' = 0,
  // Δ = 0 → int(100·σ(0)) = 50 on both; the rank gives n0.
  assert.equal([0, 1].map((n) => fgdPolicy.score(c, n, heavy)), [50, 50]);
  assert.equal(choose(fgdPolicy, heavy, c), { node: 0, devices: [1] });
  // W (48 arrivals of 8 cores + 1 GPU): n0 now: 3 land (24 → 0 cores) → 0; n0 after: 8 cores, 2 GPUs → 1 lands → W' = 1000,
  // q = int(100·σ(−1000/1000)) = int(26.9) = 26. n1 now: 3 land (40 → 16) → 0; after: 24 cores, 2 GPUs → 2 land → 0,
  // q = 50. Drydock: n1.
  const w = new TerminalWaste(one(8000, 1000, 1), seededRng(1));
  assert.equal([w.of(24000, [0, 1000, 1000, 1000], 4, 1), w.of(8000, [0, 0, 1000, 1000], 4, 1), w.of(40000, [0, 1000, 1000, 1000], 4, 1), w.of(24000, [0, 0, 1000, 1000], 4, 1)], [0, 1000, 0, 0]);
  assert.equal([fgdScoreOf(0 - 1000), fgdScoreOf(0 - 0)], [26, 50]);
  assert.equal(choose(drydockPolicy(c.target!, seededRng(1)), heavy, c), { node: 1, devices: [1] });
});

t('unused nodes are opened in FGD order: only the lowest-rank one competes with the used nodes', () => {
  // Target (8000 m, 1000, 1 GPU), p 1; pod (16000 m, 1 GPU). Three 4-GPU nodes: n0 unused, 64 cores, rank 1; n1 unused,
  // 32 cores, rank 0; n2 used (device 0 taken, 40 cores left), rank 2. FGD: 50 on all three (F = F' = 0 as above) → n1.
  const c = new GpuCluster([64000, 32000, 64000].map((cpu) => ({ cpu, memory: 1 << 20, gpus: 4, model: 0 })), one(8000, 1000, 1));
  c.rank.set([1, 0, 2]);
  setNode(c, 2, 40000, [0, 1000, 1000, 1000]);
  const heavy = pod(16000, 1, 1000);
  assert.equal([0, 1, 2].map((n) => fgdPolicy.score(c, n, heavy)), [50, 50, 50]);
  assert.is(choose(fgdPolicy, heavy, c).node, 1);
  // q: n1 (32 cores, 4 GPUs: 4 land → W 0; after: 16 cores, 3 GPUs → 2 land → W' 1000) → 26. n2 (as n1 of the test above)
  // → 50. n0 would score 50 too (48 cores, 3 GPUs after → 3 land → 0) but is not the unused node of lowest rank.
  const policy = drydockPolicy(c.target!, seededRng(1));
  assert.is(choose(policy, heavy, c).node, 2);
  // Without n2 (too little CPU for the pod): the unused n1 is the only candidate, though the CPU-rich n0 would waste less.
  setNode(c, 2, 10000, [0, 1000, 1000, 1000]);
  assert.is(choose(policy, heavy, c).node, 1);
});

/** The rule without the policy's caches: FGD's best, unused nodes but the lowest-rank one dropped, max q, then rank. */
function reference(c: GpuCluster, p: PodRequest, w: TerminalWaste): number {
  let best = -1;
  const tied: number[] = [];
  for (let n = 0; n < c.nodeCount; n++) {
    if (!fits(c, n, p)) continue;
    const s = fgdPolicy.score(c, n, p);
    if (s > best) tied.length = 0;
    if (s >= best) {
      best = s;
      tied.push(n);
    }
  }
  if (tied.length <= 1) return tied[0] ?? -1;
  const isUnused = (n: number) => c.freeGpus[n] === c.gpuCount[n] && c.cpuLeft[n] === c.cpuCapacity[n];
  const unusedRanks = tied.filter(isUnused).map((n) => c.rank[n]!);
  const fresh = Math.min(...unusedRanks);
  let node = -1;
  let bestQ = -1;
  for (const n of tied) {
    if (isUnused(n) && c.rank[n] !== fresh) continue;
    const g = c.gpuCount[n]!;
    const left = Array.from(c.gpuLeft.subarray(n * MAX_GPUS, n * MAX_GPUS + g));
    const before = w.of(c.cpuLeft[n]!, left, g, c.modelBit[n]!);
    if (isSharing(p)) left[fgdShareChoice(c, n, p) & 15]! -= p.gpuMilli;
    else for (let d = 0, k = 0; d < g && k < p.gpus; d++) if (left[d] === 1000) (left[d] = 0), k++;
    const q = fgdScoreOf(before - w.of(c.cpuLeft[n]! - p.cpu, left, g, c.modelBit[n]!));
    if (q > bestQ || (q === bestQ && c.rank[n]! < c.rank[node]!)) {
      bestQ = q;
      node = n;
    }
  }
  return node;
}

t('property: over a run of binds the cached policy chooses what the rule computed from scratch chooses', () => {
  const w = targetWorkload([
    { cpu: 3000, gpuMilli: 810, gpus: 1, modelMask: ANY_MODEL, p: 0.3 },
    { cpu: 8000, gpuMilli: 470, gpus: 1, modelMask: ANY_MODEL, p: 0.2 },
    { cpu: 11000, gpuMilli: 1000, gpus: 1, modelMask: ANY_MODEL, p: 0.3 },
    { cpu: 12000, gpuMilli: 0, gpus: 0, modelMask: ANY_MODEL, p: 0.1 },
    { cpu: 24000, gpuMilli: 1000, gpus: 2, modelMask: ANY_MODEL, p: 0.1 },
  ]);
  const shapes = [pod(3000, 1, 810), pod(8000, 1, 470), pod(11000, 1, 1000), pod(12000, 0, 0), pod(24000, 2, 1000), pod(4000, 1, 320), pod(40000, 4, 1000)];
  const arb = fc.record({
    nodes: fc.array(fc.record({ gpus: fc.constantFrom(1, 2, 4, 8), cpu: fc.constantFrom(16000, 32000, 64000, 96000) }), { minLength: 2, maxLength: 6 }),
    pods: fc.array(fc.nat(shapes.length - 1), { minLength: 1, maxLength: 40 }),
    seed: fc.nat(1000),
  });
  fc.assert(
    fc.property(arb, ({ nodes, pods, seed }) => {
      const c = new GpuCluster(nodes.map((n) => ({ ...n, memory: 1 << 20, model: 0 })), w);
      c.rank.set(nodeRanks(nodes.length, seededRng(seed + 1)));
      const policy = drydockPolicy(w, seededRng(seed));
      const ref = new TerminalWaste(w, seededRng(seed));
      const devices = new Int32Array(8);
      for (const i of pods) {
        const p = shapes[i]!;
        const expected = reference(c, p, ref);
        const node = schedulePod(c, policy, p, new Int32Array(c.nodeCount), devices);
        assert.is(node, expected);
        if (node < 0) continue;
        if (isSharing(p)) assert.is(devices[0], fgdShareChoice(c, node, p) & 15);
        else if (p.gpus > 0) wholeGpuDevices(c, node, p.gpus, devices);
        c.bind(node, p, devices);
      }
    }),
    { numRuns: 60, seed: 9 },
  );
});

t.run();
