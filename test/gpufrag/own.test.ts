// drydock's own policy (src/gpufrag/own.ts) on a small hand-built cluster: FGD's score, doubled, and for a sharing
// pod a tie-break inside one FGD score — the chosen device already shared (1) > another partial GPU on the node
// (0.75) > only whole GPUs allocated (0.5) > an intact node (0). Arithmetic in the comments (reference:
// shared/reference/fgd-experiment.md §5.6).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANY_MODEL, GpuCluster, MAX_GPUS, drydockPolicy, fgdPolicy, schedulePod, targetWorkload, type GpuFragPolicy, type PodRequest } from '../../src/gpufrag/index.js';

// Target workload: t0 = (4000 m CPU, 500 thousandths, 1 GPU, p .5), t1 = (8000, 1000, 1, p .5).
const target = targetWorkload([
  { cpu: 4000, gpuMilli: 500, gpus: 1, modelMask: ANY_MODEL, p: 0.5 },
  { cpu: 8000, gpuMilli: 1000, gpus: 1, modelMask: ANY_MODEL, p: 0.5 },
]);
const pod = (cpu: number, gpus: number, gpuMilli: number): PodRequest => ({ cpu, memory: 1024, gpus, gpuMilli, modelMask: ANY_MODEL });

/**
 * Four 64-core 8-GPU nodes, ranks 0..3 (n0 wins ties): n0 intact; n1 device 0 fully taken (0 left);
 * n2 device 0 with 200 left; n3 device 0 with 500 left. All other devices 1000.
 */
function cluster(): GpuCluster {
  const c = new GpuCluster([0, 1, 2, 3].map(() => ({ cpu: 64000, memory: 1 << 20, gpus: 8, model: 0 })), target);
  [-1, 0, 200, 500].forEach((left, n) => {
    if (left >= 0) c.gpuLeft[n * MAX_GPUS] = left;
    c.refresh(n);
  });
  return c;
}

function choose(policy: GpuFragPolicy, p: PodRequest, c: GpuCluster): { node: number; devices: number[] } {
  const devices = new Int32Array(8);
  const n = schedulePod(c, policy, p, new Int32Array(c.nodeCount), devices);
  return { node: n, devices: Array.from(devices.subarray(0, p.gpus)) };
}

const t = suite('gpufrag Drydock policy');

t('a sharing pod: FGD first, then an already shared device, a partial GPU, an allocated GPU, an intact node', () => {
  const c = cluster();
  const small = pod(1000, 1, 250);
  // F before: n0, n1 = 0 (no device between 0 and the typical sizes); n2 = .5·200 + .5·200 = 200 (200 < 500 and
  // < 1000); n3 = .5·0 + .5·500 = 250 (500 fits t0, not t1).
  // Pod 250 on a free device (1000 → 750), n0 and n1: t1 now sees 750 too small → F' = 375, Δ = −375
  // → int(100·σ(−0.375)) = int(40.73) = 40.
  // n2: device 0 has no room; a free device → F' = .5·200 + .5·(200 + 750) = 575, Δ = 200 − 575 = −375 → 40.
  // n3: device 0 (500 → 250): F' = .5·250 + .5·250 = 250, Δ = 0 → 50; a free device: F' = .5·0 + .5·(500 + 750)
  // = 625, Δ = −375 → 40. FGD takes device 0, score 50.
  assert.equal([0, 1, 2, 3].map((n) => fgdPolicy.score(c, n, small)), [40, 40, 40, 50]);
  // Drydock: 2·40 + 0 (intact), 2·40 + 0.5 (only a whole GPU taken), 2·40 + 0.75 (partial GPU, pod not on it),
  // 2·50 + 1 (on the shared device 0).
  assert.equal([0, 1, 2, 3].map((n) => drydockPolicy.score(c, n, small)), [80, 80.5, 80.75, 101]);
  assert.equal(choose(drydockPolicy, small, c), { node: 3, devices: [0] });
  // Without n3's advantage (its device 0 taken as well), FGD's tie at 40 goes to n0 by rank; Drydock's to n2,
  // on device 1 (the first free one: device 0 has 200 < 250).
  c.gpuLeft[3 * MAX_GPUS] = 0;
  c.refresh(3);
  assert.equal(choose(fgdPolicy, small, c), { node: 0, devices: [0] });
  assert.equal(choose(drydockPolicy, small, c), { node: 2, devices: [1] });
});

t('whole-GPU and CPU-only pods: exactly FGD (2·FGD, ties by rank)', () => {
  const c = cluster();
  for (const p of [pod(8000, 1, 1000), pod(8000, 2, 1000), pod(4000, 0, 0)]) {
    assert.equal([0, 1, 2, 3].map((n) => drydockPolicy.score(c, n, p)), [0, 1, 2, 3].map((n) => 2 * fgdPolicy.score(c, n, p)));
    assert.equal(choose(drydockPolicy, p, c), choose(fgdPolicy, p, c));
  }
});

t.run();
