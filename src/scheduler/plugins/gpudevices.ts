// GpuDevices: drydock's per-device GPU feasibility, scoring and device assignment. No kube-scheduler
// plugin does this; the model follows the open-gpu-share plugin of the FGD simulator
// (hkust-adsl/kubernetes-scheduler-simulator pkg/simulator/plugin/open_gpu_share.go, summarised in
// shared/reference/fgd-experiment.md §3.2–3.4).
//
// A node has `gpuCount[row]` GPUs (allocatable nvidia.com/gpu, at most MAX_GPUS_PER_NODE). Each device's
// use is kept in thousandths in `gpuUsedMilli[row * MAX_GPUS_PER_NODE + d]`; a whole-GPU pod uses 1000 on
// each of its devices, a sharing pod its drydock.io/gpu-milli on one device. A pod asks either for k whole
// GPUs (nvidia.com/gpu: k) or for a share of one GPU (drydock.io/gpu-milli: 1..1000), never both.
//
// NodeResourcesFit already counts nvidia.com/gpu as an extended resource; this plugin adds what a count
// cannot see: whole GPUs must be idle devices (0 used), and a share must fit on one device (a node with
// two devices at 500 used has 1000 free in total but no room for a 600 share).
//
// Phases:
// - PreFilter: Skip when the pod asks for no GPU; UnschedulableAndUnresolvable for an invalid ask.
// - Filter: k devices with 0 used, or one device with at least gpuMilli free.
// - PreScore / Score (args.scoring, default 'packing'; 'none' skips scoring):
//     packing, k whole GPUs:  ⌊100·(busy + k) / G⌋   busy = devices with any use, G = the node's GPUs
//     packing, a share m:     ⌊(used_d + m) / 10⌋     d = the best-fit device (see Reserve)
//     spread,  k whole GPUs:  ⌊100·(idle − k) / G⌋   idle = devices with 0 used
//     spread,  a share m:     ⌊(free_d − m) / 10⌋    d = the device with the most free milli
//   i.e. packing scores how full the pod leaves what it lands on (the node's GPUs for whole GPUs, its
//   device for a share; an exact fit on a partly used device is 100), spread how empty.
// - Reserve: chooses the devices — whole GPUs: the k lowest-indexed idle devices (AllocateExclusiveGpuId);
//   a share: the best-fit device, the one with the least free milli that still fits, ties to the lowest
//   index (allocateGpuIdBasedOnBestFit), or with scoring 'spread' the one with the most free milli, ties to
//   the lowest index, so the device matches the score. A placement-policy plugin (gpufragmentation.ts: FGD
//   and the other policies of the FGD experiment) may instead leave a ShareDeviceChooser in the CycleState
//   under SHARE_DEVICE_CHOOSER_KEY; a device it names that fits is taken for a share. The choice is kept in
//   the CycleState under CHOSEN_DEVICES_KEY: the scheduler assumes the pod with `chosenDevices(state)` (NodeCache.addPod(info,
//   devices)), and Reserve also asks DefaultBinder for the binding annotation drydock.io/gpu-devices
//   ("3", "0,1") through addBindingAnnotation. Unreserve forgets both.
//
// The GPU model (label drydock.io/gpu-model) is not this plugin's business: a pod that needs a model says
// so with a nodeSelector or node affinity on that label, which NodeAffinity checks.
import {
  ActionType,
  Code,
  ConfigError,
  SKIP,
  SUCCESS,
  reason,
  status,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import { GPU_DEVICES_ANNOTATION, GPU_MILLI_RESOURCE, GPU_RESOURCE, type PodInfo } from '../podinfo.js';
import { MAX_GPUS_PER_NODE, type Snapshot } from '../snapshot.js';
import { BINDING_ANNOTATIONS_KEY, addBindingAnnotation } from './defaultbinder.js';

export { GPU_DEVICES_ANNOTATION };

export const NAME = 'GpuDevices';

/** A whole device, in milli-GPU. */
export const GPU_MILLI_PER_DEVICE = 1000;

export const ERR_BOTH_GPU_ASKS = `pod requests both ${GPU_RESOURCE} and ${GPU_MILLI_RESOURCE}`;

/** Filter reasons. Too few devices in all is final (preemption cannot add GPUs); busy devices are not. */
export const REASON_TOO_FEW_GPUS = reason('node(s) had fewer GPUs than the pod requests', Code.UnschedulableAndUnresolvable);
export const REASON_INSUFFICIENT_GPUS = reason('Insufficient free GPUs', Code.Unschedulable);
export const REASON_INSUFFICIENT_GPU_SHARE = reason('Insufficient GPU share: no single GPU has enough free', Code.Unschedulable);

export type GpuScoring = 'packing' | 'spread' | 'none';
const SCORINGS: readonly GpuScoring[] = ['packing', 'spread', 'none'];

export interface GpuDevicesArgs {
  readonly scoring: GpuScoring;
}

export const DEFAULT_GPU_DEVICES_ARGS: GpuDevicesArgs = Object.freeze({ scoring: 'packing' });

const PRE_FILTER_KEY = 'PreFilter' + NAME;
/** CycleState key of the devices Reserve chose (read it with chosenDevices). */
export const CHOSEN_DEVICES_KEY = NAME + '/devices';

/** The pod's GPU ask, read once per cycle, and the snapshot the cycle filters against. */
class PreFilterState {
  constructor(
    /** Whole GPUs (0 for a share). */
    readonly gpus: number,
    /** The share of one GPU in milli (0 for whole GPUs). */
    readonly milli: number,
    /** The cycle's snapshot: Reserve gets only a node name and needs the row's devices. */
    readonly snapshot: Snapshot,
  ) {}
  /** Immutable: preemption's dry runs may share it. */
  clone(): PreFilterState {
    return this;
  }
}

/**
 * Another plugin's choice of device for a GPU share (a placement policy such as FGD picks the device with its
 * score). Written to the CycleState under SHARE_DEVICE_CHOOSER_KEY before Reserve; returns the device of
 * `row` for a share of `milli`, or -1 to leave the choice to GpuDevices.
 */
export interface ShareDeviceChooser {
  shareDevice(snapshot: Snapshot, row: number, milli: number): number;
}

export const SHARE_DEVICE_CHOOSER_KEY = NAME + '/shareDeviceChooser';

/** The devices Reserve chose for the pod on its node, or undefined (no GPU ask, or not reserved). */
export function chosenDevices(state: CycleState): readonly number[] | undefined {
  return state.read<readonly number[]>(CHOSEN_DEVICES_KEY);
}

/** The value of the drydock.io/gpu-devices annotation for these devices: "3", "0,1". */
export function gpuDevicesAnnotationValue(devices: readonly number[]): string {
  return devices.join(',');
}

/** Why the ask is invalid, or undefined. gpus and milli are integers (quantities are rounded up). */
function invalidAsk(gpus: number, milli: number): string | undefined {
  if (gpus > 0 && milli !== 0) return ERR_BOTH_GPU_ASKS;
  if (gpus < 0) return `${GPU_RESOURCE} must not be negative, got ${gpus}`;
  if (milli !== 0 && (milli < 1 || milli > GPU_MILLI_PER_DEVICE)) {
    return `${GPU_MILLI_RESOURCE} must be from 1 to ${GPU_MILLI_PER_DEVICE}, got ${milli}`;
  }
  return undefined;
}

export class GpuDevices implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, ReservePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly spreadDevices: boolean;

  constructor(readonly args: GpuDevicesArgs) {
    this.spreadDevices = args.scoring === 'spread';
  }

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): { status: Status; result?: PreFilterResult } {
    if (pod.gpus === 0 && pod.gpuMilli === 0) return { status: SKIP };
    const invalid = invalidAsk(pod.gpus, pod.gpuMilli);
    if (invalid !== undefined) return { status: status(Code.UnschedulableAndUnresolvable, invalid) };
    state.write(PRE_FILTER_KEY, new PreFilterState(pod.gpus, pod.gpuMilli, snapshot));
    return { status: SUCCESS };
  }

  filter(state: CycleState, _pod: PodInfo, node: number, snapshot: Snapshot): number {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return 0; // PreFilter skipped: the pod asks for no GPU
    const count = snapshot.gpuCount[node]!;
    const used = snapshot.gpuUsedMilli;
    const base = node * MAX_GPUS_PER_NODE;
    if (s.gpus > 0) {
      if (count < s.gpus) return REASON_TOO_FEW_GPUS;
      let idle = 0;
      for (let d = 0; d < count; d++) if (used[base + d] === 0) idle++;
      return idle >= s.gpus ? 0 : REASON_INSUFFICIENT_GPUS;
    }
    if (count === 0) return REASON_TOO_FEW_GPUS;
    const most = GPU_MILLI_PER_DEVICE - s.milli; // a device fits when used <= 1000 - milli
    for (let d = 0; d < count; d++) if (used[base + d]! <= most) return 0;
    return REASON_INSUFFICIENT_GPU_SHARE;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, snapshot: Snapshot): Status {
    if (this.args.scoring === 'none') return SKIP;
    if (state.read<PreFilterState>(PRE_FILTER_KEY) !== undefined) return SUCCESS;
    // Scoring without this plugin's PreFilter (a score-only profile): read the ask here.
    if ((pod.gpus === 0 && pod.gpuMilli === 0) || invalidAsk(pod.gpus, pod.gpuMilli) !== undefined) return SKIP;
    state.write(PRE_FILTER_KEY, new PreFilterState(pod.gpus, pod.gpuMilli, snapshot));
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: number, snapshot: Snapshot): number {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return 0;
    const count = snapshot.gpuCount[node]!;
    if (count === 0) return 0;
    const used = snapshot.gpuUsedMilli;
    const base = node * MAX_GPUS_PER_NODE;
    const spread = this.spreadDevices;
    if (s.gpus > 0) {
      let idle = 0;
      for (let d = 0; d < count; d++) if (used[base + d] === 0) idle++;
      if (idle < s.gpus) return 0; // infeasible (Filter off): lowest score
      // packing: (count - idle) busy devices + the pod's k; spread: the idle devices left.
      return spread ? Math.trunc((100 * (idle - s.gpus)) / count) : Math.trunc((100 * (count - idle + s.gpus)) / count);
    }
    const d = pickShareDevice(used, base, count, s.milli, spread);
    if (d < 0) return 0;
    const u = used[base + d]!;
    return spread ? Math.trunc((GPU_MILLI_PER_DEVICE - u - s.milli) / 10) : Math.trunc((u + s.milli) / 10);
  }

  reserve(state: CycleState, _pod: PodInfo, nodeName: string): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return SUCCESS; // no GPU ask: nothing to assign
    const row = s.snapshot.rowOf(nodeName);
    if (row < 0) return status(Code.Error, `${NAME}: node ${JSON.stringify(nodeName)} is not in the scheduling snapshot`);
    const devices = s.gpus > 0 ? pickIdleDevices(s.snapshot, row, s.gpus) : (chosenShare(state, s.snapshot, row, s.milli) ?? pickShare(s.snapshot, row, s.milli, this.spreadDevices));
    if (devices === undefined) {
      const ask = s.gpus > 0 ? `${s.gpus} free GPUs` : `a GPU with ${s.milli} free milli-GPU`;
      return status(Code.Unschedulable, `${NAME}: node ${JSON.stringify(nodeName)} has no ${ask}`);
    }
    state.write(CHOSEN_DEVICES_KEY, devices);
    addBindingAnnotation(state, GPU_DEVICES_ANNOTATION, gpuDevicesAnnotationValue(devices));
    return SUCCESS;
  }

  unreserve(state: CycleState, _pod: PodInfo, _nodeName: string): void {
    state.write(CHOSEN_DEVICES_KEY, undefined);
    const annotations = state.read<Record<string, string>>(BINDING_ANNOTATIONS_KEY);
    if (annotations === undefined || !(GPU_DEVICES_ANNOTATION in annotations)) return;
    const rest: Record<string, string> = {};
    for (const [k, v] of Object.entries(annotations)) if (k !== GPU_DEVICES_ANNOTATION) rest[k] = v;
    state.write(BINDING_ANNOTATIONS_KEY, rest);
  }

  /** Rejected pods may fit once a node with GPUs arrives or grows, or a pod holding devices goes. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeAllocatable } },
      { event: { resource: 'AssignedPod', actions: ActionType.Delete } },
    ];
  }
}

/**
 * The device for a share of `milli` on one node: best fit (least free that still fits) or, for spread,
 * most free; ties to the lowest index. -1 if none fits. Allocation-free (called from Score).
 */
function pickShareDevice(used: Int32Array, base: number, count: number, milli: number, spread: boolean): number {
  const most = GPU_MILLI_PER_DEVICE - milli;
  let best = -1;
  let bestUsed = 0;
  for (let d = 0; d < count; d++) {
    const u = used[base + d]!;
    if (u > most) continue;
    // Best fit = the most used device that fits; strict comparisons keep the lowest index on ties.
    if (best < 0 || (spread ? u < bestUsed : u > bestUsed)) {
      best = d;
      bestUsed = u;
    }
  }
  return best;
}

/** The ShareDeviceChooser's device, if one is in the CycleState and the device it names has room. */
function chosenShare(state: CycleState, snapshot: Snapshot, row: number, milli: number): number[] | undefined {
  const chooser = state.read<ShareDeviceChooser>(SHARE_DEVICE_CHOOSER_KEY);
  if (chooser === undefined) return undefined;
  const d = chooser.shareDevice(snapshot, row, milli);
  if (d < 0 || d >= snapshot.gpuCount[row]! || snapshot.gpuUsedMilli[row * MAX_GPUS_PER_NODE + d]! > GPU_MILLI_PER_DEVICE - milli) return undefined;
  return [d];
}

function pickShare(snapshot: Snapshot, row: number, milli: number, spread: boolean): number[] | undefined {
  const d = pickShareDevice(snapshot.gpuUsedMilli, row * MAX_GPUS_PER_NODE, snapshot.gpuCount[row]!, milli, spread);
  return d < 0 ? undefined : [d];
}

/** The `k` lowest-indexed idle devices of the row, or undefined if it has fewer. */
function pickIdleDevices(snapshot: Snapshot, row: number, k: number): number[] | undefined {
  const count = snapshot.gpuCount[row]!;
  const used = snapshot.gpuUsedMilli;
  const base = row * MAX_GPUS_PER_NODE;
  const devices: number[] = [];
  for (let d = 0; d < count && devices.length < k; d++) if (used[base + d] === 0) devices.push(d);
  return devices.length === k ? devices : undefined;
}

function parseArgs(raw: unknown): GpuDevicesArgs {
  if (raw === undefined || raw === null) return DEFAULT_GPU_DEVICES_ARGS;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`args: must be an object, got ${JSON.stringify(raw)}`);
  const obj = raw as Record<string, unknown>;
  // apiVersion/kind: the config loader may pass the typed args' TypeMeta through (it checks them).
  for (const key of Object.keys(obj)) {
    if (key !== 'scoring' && key !== 'apiVersion' && key !== 'kind') throw new ConfigError(`${key}: unknown field (${NAME} args have only "scoring")`);
  }
  const scoring = obj['scoring'] ?? DEFAULT_GPU_DEVICES_ARGS.scoring;
  if (typeof scoring !== 'string' || !(SCORINGS as readonly string[]).includes(scoring)) {
    throw new ConfigError(`scoring: must be one of ${SCORINGS.map((s) => JSON.stringify(s)).join(', ')}, got ${JSON.stringify(scoring)}`);
  }
  return { scoring: scoring as GpuScoring };
}

export const newGpuDevices: PluginFactory = (handle) => new GpuDevices(parseArgs(handle.args));

const _check = GpuDevices satisfies new (args: GpuDevicesArgs) => PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & ReservePlugin & EnqueueExtensions;
void _check;
