// TaintToleration (plugins/tainttoleration/taint_toleration.go; reference §2.6, vectors §3.6):
// - Filter: the node's first NoSchedule/NoExecute taint the pod does not tolerate rejects the node,
//   UnschedulableAndUnresolvable, "node(s) had untolerated taint {key: value}".
// - PreScore keeps the pod's tolerations with an empty or PreferNoSchedule effect; Score counts the node's
//   PreferNoSchedule taints none of them tolerates; NormalizeScore = DefaultNormalizeScore(100, reverse).
//
// The reason text names the taint, so it is registered lazily on the failure path and cached per Taint
// object (the snapshot shares a node's taint objects until the node changes): a repeated failure costs one
// WeakMap lookup and builds no string.
import type { Json } from '../../apiserver/strategy.js';
import {
  countIntolerableTaintsPreferNoSchedule,
  findUntoleratedTaint,
  isDoNotScheduleTaint,
  type Node,
  type Pod,
  type Taint,
  type Toleration,
} from '../../api/index.js';
import {
  ActionType,
  Code,
  MAX_NODE_SCORE,
  SUCCESS,
  reason,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type PluginFactory,
  type PreScorePlugin,
  type QueueingHint,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import type { PodInfo } from '../podinfo.js';
import type { Snapshot } from '../snapshot.js';
import { defaultNormalizeScore, expectNoArgs } from './helper.js';

export const NAME = 'TaintToleration';
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

const reasonByTaint = new WeakMap<Taint, number>();

/** The reason id for an untolerated taint: `node(s) had untolerated taint {key: value}` (Filter's Sprintf). */
export function untoleratedTaintReason(taint: Taint): number {
  let id = reasonByTaint.get(taint);
  if (id === undefined) {
    id = reason(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`, Code.UnschedulableAndUnresolvable);
    reasonByTaint.set(taint, id);
  }
  return id;
}

interface PreScoreState {
  /** getAllTolerationPreferNoSchedule: tolerations whose effect is empty or PreferNoSchedule. */
  readonly tolerationsPreferNoSchedule: readonly Toleration[];
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;

  filter(_state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    const taints = snapshot.taints[node]!;
    if (taints.length === 0) return 0;
    const taint = findUntoleratedTaint(taints, pod.tolerations, isDoNotScheduleTaint);
    return taint === undefined ? 0 : untoleratedTaintReason(taint);
  }

  filterNodes(state: CycleState, pod: PodInfo, rows: Int32Array, count: number, snapshot: Snapshot, out: Int32Array): number {
    if (snapshot.taintedRows === 0) return 0; // no node has a taint
    const tainted = snapshot.tainted;
    let rejected = 0;
    for (let i = 0; i < count; i++) {
      const r = rows[i]!;
      const id = tainted[r] === 0 ? 0 : this.filter(state, pod, r, snapshot);
      out[i] = id;
      if (id !== 0) rejected++;
    }
    return rejected;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: Int32Array, _count: number, _snapshot: Snapshot): Status {
    const tolerationsPreferNoSchedule = pod.tolerations.filter((t) => (t.effect ?? '') === '' || t.effect === 'PreferNoSchedule');
    state.write(PRE_SCORE_STATE_KEY, { tolerationsPreferNoSchedule } satisfies PreScoreState);
    return SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    // Without PreScore state, all tolerations give the same count: only tolerations with an empty or
    // PreferNoSchedule effect can tolerate a PreferNoSchedule taint.
    const tolerations = state.read<PreScoreState>(PRE_SCORE_STATE_KEY)?.tolerationsPreferNoSchedule ?? pod.tolerations;
    return countIntolerableTaintsPreferNoSchedule(snapshot.taints[node], tolerations);
  }

  scoreNodes(state: CycleState, pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot, out: Float64Array): void {
    const tolerations = state.read<PreScoreState>(PRE_SCORE_STATE_KEY)?.tolerationsPreferNoSchedule ?? pod.tolerations;
    const { taints, tainted } = snapshot;
    for (let i = 0; i < count; i++) {
      const r = nodes[i]!;
      out[i] = tainted[r] === 0 ? 0 : countIntolerableTaintsPreferNoSchedule(taints[r], tolerations);
    }
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, _nodes: Int32Array, count: number, _snapshot: Snapshot): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores, count);
  }

  /** No taint on any of the nodes: every count is 0, and DefaultNormalizeScore(reverse) makes all-zero scores 100. */
  uniformScore(_state: CycleState, _pod: PodInfo, nodes: Int32Array, count: number, snapshot: Snapshot): number | undefined {
    if (snapshot.taintedRows === 0) return MAX_NODE_SCORE;
    const tainted = snapshot.tainted;
    for (let i = 0; i < count; i++) if (tainted[nodes[i]!] !== 0) return undefined;
    return MAX_NODE_SCORE;
  }

  /** With queueing hints: Node Add|UpdateNodeTaint and Pod UpdatePodToleration. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Pod', actions: ActionType.UpdatePodToleration }, hint: isSchedulableAfterPodTolerationChange },
    ];
  }
}

/** Queue only if the node went from untolerated to tolerated (an added node counts as untolerated before). */
function isSchedulableAfterNodeChange(pod: PodInfo, oldObj: Json | undefined, newObj: Json | undefined): QueueingHint {
  const original = oldObj as unknown as Node | undefined;
  const modified = newObj as unknown as Node | undefined;
  if (modified === undefined) return 'Queue';
  const wasUntolerated = original === undefined || findUntoleratedTaint(original.spec?.taints, pod.tolerations, isDoNotScheduleTaint) !== undefined;
  const isUntolerated = findUntoleratedTaint(modified.spec?.taints, pod.tolerations, isDoNotScheduleTaint) !== undefined;
  return wasUntolerated && !isUntolerated ? 'Queue' : 'QueueSkip';
}

/** Queue when the rejected pod itself was updated (its tolerations can only grow). */
function isSchedulableAfterPodTolerationChange(pod: PodInfo, _oldObj: Json | undefined, newObj: Json | undefined): QueueingHint {
  const modified = newObj as unknown as Pod | undefined;
  if (modified === undefined) return 'Queue';
  return (modified.metadata?.uid ?? '') === pod.uid ? 'Queue' : 'QueueSkip';
}

export const newTaintToleration: PluginFactory = (handle) => {
  expectNoArgs(NAME, handle.args);
  return new TaintToleration();
};
