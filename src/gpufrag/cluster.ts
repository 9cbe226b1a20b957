// The experiment's cluster state as typed-array columns, and the fragmentation measure of the ATC'23 FGD paper
// (reference: shared/reference/fgd-experiment.md §3, §5.6).
//
// Bounds invariant (justifies every `!` and unchecked index in this file and in policies.ts): node indices are
// in [0, nodeCount); device d of node n lives at `n * MAX_GPUS + d` with d < gpuCount[n] ≤ MAX_GPUS; typical-pod
// t of node n at `n * typical.count + t`. All columns are sized from nodeCount when the cluster is built and
// never resized.

/** GPUs per node the engine models (the trace's largest node has 8). */
export const MAX_GPUS = 8;
/** One whole GPU in thousandths. */
export const GPU_MILLI = 1000;
/** Every model allowed: the mask of a pod or typical pod with an empty gpu_spec. */
export const ANY_MODEL = -1;

/** One pod's request, as the scheduler's PreFilter would precompute it once per pod. */
export interface PodRequest {
  /** Milli-cores. */
  cpu: number;
  /** MiB. */
  memory: number;
  /** k: GPUs asked for; 0 for a CPU-only pod. */
  gpus: number;
  /** m: thousandths of each GPU, 1..1000; 0 for a CPU-only pod. */
  gpuMilli: number;
  /** Allowed node models as a bit mask over the cluster's models; ANY_MODEL for any. */
  modelMask: number;
}

/** A sharing pod takes part of one GPU (§3.1); its device is chosen by the policy. */
export function isSharing(pod: PodRequest): boolean {
  return pod.gpus === 1 && pod.gpuMilli < GPU_MILLI;
}

/**
 * FGD's target workload (§5.6): the most frequent pod shapes of the original trace and their probabilities,
 * as parallel columns.
 */
export interface TargetWorkload {
  readonly count: number;
  readonly cpu: Int32Array;
  readonly gpuMilli: Int32Array;
  readonly gpus: Int32Array;
  readonly modelMask: Int32Array;
  readonly p: Float64Array;
}

export function targetWorkload(shapes: readonly { cpu: number; gpuMilli: number; gpus: number; modelMask: number; p: number }[]): TargetWorkload {
  const n = shapes.length;
  const w = { count: n, cpu: new Int32Array(n), gpuMilli: new Int32Array(n), gpus: new Int32Array(n), modelMask: new Int32Array(n), p: new Float64Array(n) };
  shapes.forEach((s, i) => {
    w.cpu[i] = s.cpu;
    w.gpuMilli[i] = s.gpuMilli;
    w.gpus[i] = s.gpus;
    w.modelMask[i] = s.modelMask;
    w.p[i] = s.p;
  });
  return w;
}

/** A node as the tests and the CLI describe it. */
export interface NodeShape {
  readonly cpu: number;
  readonly memory: number;
  readonly gpus: number;
  /** Index of the node's GPU model among the cluster's models (bit `1 << model` of a mask); -1: no GPU model. */
  readonly model: number;
}

/**
 * The cluster: per node CPU and memory left, per device GPU thousandths left, and the bookkeeping the policies
 * read (fully free GPU count, the largest device left, the GpuClustering affinity tags). With a target
 * workload it also keeps, per node and typical pod, the two sums the fragmentation measure needs, so FGD
 * scores a candidate placement in O(typical pods) without re-walking the devices.
 */
export class GpuCluster {
  readonly nodeCount: number;
  readonly cpuCapacity: Int32Array;
  readonly cpuLeft: Int32Array;
  readonly memoryLeft: Int32Array;
  readonly gpuCount: Uint8Array;
  /** Thousandths left on each device: node n's device d at n * MAX_GPUS + d. */
  readonly gpuLeft: Int16Array;
  /** Σ of gpuLeft over the node's devices (Gl). */
  readonly gpuLeftSum: Int32Array;
  /** Devices with all 1000 left (F). */
  readonly freeGpus: Uint8Array;
  /** The largest gpuLeft among the node's devices (0 without GPUs). */
  readonly maxLeft: Int16Array;
  /** 1 << model, or 0 for a node without a GPU model. */
  readonly modelBit: Int32Array;
  /** GpuClustering's affinity set: bit 0 share-gpu, bit 1 1-gpu, 2 2-gpu, 3 4-gpu, 4 8-gpu. */
  readonly affinity: Uint8Array;
  /** Tie-break priority: among equal scores the lowest rank wins (the simulator's `%04d-` name prefix). */
  readonly rank: Int32Array;
  readonly totalGpuMilli: number;
  usedGpuMilli = 0;

  /** The target workload the fragmentation columns are kept for (null: not kept). */
  readonly target: TargetWorkload | null;
  /** Per node and typical pod: devices with gpuLeft ≥ m_t. */
  readonly fitDevices: Uint8Array;
  /** Per node and typical pod: Σ gpuLeft of devices with gpuLeft < m_t (the Q2 part when the pod fits). */
  readonly smallLeft: Int32Array;
  /** Per node: F(n), the expected fragmented thousandths under the target workload. */
  readonly frag: Float64Array;
  /** Per node: bumped by every refresh, so a policy can tell whether a node it cached something for has changed. */
  readonly version: Uint32Array;

  constructor(nodes: readonly NodeShape[], target: TargetWorkload | null = null) {
    const n = nodes.length;
    this.nodeCount = n;
    this.cpuCapacity = new Int32Array(n);
    this.cpuLeft = new Int32Array(n);
    this.memoryLeft = new Int32Array(n);
    this.gpuCount = new Uint8Array(n);
    this.gpuLeft = new Int16Array(n * MAX_GPUS);
    this.gpuLeftSum = new Int32Array(n);
    this.freeGpus = new Uint8Array(n);
    this.maxLeft = new Int16Array(n);
    this.modelBit = new Int32Array(n);
    this.affinity = new Uint8Array(n);
    this.rank = new Int32Array(n);
    this.target = target;
    const t = target?.count ?? 0;
    this.fitDevices = new Uint8Array(n * t);
    this.smallLeft = new Int32Array(n * t);
    this.frag = new Float64Array(n);
    this.version = new Uint32Array(n);
    let total = 0;
    nodes.forEach((node, i) => {
      if (node.gpus < 0 || node.gpus > MAX_GPUS) throw new RangeError(`node ${i}: ${node.gpus} GPUs (the engine models 0..${MAX_GPUS})`);
      this.cpuCapacity[i] = node.cpu;
      this.cpuLeft[i] = node.cpu;
      this.memoryLeft[i] = node.memory;
      this.gpuCount[i] = node.gpus;
      for (let d = 0; d < node.gpus; d++) this.gpuLeft[i * MAX_GPUS + d] = GPU_MILLI;
      this.modelBit[i] = node.model >= 0 && node.gpus > 0 ? 1 << node.model : 0;
      this.rank[i] = i;
      total += node.gpus * GPU_MILLI;
      this.refresh(i);
    });
    this.totalGpuMilli = total;
  }

  /** Recomputes node n's derived columns after its devices or CPU changed: O(devices × typical pods). */
  refresh(n: number): void {
    this.version[n]!++;
    const base = n * MAX_GPUS;
    const g = this.gpuCount[n]!;
    let sum = 0;
    let free = 0;
    let max = 0;
    for (let d = 0; d < g; d++) {
      const left = this.gpuLeft[base + d]!;
      sum += left;
      if (left === GPU_MILLI) free++;
      if (left > max) max = left;
    }
    this.gpuLeftSum[n] = sum;
    this.freeGpus[n] = free;
    this.maxLeft[n] = max;
    const w = this.target;
    if (w === null) return;
    const tb = n * w.count;
    for (let t = 0; t < w.count; t++) {
      const m = w.gpuMilli[t]!;
      let fit = 0;
      let small = 0;
      for (let d = 0; d < g; d++) {
        const left = this.gpuLeft[base + d]!;
        if (left >= m) fit++;
        else small += left;
      }
      this.fitDevices[tb + t] = fit;
      this.smallLeft[tb + t] = small;
    }
    this.frag[n] = this.fragAfter(n, 0, 0, -1, 0);
  }

  /**
   * F(n') for node n after taking `cpu` milli-cores and, on `k` devices that now hold `oldLeft` and will hold
   * `oldLeft − m`, their thousandths (§5.6, NodeGpuShareFragAmount / FragAmountSumExceptQ3):
   * - share pod: k = 1, `device` its index; whole-GPU pod: k devices of 1000 → 0 (device −1, oldLeft 1000).
   * With cpu = 0 and k = 0 it is F(n) itself. O(typical pods); reads only the node's cached sums.
   */
  fragAfter(n: number, cpu: number, k: number, device: number, m: number): number {
    const w = this.target!;
    const tb = n * w.count;
    const oldLeft = k === 0 ? 0 : device >= 0 ? this.gpuLeft[n * MAX_GPUS + device]! : GPU_MILLI;
    const newLeft = oldLeft - m;
    const cl = this.cpuLeft[n]! - cpu;
    const gl = this.gpuLeftSum[n]! - k * m;
    const bit = this.modelBit[n]!;
    let f = 0;
    for (let t = 0; t < w.count; t++) {
      const mt = w.gpuMilli[t]!;
      let frag: number;
      if (mt === 0 || (w.modelMask[t]! & bit) === 0) {
        // CPU-only typical pod: every idle GPU is fragment (XL/XR). Model not allowed: NA, all idle GPU.
        frag = gl;
      } else {
        let fit = this.fitDevices[tb + t]!;
        let small = this.smallLeft[tb + t]!;
        if (k > 0) {
          // The k changed devices move from oldLeft to newLeft: update "fits" and "too small" accordingly.
          if (oldLeft >= mt) fit -= k;
          else small -= k * oldLeft;
          if (newLeft >= mt) fit += k;
          else small += k * newLeft;
        }
        frag = fit >= w.gpus[t]! && cl >= w.cpu[t]! ? small : gl;
      }
      f += w.p[t]! * frag;
    }
    return f;
  }

  /** Places a pod on node n, on the given devices (ignored for a CPU-only pod). */
  bind(n: number, pod: PodRequest, devices: ArrayLike<number>): void {
    this.cpuLeft[n]! -= pod.cpu;
    this.memoryLeft[n]! -= pod.memory;
    if (pod.gpus > 0) {
      const base = n * MAX_GPUS;
      for (let i = 0; i < pod.gpus; i++) this.gpuLeft[base + devices[i]!]! -= pod.gpuMilli;
      this.usedGpuMilli += pod.gpus * pod.gpuMilli;
      this.affinity[n]! |= affinityTag(pod);
    }
    this.refresh(n);
  }

  /** Σ_n F(n): the cluster's fragmented GPU thousandths (the `[Report] Frag amount`). Needs a target workload. */
  fragAmount(): number {
    let s = 0;
    for (let n = 0; n < this.nodeCount; n++) s += this.frag[n]!;
    return s;
  }
}

/** GpuClustering's tag of a GPU pod (§5.3) as a bit of GpuCluster.affinity. */
export function affinityTag(pod: PodRequest): number {
  if (pod.gpus === 0) return 0;
  if (isSharing(pod)) return 1;
  return pod.gpus === 1 ? 2 : pod.gpus === 2 ? 4 : pod.gpus === 4 ? 8 : pod.gpus === 8 ? 16 : 32;
}

/** Filter (§3.3): NodeResourcesFit on CPU and memory, then Open-Gpu-Share (model, devices with room). */
export function fits(c: GpuCluster, n: number, pod: PodRequest): boolean {
  if (c.cpuLeft[n]! < pod.cpu || c.memoryLeft[n]! < pod.memory) return false;
  if (pod.gpuMilli === 0) return true;
  if ((pod.modelMask & c.modelBit[n]!) === 0) return false;
  if (pod.gpus === 1) return c.maxLeft[n]! >= pod.gpuMilli;
  return c.freeGpus[n]! >= pod.gpus;
}

/**
 * Node n's F for a free-standing description (tests, reports): CPU left, the devices' thousandths left and
 * the node's model bit under a target workload — the same arithmetic as GpuCluster.fragAfter.
 */
export function nodeFragAmount(cpuLeft: number, gpuLeft: readonly number[], modelBit: number, w: TargetWorkload): number {
  let gl = 0;
  for (const g of gpuLeft) gl += g;
  let f = 0;
  for (let t = 0; t < w.count; t++) {
    const mt = w.gpuMilli[t]!;
    let frag = gl;
    if (mt !== 0 && (w.modelMask[t]! & modelBit) !== 0) {
      let fit = 0;
      let small = 0;
      for (const g of gpuLeft) {
        if (g >= mt) fit++;
        else small += g;
      }
      if (fit >= w.gpus[t]! && cpuLeft >= w.cpu[t]!) frag = small;
    }
    f += w.p[t]! * frag;
  }
  return f;
}
