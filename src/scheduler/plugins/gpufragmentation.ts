// The placement policies of the ATC'23 FGD experiment as score plugins (reference:
// shared/reference/fgd-experiment.md §4, §5): RandomScore, DotProd, GpuClustering, GpuPacking, BestFit and FGD.
// Each reuses the policy of src/gpufrag/policies.ts unchanged: the node loop copies the snapshot row into a
// one-node GpuCluster kept by the plugin (no allocation), recomputes its derived columns (O(devices × typical
// pods)) and calls the policy's score on it, so the arithmetic is the experiment engine's.
//
// Phases:
// - PreFilter: reads the pod's ask once (and Skips nothing: CPU-only pods are scored too), and leaves the
//   policy's device choice for a GPU-sharing pod in the CycleState under SHARE_DEVICE_CHOOSER_KEY, where
//   GpuDevices' Reserve finds it; the device ends up in the drydock.io/gpu-devices binding annotation. Enable
//   the plugin with multiPoint (or at preFilter too) for that; enabled at score only, it scores but GpuDevices
//   keeps its own device rule.
// - PreScore: the same ask if PreFilter did not run; RandomScore draws its node here (§5.1).
// - Score: the policy's integer score in [0, 100], clamped for nodes beyond the simulator's MaxSpecCpu
//   (128 cores) or MaxSpecGpu (8 GPUs), where DotProd and BestFit can leave [0, 100].
// - NormalizeScore: BestFit only, the simulator's min–max over the feasible nodes (§5.5).
//
// Ties: kube-scheduler (and drydock) break equal totals at random; the experiment gives them to the node of
// lowest rank (§4). A node with more than MAX_GPUS (8) GPUs, which the engine does not model, scores 0.
// The pod's GPU model is not part of the scores (NodeAffinity filters on drydock.io/gpu-model). FGD's typical
// pods are matched to nodes by that label: a typical pod with gpuModels counts a node whose label is not among
// them (or that has no label) as "model not allowed" (§5.6 NA), one without gpuModels allows every node.
//
// Bounds invariant: rows are snapshot rows (< snapshot.rows); the plugin's GpuCluster has one node (index 0)
// and a device index d < gpuCount[0] ≤ MAX_GPUS.
import type { Json } from '../../apiserver/strategy.js';
import { ANY_MODEL, GPU_MILLI, GpuCluster, MAX_GPUS, affinityTag, fits, isSharing, targetWorkload, type PodRequest, type TargetWorkload } from '../../gpufrag/cluster.js';
import { typicalPods } from '../../gpufrag/experiment.js';
import { bestFitPolicy, dotProdPolicy, fgdPolicy, gpuClusteringPolicy, gpuPackingPolicy, randomPolicy, type GpuFragPolicy } from '../../gpufrag/policies.js';
import { readTracePods } from '../../gpufrag/trace.js';
import { seededRng } from '../../util/rng.js';
import {
  ConfigError,
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  SUCCESS,
  type CycleState,
  type PluginFactory,
  type PluginHandle,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import type { PodInfo } from '../podinfo.js';
import { MAX_GPUS_PER_NODE, type Snapshot } from '../snapshot.js';
import { SHARE_DEVICE_CHOOSER_KEY, type ShareDeviceChooser } from './gpudevices.js';

export const RANDOM_SCORE = 'RandomScore';
export const DOT_PROD = 'DotProd';
export const GPU_CLUSTERING = 'GpuClustering';
export const GPU_PACKING = 'GpuPacking';
export const BEST_FIT = 'BestFit';
export const FGD = 'FGD';

/** The pod as the engine's policies read it: whole GPUs k × 1000, a share 1 × m, CPU-only 0 × 0. */
export function toPodRequest(pod: PodInfo, out: PodRequest): PodRequest {
  out.cpu = pod.cpu;
  out.memory = 0; // no policy scores memory; NodeResourcesFit filters it
  out.modelMask = ANY_MODEL;
  if (pod.gpus > 0) {
    out.gpus = pod.gpus;
    out.gpuMilli = GPU_MILLI;
  } else if (pod.gpuMilli > 0) {
    out.gpus = 1;
    out.gpuMilli = Math.min(GPU_MILLI, pod.gpuMilli);
  } else {
    out.gpus = 0;
    out.gpuMilli = 0;
  }
  return out;
}

/** FGD's target workload plus the GPU models its masks are over (bit i = models[i]; other models: bit models.length). */
export interface FgdTarget {
  readonly models: readonly string[];
  readonly workload: TargetWorkload;
}

/** Per-cycle state: the pod's request, read once; it also answers GpuDevices' Reserve for a sharing pod. */
class PolicyState implements ShareDeviceChooser {
  /** RandomScore's node (a snapshot row), drawn in PreScore; -1 before. */
  randomRow = -1;
  constructor(
    private readonly plugin: GpuFragmentation,
    readonly request: PodRequest,
  ) {}
  shareDevice(snapshot: Snapshot, row: number, _milli: number): number {
    return this.plugin.shareDeviceOn(snapshot, row, this.request);
  }
  clone(): PolicyState {
    return this;
  }
}

export class GpuFragmentation implements PreFilterPlugin, PreScorePlugin, ScorePlugin {
  private readonly stateKey: string;
  /** The one-node cluster the node loop copies each snapshot row into. */
  private readonly scratch: GpuCluster;
  private readonly modelBits = new Map<string, number>();
  private readonly otherModelBit: number;
  /** Scratch request for reading the affinity tags of the pods on a node. */
  private readonly other: PodRequest = { cpu: 0, memory: 0, gpus: 0, gpuMilli: 0, modelMask: ANY_MODEL };

  constructor(
    readonly name: string,
    readonly policy: GpuFragPolicy,
    target: FgdTarget | null = null,
  ) {
    this.stateKey = 'PreFilter' + name;
    this.scratch = new GpuCluster([{ cpu: 0, memory: 0, gpus: 0, model: -1 }], target?.workload ?? null);
    const models = target?.models ?? [];
    models.forEach((m, i) => this.modelBits.set(m, 1 << i));
    this.otherModelBit = 1 << models.length;
  }

  private newState(state: CycleState, pod: PodInfo): PolicyState {
    const s = new PolicyState(this, toPodRequest(pod, { cpu: 0, memory: 0, gpus: 0, gpuMilli: 0, modelMask: ANY_MODEL }));
    state.write(this.stateKey, s);
    if (isSharing(s.request)) state.write(SHARE_DEVICE_CHOOSER_KEY, s);
    return s;
  }

  preFilter(state: CycleState, pod: PodInfo, _snapshot: Snapshot): { status: Status; result?: PreFilterResult } {
    this.newState(state, pod);
    return { status: SUCCESS };
  }

  preScore(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, _snapshot: Snapshot): Status {
    const s = state.read<PolicyState>(this.stateKey) ?? this.newState(state, pod);
    if (this.policy.selectNode !== undefined && count > 0) s.randomRow = this.policy.selectNode(nodes, count);
    return SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    const s = state.read<PolicyState>(this.stateKey) ?? this.newState(state, pod);
    // §5.1: the drawn node 100, every other 0.
    if (this.policy.selectNode !== undefined) return node === s.randomRow ? MAX_NODE_SCORE : MIN_NODE_SCORE;
    if (!this.load(snapshot, node) || !fits(this.scratch, 0, s.request)) return MIN_NODE_SCORE;
    const raw = this.policy.score(this.scratch, 0, s.request);
    return raw < MIN_NODE_SCORE ? MIN_NODE_SCORE : raw > MAX_NODE_SCORE ? MAX_NODE_SCORE : raw;
  }

  /** BestFit's NormalizeScore (plugin_utils.go): (s − min)·100/(max − min), integer division; all 0 if equal. */
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, _nodes: Int32Array, count: number, _snapshot: Snapshot): void {
    if (this.policy !== bestFitPolicy || count === 0) return;
    let min = scores[0]!;
    let max = min;
    for (let i = 1; i < count; i++) {
      const v = scores[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < count; i++) scores[i] = max === min ? 0 : Math.trunc(((scores[i]! - min) * MAX_NODE_SCORE) / (max - min));
  }

  /** The policy's device on `row` for a sharing pod, or -1 (the engine cannot model the node, or no device fits). */
  shareDeviceOn(snapshot: Snapshot, row: number, request: PodRequest): number {
    if (!isSharing(request) || !this.load(snapshot, row) || !fits(this.scratch, 0, request)) return -1;
    return this.policy.shareDevice(this.scratch, 0, request);
  }

  /**
   * Copies snapshot row `row` into the scratch cluster's node 0: CPU, devices' thousandths left, GPU model bit
   * and (for GpuClustering) the affinity tags of the GPU pods on the node. False for a node with more GPUs than
   * the engine models. Allocation-free.
   */
  private load(snapshot: Snapshot, row: number): boolean {
    const c = this.scratch;
    const g = snapshot.gpuCount[row]!;
    if (g > MAX_GPUS) return false;
    c.cpuCapacity[0] = snapshot.allocCpu[row]!;
    c.cpuLeft[0] = snapshot.allocCpu[row]! - snapshot.reqCpu[row]!;
    c.memoryLeft[0] = 0;
    c.gpuCount[0] = g;
    const used = snapshot.gpuUsedMilli;
    const base = row * MAX_GPUS_PER_NODE;
    for (let d = 0; d < g; d++) c.gpuLeft[d] = Math.max(0, GPU_MILLI - used[base + d]!);
    c.modelBit[0] = g > 0 ? (this.modelBits.get(snapshot.gpuModel[row]!) ?? this.otherModelBit) : 0;
    let tags = 0;
    if (this.policy === gpuClusteringPolicy) {
      const pods = snapshot.pods[row]!;
      for (let i = 0; i < pods.length; i++) tags |= affinityTag(toPodRequest(pods[i]!, this.other));
    }
    c.affinity[0] = tags;
    c.refresh(0);
    return true;
  }
}

// ---- args ---------------------------------------------------------------------------------------------------

const FGD_ARGS = ['typicalPods', 'podList', 'threshold'];
const TYPICAL_POD_FIELDS = ['cpuMilli', 'gpuMilli', 'gpus', 'gpuModels', 'weight'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wholeNumberIn(v: unknown, path: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`${path}: must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  return v;
}

/** `typicalPods: [{cpuMilli, gpuMilli, gpus, gpuModels?, weight}]`: weights re-normalised to sum to 1. */
function parseTypicalPods(raw: unknown): FgdTarget {
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError(`typicalPods: must be a non-empty list of {cpuMilli, gpuMilli, gpus, weight}, got ${JSON.stringify(raw)}`);
  const entries = raw.map((e: unknown, i) => {
    const path = `typicalPods[${i}]`;
    if (!isObject(e)) throw new ConfigError(`${path}: must be a mapping {cpuMilli, gpuMilli, gpus, weight}, got ${JSON.stringify(e)}`);
    for (const key of Object.keys(e)) if (!TYPICAL_POD_FIELDS.includes(key)) throw new ConfigError(`${path}.${key}: unknown field (a typical pod has ${TYPICAL_POD_FIELDS.join(', ')})`);
    const cpu = wholeNumberIn(e['cpuMilli'] ?? 0, `${path}.cpuMilli`, 0, 2 ** 31 - 1);
    const gpuMilli = wholeNumberIn(e['gpuMilli'] ?? 0, `${path}.gpuMilli`, 0, GPU_MILLI);
    const gpus = wholeNumberIn(e['gpus'] ?? (gpuMilli > 0 ? 1 : 0), `${path}.gpus`, 0, MAX_GPUS);
    if ((gpus === 0) !== (gpuMilli === 0)) throw new ConfigError(`${path}: gpus and gpuMilli must both be 0 (a CPU-only pod) or both positive, got gpus ${gpus} and gpuMilli ${gpuMilli}`);
    if (gpus > 1 && gpuMilli !== GPU_MILLI) throw new ConfigError(`${path}.gpuMilli: a ${gpus}-GPU pod takes whole GPUs (1000), got ${gpuMilli}`);
    const weight = e['weight'];
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) throw new ConfigError(`${path}.weight: must be a positive number, got ${JSON.stringify(weight)}`);
    const models = e['gpuModels'] ?? [];
    if (!Array.isArray(models) || models.some((m) => typeof m !== 'string' || m === '')) throw new ConfigError(`${path}.gpuModels: must be a list of GPU model names (drydock.io/gpu-model values), got ${JSON.stringify(models)}`);
    return { cpu, gpuMilli, gpus, weight, models: models as string[] };
  });
  const models = [...new Set(entries.flatMap((e) => e.models))].sort();
  if (models.length > 30) throw new ConfigError(`typicalPods: ${models.length} GPU models named (at most 30)`);
  let total = 0;
  for (const e of entries) total += e.weight;
  const workload = targetWorkload(
    entries.map((e) => ({
      cpu: e.cpu,
      gpuMilli: e.gpuMilli,
      gpus: e.gpus,
      modelMask: e.models.length === 0 ? ANY_MODEL : e.models.reduce((mask, m) => mask | (1 << models.indexOf(m)), 0),
      p: e.weight / total,
    })),
  );
  return { models, workload };
}

/**
 * `podList: FILE` (an openb pod list; a relative path is taken from the current directory): GetTypicalPods over
 * its pods, as `drydock gpu-frag` computes it, with the gpu_spec model names as the models.
 */
function parsePodList(raw: unknown, threshold: number): FgdTarget {
  if (typeof raw !== 'string' || raw === '') throw new ConfigError(`podList: must be the path of a pod list CSV, got ${JSON.stringify(raw)}`);
  let pods;
  try {
    pods = readTracePods(raw);
  } catch (err) {
    throw new ConfigError(`podList: ${(err as Error).message}`);
  }
  const models = [...new Set(pods.flatMap((p) => (p.gpuSpec === '' ? [] : p.gpuSpec.split('|').map((m) => m.trim()))))].filter((m) => m !== '').sort();
  if (models.length > 30) throw new ConfigError(`podList: ${raw}: ${models.length} GPU models in gpu_spec (at most 30)`);
  return { models, workload: typicalPods(pods, models, threshold) };
}

/** FGD's args: exactly one of `typicalPods` or `podList` (with an optional `threshold`, default 0.95). */
export function parseFgdArgs(args: Json | undefined): FgdTarget {
  if (!isObject(args)) throw new ConfigError(`args: FGD needs its target workload: args {typicalPods: [{cpuMilli, gpuMilli, gpus, weight}, ...]} or {podList: FILE}, got ${JSON.stringify(args ?? null)}`);
  for (const key of Object.keys(args)) {
    if (!FGD_ARGS.includes(key) && key !== 'apiVersion' && key !== 'kind') throw new ConfigError(`${key}: unknown field (FGD args have ${FGD_ARGS.join(', ')})`);
  }
  const hasList = args['typicalPods'] !== undefined;
  const hasFile = args['podList'] !== undefined;
  if (hasList === hasFile) throw new ConfigError('args: give exactly one of typicalPods and podList');
  const threshold = args['threshold'] ?? 0.95;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) throw new ConfigError(`threshold: must be a number in (0, 1], got ${JSON.stringify(threshold)}`);
  if (hasList && args['threshold'] !== undefined) throw new ConfigError('threshold: applies to podList only');
  return hasList ? parseTypicalPods(args['typicalPods']) : parsePodList(args['podList'], threshold);
}

function noArgs(name: string, handle: PluginHandle): void {
  const args = handle.args;
  if (args === undefined || args === null) return;
  if (!isObject(args)) throw new ConfigError(`args: must be an object, got ${JSON.stringify(args)} (${name} takes no args)`);
  for (const key of Object.keys(args)) if (key !== 'apiVersion' && key !== 'kind') throw new ConfigError(`${key}: unknown field (${name} takes no args)`);
}

const fixed =
  (name: string, policy: GpuFragPolicy): PluginFactory =>
  (handle) => {
    noArgs(name, handle);
    return new GpuFragmentation(name, policy);
  };

/** RandomScore draws from the framework's seeded generator (the one selectHost uses). */
export const newRandomScore: PluginFactory = (handle) => {
  noArgs(RANDOM_SCORE, handle);
  return new GpuFragmentation(RANDOM_SCORE, randomPolicy(handle.rng ?? seededRng(0)));
};
export const newDotProd = fixed(DOT_PROD, dotProdPolicy);
export const newGpuClustering = fixed(GPU_CLUSTERING, gpuClusteringPolicy);
export const newGpuPacking = fixed(GPU_PACKING, gpuPackingPolicy);
export const newBestFit = fixed(BEST_FIT, bestFitPolicy);
export const newFgd: PluginFactory = (handle) => new GpuFragmentation(FGD, fgdPolicy, parseFgdArgs(handle.args));

/** Args the registry builds a sample FGD with (to read its extension points): one CPU-only typical pod. */
export const FGD_SAMPLE_ARGS: Json = { typicalPods: [{ cpuMilli: 0, gpuMilli: 0, gpus: 0, weight: 1 }] };

const _check = GpuFragmentation satisfies new (name: string, policy: GpuFragPolicy) => PreFilterPlugin & PreScorePlugin & ScorePlugin;
void _check;
