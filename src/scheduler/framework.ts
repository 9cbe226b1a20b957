// The scheduling framework's contract: extension points as small interfaces (kube-scheduler's
// staging/src/k8s.io/kube-scheduler/framework/interface.go), status codes, per-cycle state, and the
// reasons a filter gives. A plugin opts into a phase by implementing its method.
//
// Hot-path rules: Filter and Score are called once per node and must not allocate or format strings.
// A filter answers with a reason id (0 = fits); reasons are registered once, at start-up, and turned into
// text only for explain output and events. Per-pod work belongs in PreFilter / PreScore, stored in the
// CycleState under the plugin's own key.
import type { Json } from '../apiserver/strategy.js';
import type { PodInfo } from './podinfo.js';
import type { Snapshot } from './snapshot.js';
import type { Rng } from '../util/rng.js';

/** Status codes (framework/interface.go Code). */
export const Code = {
  Success: 0,
  Error: 1,
  Unschedulable: 2,
  UnschedulableAndUnresolvable: 3,
  Wait: 4,
  Skip: 5,
  Pending: 6,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export const codeNames: Record<Code, string> = {
  0: 'Success',
  1: 'Error',
  2: 'Unschedulable',
  3: 'UnschedulableAndUnresolvable',
  4: 'Wait',
  5: 'Skip',
  6: 'Pending',
};

/** A status for the once-per-cycle phases (PreFilter, PreScore, Reserve, Permit, Bind ...). */
export interface Status {
  readonly code: Code;
  /** Kubernetes' words, e.g. "node(s) didn't match pod topology spread constraints". */
  readonly reasons: readonly string[];
  /** The plugin that returned it (filled by the framework). */
  plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: Code.Success, reasons: [] });
export const SKIP: Status = Object.freeze({ code: Code.Skip, reasons: [] });

export function status(code: Code, ...reasons: string[]): Status {
  return { code, reasons };
}

export function isSuccess(s: Status | undefined): boolean {
  return s === undefined || s.code === Code.Success;
}

/** MaxNodeScore / MinNodeScore (interface.go). */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

// ---- reasons --------------------------------------------------------------------------------------------

/**
 * Why a node failed a filter: a constant registered once. Filters return its id, so the node loop never
 * builds a string. Id 0 means "fits".
 */
export interface Reason {
  readonly id: number;
  readonly text: string;
  readonly code: Code;
}

const reasonTable: Reason[] = [{ id: 0, text: '', code: Code.Success }];
const reasonByKey = new Map<string, number>();

/** Registers (or finds) a reason; call at module load or plugin construction, never in the node loop. */
export function reason(text: string, code: Code = Code.Unschedulable): number {
  const key = `${code}\u0000${text}`;
  let id = reasonByKey.get(key);
  if (id === undefined) {
    id = reasonTable.length;
    reasonTable.push({ id, text, code });
    reasonByKey.set(key, id);
  }
  return id;
}

export function reasonOf(id: number): Reason {
  const r = reasonTable[id];
  if (r === undefined) throw new Error(`unknown filter reason id ${id}`);
  return r;
}

// ---- cycle state ----------------------------------------------------------------------------------------

/** Per-cycle data plugins share with themselves across phases (framework CycleState). */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Set while preemption tries "what if these pods were gone" on one node. */
  skipFilterPlugins: ReadonlySet<string> | undefined;

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  /** A copy for preemption's dry runs (plugins' states are cloned if they implement clone()). */
  clone(): CycleState {
    const c = new CycleState();
    c.skipFilterPlugins = this.skipFilterPlugins;
    for (const [k, v] of this.data) {
      const cloneable = v as { clone?: () => unknown } | undefined;
      c.data.set(k, typeof cloneable?.clone === 'function' ? cloneable.clone() : v);
    }
    return c;
  }
}

// ---- plugins --------------------------------------------------------------------------------------------

export interface Plugin {
  readonly name: string;
}

export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: PodInfo): Status;
}

/** PreFilterResult.NodeNames: only these nodes need filtering (others are UnschedulableAndUnresolvable). */
export interface PreFilterResult {
  readonly nodeNames?: ReadonlySet<string>;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): { status: Status; result?: PreFilterResult };
  /** Incremental updates for preemption's dry runs: a pod added to / removed from `node`. */
  addPod?(state: CycleState, pod: PodInfo, added: PodInfo, node: number, snapshot: Snapshot): void;
  removePod?(state: CycleState, pod: PodInfo, removed: PodInfo, node: number, snapshot: Snapshot): void;
}

export interface FilterPlugin extends Plugin {
  /** 0 when the pod fits `node` (a snapshot row), else a reason id. No allocation here. */
  filter(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number;
  /**
   * Optional: filter() for rows[0..count) at once, the reason ids into out[0..count), returning how many
   * are not 0. Each must be exactly what filter() answers for that row; the framework prefers this when
   * present (read the cycle state once, one loop over the columns). A property test holds the two equal.
   * When it returns 0 (every row passes) `out` is not read, so a plugin that knows it need not write it.
   */
  filterNodes?(state: CycleState, pod: PodInfo, rows: Int32Array, count: number, snapshot: Snapshot, out: Int32Array): number;
}

/**
 * A filterNodes body: `filterOne` for each of rows[0..count), the reason ids into `out`; returns how many
 * are not 0. For plugins whose per-node check is a function of the cycle state read once before.
 */
export function filterEach(rows: Int32Array, count: number, out: Int32Array, filterOne: (row: number) => number): number {
  let rejected = 0;
  for (let i = 0; i < count; i++) {
    const id = filterOne(rows[i]!);
    out[i] = id;
    if (id !== 0) rejected++;
  }
  return rejected;
}

/** filterEach over the plugin's PreFilter state under `key`; without it (PreFilter skipped) every node passes. */
export function filterEachWithState<S>(state: CycleState, key: string, rows: Int32Array, count: number, out: Int32Array, filterOne: (s: S, row: number) => number): number {
  const s = state.read<S>(key);
  if (s === undefined) {
    out.fill(0, 0, count);
    return 0;
  }
  return filterEach(rows, count, out, (row) => filterOne(s, row));
}

/** The nodes that failed filtering, for PostFilter (preemption). */
export interface FilterFailures {
  /** Reason id per snapshot row; a cycle that found no feasible node has set it for every row it searched. */
  readonly reasonOfNode: Int32Array;
}

export interface PostFilterResult {
  readonly nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, failures: FilterFailures): { status: Status; result?: PostFilterResult };
}

export interface PreScorePlugin extends Plugin {
  /** `nodes` are the feasible snapshot rows. Skip skips this plugin's Score. */
  preScore(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot): Status;
}

export interface ScorePlugin extends Plugin {
  /** A raw score for `node`; no allocation here. */
  score(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number;
  /**
   * Optional: the raw scores of nodes[0..count) into out[0..count), each exactly what score() gives for
   * that node. Lets a plugin read its cycle state once and run one tight loop over the columns instead of
   * one call per node (the framework prefers it when present; a property test holds the two equal).
   */
  scoreNodes?(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot, out: Float64Array): void;
  /** Rescales raw scores in place to [0, 100] (ScoreExtensions.NormalizeScore). */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, nodes: Int32Array, count: number, snapshot: Snapshot): void;
  /**
   * Optional: when the plugin can tell cheaply that every node of nodes[0..count) ends with the same
   * final (normalised) score, that score; otherwise undefined. Adding one value to every total moves no
   * total past another and makes no new tie, so the framework then skips the plugin's Score and
   * NormalizeScore outside explain mode: the chosen node, and the RNG draws that break ties, are those of
   * the full computation. A property test holds it equal to scoreNodes + normalizeScore.
   */
  uniformScore?(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot): number | undefined;
  /**
   * Optional, for a plugin without NormalizeScore whose score of a node depends on nothing but the node's
   * row and some inputs of the pod: those inputs. Outside explain mode the framework keeps each row's
   * weighted score across pods (RowScoreMemo) and computes it again only for rows that changed since, or
   * when any such plugin's inputs differ from the last pod's. undefined: no memo for this pod.
   */
  rowScoreKey?(state: CycleState, pod: PodInfo, snapshot: Snapshot): RowScoreKey | undefined;
}

/** A pod's inputs to a row-pure score (ScorePlugin.rowScoreKey): equal inputs give equal scores on a row. */
export interface RowScoreKey {
  sameAs(other: RowScoreKey): boolean;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, nodeName: string): { status: Status; timeoutMs?: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip lets the next bind plugin handle the pod. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: PodInfo, nodeName: string): void;
}

// ---- queue --------------------------------------------------------------------------------------------

/** A pod in the scheduling queue (framework QueuedPodInfo). */
export interface QueuedPodInfo {
  pod: PodInfo;
  /** When the pod was added to the queue (ms, injected clock); PrioritySort's tie-breaker. */
  timestamp: number;
  /** Scheduling attempts so far (backoff doubles per attempt). */
  attempts: number;
  /** First time the pod was added (for metrics). */
  initialAttemptTimestamp: number;
  /** Plugins that rejected the pod in its last attempt: only their events move it back. */
  unschedulablePlugins: Set<string>;
}

// ---- cluster events (queueing) --------------------------------------------------------------------------

/** What changed in the cluster (framework ActionType bits), so unschedulable pods are retried only when it may help. */
export const ActionType = {
  Add: 1,
  Delete: 2,
  UpdateNodeAllocatable: 4,
  UpdateNodeLabel: 8,
  UpdateNodeTaint: 16,
  UpdateNodeCondition: 32,
  UpdatePodLabel: 64,
  UpdatePodScaleDown: 128,
  UpdatePodToleration: 256,
  UpdatePodSchedulingGatesEliminated: 512,
  /**
   * updatePodOther (framework/types.go): a pod update none of the specific extractors recognised, e.g. a
   * status-only change. It wakes only plugins that register the general Pod/Update event.
   */
  UpdatePodOther: 1024,
  Update: 4 | 8 | 16 | 32 | 64 | 128 | 256 | 512 | 1024,
  All: 2047,
} as const;

export type EventResource = 'Pod' | 'Node' | 'AssignedPod' | 'PodDisruptionBudget' | '*';

export interface ClusterEvent {
  readonly resource: EventResource;
  readonly actions: number;
}

/** QueueingHint: does this event make the pod worth another try? */
export type QueueingHint = 'Queue' | 'QueueSkip';

export interface ClusterEventWithHint {
  readonly event: ClusterEvent;
  readonly hint?: (pod: PodInfo, oldObj: Json | undefined, newObj: Json | undefined) => QueueingHint;
}

/** Plugins that can reject a pod say which events may make it schedulable (EnqueueExtensions). */
export interface EnqueueExtensions {
  eventsToRegister(): ClusterEventWithHint[];
}

/** Runs the profile's filters on one node, for PostFilter's what-if questions (preemption). */
export interface FilterRunner {
  /** 0 if every filter passes `node` in the snapshot as it is now, else the first failing reason id. */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number;
  /**
   * RunFilterPluginsWithNominatedPods: runFilterPlugins with the pods nominated to `node` at the pod's
   * priority or above counted on it (and, if there were any, once more without them).
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number;
  /** Tells the PreFilter extensions that `other` was added to / removed from `node` (dry runs). */
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: number, snapshot: Snapshot): void;
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: number, snapshot: Snapshot): void;
}

/** What a preemption or binder plugin needs from the cluster beyond the snapshot. */
export interface ClusterAccess {
  /** PodDisruptionBudgets (policy/v1) currently known. */
  podDisruptionBudgets(): readonly Json[];
  /** Pods nominated to a node (status.nominatedNodeName) that are not yet bound there. */
  nominatedPods(nodeName: string): readonly PodInfo[];
  /** The GPU devices an assigned pod holds. */
  devicesOf(podKey: string): readonly number[];
  /** Deletes a victim (graceful deletion with a DisruptionTarget condition). */
  evict(victim: PodInfo, preemptor: PodInfo): Promise<void>;
  /** Binds through the API server's pods/binding. */
  bind(pod: PodInfo, nodeName: string, annotations?: Record<string, string>): Promise<void>;
}

/** Everything a plugin factory receives. */
export interface PluginHandle {
  /** Parsed `args` of this plugin from the profile's pluginConfig (validated by the factory). */
  readonly args: Json | undefined;
  readonly profileName: string;
  /** Seeded randomness (preemption's random start offset). */
  readonly rng?: Rng;
  /** The framework's filters, for preemption (set once the profile is built). */
  readonly filterRunner?: () => FilterRunner;
  /** Cluster state and actions beyond the snapshot; absent when validating configuration. */
  readonly cluster?: ClusterAccess;
}

/** Builds a plugin from its args; throws ConfigError naming the field for bad args (at start-up). */
export type PluginFactory = (handle: PluginHandle) => Plugin;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
