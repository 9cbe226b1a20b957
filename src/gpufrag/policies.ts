// The six published placement policies of the FGD experiment (reference: shared/reference/fgd-experiment.md §5),
// each a pure score function over the GpuCluster columns plus its choice of GPU device for a sharing pod.
// Scores are the simulator's integers in 0..100; the engine gives ties to the node of lowest rank (§4).
// Bounds invariant: as in cluster.ts (node n < nodeCount, device d < gpuCount[n] ≤ MAX_GPUS).
import type { Rng } from '../util/rng.js';
import { GPU_MILLI, MAX_GPUS, affinityTag, isSharing, type GpuCluster, type PodRequest } from './cluster.js';

/** One placement policy: the node score and, for a sharing pod, the device on the chosen node. */
export interface GpuFragPolicy {
  readonly name: string;
  /** The score of a node the pod fits on; higher wins, ties go to the lowest rank. */
  score(c: GpuCluster, n: number, pod: PodRequest): number;
  /** The device of node n a sharing pod takes (the node is feasible for it). */
  shareDevice(c: GpuCluster, n: number, pod: PodRequest): number;
  /** Random only: choose among the feasible nodes directly instead of scoring them. */
  selectNode?(feasible: Int32Array, count: number): number;
  /**
   * Among the feasible nodes of the best score (`tied[0..count)`, in node order, count ≥ 1), the one to take.
   * Without it the engine takes the lowest rank, as the simulator does (§4).
   */
  chooseAmongBest?(c: GpuCluster, pod: PodRequest, tied: Int32Array, count: number): number;
}

/** The simulator's node vector normalisation constants (const.go: MaxSpecCpu, MaxSpecGpu). */
export const MAX_SPEC_CPU = 128000;
export const MAX_SPEC_GPU = 8000;

/** `allocateGpuIdBasedOnBestFit`: the device with the smallest thousandths left that still fit m; ties → lowest index. */
export function bestFitDevice(c: GpuCluster, n: number, m: number): number {
  const base = n * MAX_GPUS;
  const g = c.gpuCount[n]!;
  let best = -1;
  let bestLeft = GPU_MILLI + 1;
  for (let d = 0; d < g; d++) {
    const left = c.gpuLeft[base + d]!;
    if (left >= m && left < bestLeft) {
      best = d;
      bestLeft = left;
    }
  }
  return best;
}

/** `AllocateExclusiveGpuId`: the k lowest-index fully free devices, written into `out`. */
export function wholeGpuDevices(c: GpuCluster, n: number, k: number, out: Int32Array): void {
  const base = n * MAX_GPUS;
  const g = c.gpuCount[n]!;
  let taken = 0;
  for (let d = 0; d < g && taken < k; d++) if (c.gpuLeft[base + d] === GPU_MILLI) out[taken++] = d;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** §5.1 Random: one feasible node uniformly; the device uniformly among those with room. */
export function randomPolicy(rng: Rng): GpuFragPolicy {
  return {
    name: 'Random',
    score: () => 0,
    selectNode: (feasible, count) => feasible[rng.int(count)]!,
    shareDevice(c, n, pod) {
      // allocateGpuIdBasedOnRandomFit: reservoir sampling over the devices with room.
      const base = n * MAX_GPUS;
      let seen = 0;
      let pick = -1;
      for (let d = 0; d < c.gpuCount[n]!; d++) {
        if (c.gpuLeft[base + d]! < pod.gpuMilli) continue;
        seen++;
        if (rng.int(seen) === 0) pick = d;
      }
      return pick;
    },
  };
}

const bestFitShare = (c: GpuCluster, n: number, pod: PodRequest): number => bestFitDevice(c, n, pod.gpuMilli);

/** §5.2 DotProd: the smallest dot product of the node's free [cpu, gpu] and the request wins. */
export const dotProdPolicy: GpuFragPolicy = {
  name: 'DotProd',
  score(c, n, pod) {
    const dot = (c.cpuLeft[n]! / MAX_SPEC_CPU) * (pod.cpu / MAX_SPEC_CPU) + (c.gpuLeftSum[n]! / MAX_SPEC_GPU) * ((pod.gpuMilli * pod.gpus) / MAX_SPEC_GPU);
    return Math.trunc(100 * (1 - dot / 2));
  },
  shareDevice: bestFitShare,
};

/** §5.3 GpuClustering: nodes already running only this pod's kind of GPU pod first, then fuller nodes. */
export const gpuClusteringPolicy: GpuFragPolicy = {
  name: 'GpuClustering',
  score(c, n, pod) {
    if (pod.gpus === 0) return 0;
    const base = Math.trunc((25 * (MAX_SPEC_GPU - c.gpuLeftSum[n]!)) / MAX_SPEC_GPU);
    const tag = affinityTag(pod);
    const set = c.affinity[n]!;
    const offset = set === tag ? 75 : (set & tag) !== 0 ? 50 : set === 0 ? 25 : 0;
    return base + offset;
  },
  shareDevice: bestFitShare,
};

/** §5.4 GpuPacking: share a used GPU with the least room > a free GPU on a used node > an empty (small) node. */
export const gpuPackingPolicy: GpuFragPolicy = {
  name: 'GpuPacking',
  score(c, n, pod) {
    if (pod.gpus === 0) return 0;
    const g = c.gpuCount[n]!;
    if (c.freeGpus[n] === g) return Math.max(33 - g, g); // case 3
    if (pod.gpus > 1) return Math.max(50 - pod.gpus, 33); // whole GPUs are taken from fully free devices: u = k
    // One GPU: the chosen device is the one of least room that fits (ascending, stable).
    const left = c.gpuLeft[n * MAX_GPUS + bestFitDevice(c, n, pod.gpuMilli)]!;
    if (left === GPU_MILLI) return 49; // case 2 with u = 1: max(50 − 1, 33)
    return Math.max(100 - Math.trunc(Math.trunc((left * 100) / GPU_MILLI) / 10), 50); // case 1
  },
  shareDevice: bestFitShare,
};

/**
 * §5.5 BestFit: the least weighted leftover after placement. The simulator min–max normalises the raw scores
 * over the feasible nodes, `(s − min)·100/(max − min)`; raw ∈ [0, 100] (Cl ≤ 128000, Gl ≤ 8000), so
 * max − min ≤ 100 and that map is strictly increasing on integers — the ranking and its ties are the raw ones.
 */
export const bestFitPolicy: GpuFragPolicy = {
  name: 'BestFit',
  score(c, n, pod) {
    const left = (0.5 * (c.cpuLeft[n]! - pod.cpu)) / MAX_SPEC_CPU + (0.5 * (c.gpuLeftSum[n]! - pod.gpuMilli * pod.gpus)) / MAX_SPEC_GPU;
    return Math.trunc(100 * (1 - left));
  },
  shareDevice: bestFitShare,
};

/** FGD's integer score of a fragmentation change ΔF = F(n) − F(n') in thousandths (§5.6). */
export function fgdScoreOf(delta: number): number {
  return Math.trunc(100 * sigmoid(delta / 1000));
}

/**
 * §5.6 FGD for a sharing pod on node n: the device whose use lowers F the most (integer score, first device
 * reaching the max). Devices with equal room give equal scores, so each room value is scored once.
 * Returns score * 16 + device (device < 8) so one call yields both without allocating.
 */
export function fgdShareChoice(c: GpuCluster, n: number, pod: PodRequest): number {
  const base = n * MAX_GPUS;
  const g = c.gpuCount[n]!;
  const f = c.frag[n]!;
  let best = -1;
  let bestDevice = -1;
  for (let d = 0; d < g; d++) {
    const left = c.gpuLeft[base + d]!;
    if (left < pod.gpuMilli) continue;
    let repeat = false;
    for (let e = 0; e < d; e++) if (c.gpuLeft[base + e] === left) repeat = true;
    if (repeat) continue;
    const s = fgdScoreOf(f - c.fragAfter(n, pod.cpu, 1, d, pod.gpuMilli));
    if (s > best) {
      best = s;
      bestDevice = d;
    }
  }
  return best * 16 + bestDevice;
}

/** §5.6 FGD: the placement that increases the expected fragmentation under the target workload the least. */
export const fgdPolicy: GpuFragPolicy = {
  name: 'FGD',
  score(c, n, pod) {
    if (isSharing(pod)) return fgdShareChoice(c, n, pod) >> 4;
    // CPU-only or whole GPUs: n' = n.Sub(pod) takes k fully free devices (1000 → 0).
    return fgdScoreOf(c.frag[n]! - c.fragAfter(n, pod.cpu, pod.gpus, -1, pod.gpus === 0 ? 0 : GPU_MILLI));
  },
  shareDevice: (c, n, pod) => fgdShareChoice(c, n, pod) & 15,
};
