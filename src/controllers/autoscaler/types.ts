// The data decide() reads and returns: observed state (a copy of what the informers and the cloud say),
// the autoscaler's memory between loops (history), and the decisions, refusals and events of one loop.
import type { Node, Pod, PodDisruptionBudget } from '../../api/index.js';
import type { Action, InvolvedObject } from '../runtime.js';

/** One node group as observed this loop (CA cloudprovider.NodeGroup, read once). */
export interface GroupState {
  readonly id: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Machines asked for, running or not (NodeGroup.TargetSize). */
  readonly targetSize: number;
  /** What a new node of this group looks like (NodeGroup.TemplateNodeInfo). */
  readonly template: Node;
  /** USD per hour per machine. */
  readonly pricePerHour: number;
}

export interface Observed {
  readonly nodes: readonly Node[];
  readonly pods: readonly Pod[];
  readonly pdbs: readonly PodDisruptionBudget[];
  readonly groups: readonly GroupState[];
  /** Node name → id of the group that manages it (CloudProvider.NodeGroupForNode); absent = not autoscaled. */
  readonly groupOfNode: ReadonlyMap<string, string>;
}

/** A scale-up asked for and not yet fully registered (clusterstate ScaleUpRequest). */
export interface ScaleUpRequest {
  readonly increase: number;
  readonly time: number;
  readonly expectedAddTime: number;
}

/** utils/backoff exponentialBackoffInfo. */
export interface BackoffInfo {
  readonly duration: number;
  readonly backoffUntil: number;
  readonly lastFailedExecution: number;
  /** The error code (cloudprovider.InstanceErrorInfo.ErrorCode): "timeout", "cloudProviderError". */
  readonly reason: string;
  /** The error message the status shows in backoffInfo.errorMessage. */
  readonly message?: string;
}

/** A node being drained: tainted, its pods evicted, waiting for them to go before the VM is deleted. */
export interface DrainState {
  readonly group: string;
  readonly startedAt: number;
  /** namespace/name of the pods evicted. */
  readonly pods: readonly string[];
  /** After this, pods still on the node fail the drain (max graceful termination + 30 s eviction headroom). */
  readonly deadline: number;
}

/** What the autoscaler remembers between loops. Immutable: decide() returns the next one. */
export interface AutoscalerHistory {
  readonly loops: number;
  readonly lastScaleUpTime: number;
  readonly lastScaleDownDeleteTime: number;
  readonly lastScaleDownFailTime: number;
  /** Node → since when it has been unneeded (core/scaledown/unneeded Nodes). */
  readonly unneededSince: ReadonlyMap<string, number>;
  readonly scaleUpRequests: ReadonlyMap<string, ScaleUpRequest>;
  readonly backoff: ReadonlyMap<string, BackoffInfo>;
  readonly draining: ReadonlyMap<string, DrainState>;
  /** Empty nodes tainted and handed to deleteNodes, until their Node objects are gone. */
  readonly deleting: ReadonlyMap<string, string>;
  /**
   * The last refusal message per object (pod or node key): refusal events are recorded when the message
   * changes, not every scan (the API server has no event aggregation; CA relies on the recorder's).
   */
  readonly lastRefusal: ReadonlyMap<string, string>;
  /** The status written last loop: its conditions' lastTransitionTime carry over while their status holds. */
  readonly lastStatus?: AutoscalerStatus;
}

export const EMPTY_HISTORY: AutoscalerHistory = Object.freeze({
  loops: 0,
  lastScaleUpTime: -Infinity,
  lastScaleDownDeleteTime: -Infinity,
  lastScaleDownFailTime: -Infinity,
  unneededSince: new Map(),
  scaleUpRequests: new Map(),
  backoff: new Map(),
  draining: new Map(),
  deleting: new Map(),
  lastRefusal: new Map(),
});

/** One group's planned increase (nodegroupset.ScaleUpInfo); printed as CA prints it: "{g 1->3 (max: 10)}". */
export interface ScaleUpDecision {
  readonly group: string;
  readonly currentSize: number;
  readonly newSize: number;
  readonly maxSize: number;
  /** The pods this scale-up is for (namespace/name). */
  readonly pods: readonly string[];
}

export function scaleUpInfoString(s: ScaleUpDecision): string {
  return `{${s.group} ${s.currentSize}->${s.newSize} (max: ${s.maxSize})}`;
}

export interface Eviction {
  readonly namespace: string;
  readonly name: string;
  readonly gracePeriodSeconds: number;
}

export type ScaleDownDecision =
  /** Empty nodes of one group: taint them, then NodeGroup.deleteNodes (bulk, up to maxScaleDownParallelism). */
  | { readonly kind: 'deleteEmpty'; readonly group: string; readonly nodes: readonly string[] }
  /** One non-empty node: taint it and evict its pods; its VM is deleted in a later loop. */
  | { readonly kind: 'drain'; readonly group: string; readonly node: string; readonly evictions: readonly Eviction[]; readonly utilization: number }
  /** A drained node whose pods are gone: NodeGroup.deleteNodes. */
  | { readonly kind: 'deleteDrained'; readonly group: string; readonly node: string }
  /** A drain that did not finish in time: remove the taint (ScaleDownFailed). */
  | { readonly kind: 'abortDrain'; readonly group: string; readonly node: string };

/** Machines asked for that never registered: forget them (NodeGroup.DecreaseTargetSize). */
export interface TargetSizeFix {
  readonly group: string;
  readonly delta: number;
}

/** Why something did not happen, for the pod or node it concerns (also recorded as an event when new). */
export interface Refusal {
  readonly involved: InvolvedObject;
  /** Cluster Autoscaler's word for it: NotTriggerScaleUp, or a NoScaleDown UnremovableReason (NotUnderutilized, BlockedByPod ...). */
  readonly reason: string;
  readonly message: string;
}

export interface Decision {
  readonly scaleUps: readonly ScaleUpDecision[];
  readonly scaleDowns: readonly ScaleDownDecision[];
  readonly targetSizeFixes: readonly TargetSizeFix[];
  /** Event actions, in Kubernetes' words (TriggeredScaleUp, NotTriggerScaleUp, ScaleDown, ...). */
  readonly events: readonly Action[];
  readonly refusals: readonly Refusal[];
  /** The history to pass to the next loop (assuming every decision is carried out). */
  readonly history: AutoscalerHistory;
  /** The cluster-autoscaler-status view after this loop. */
  readonly status: AutoscalerStatus;
}

/**
 * The cluster-autoscaler-status document (cluster-autoscaler/clusterstate/api/types.go ClusterAutoscalerStatus,
 * the YAML format of CA 1.30+), field for field; status.ts builds it and writes it as YAML into the ConfigMap.
 * Times: `time` in Go's time.String() form ("2026-01-01 00:00:10 +0000 UTC"), the conditions' times RFC 3339.
 */
export interface AutoscalerStatus {
  readonly time: string;
  readonly autoscalerStatus: 'Initializing' | 'Running';
  readonly clusterWide: {
    readonly health: HealthCondition;
    readonly scaleUp: Condition<'InProgress' | 'NoActivity'>;
    readonly scaleDown: ScaleDownCondition;
  };
  readonly nodeGroups: readonly NodeGroupStatus[];
}

export interface NodeGroupStatus {
  readonly name: string;
  readonly health: HealthCondition & { readonly cloudProviderTarget: number; readonly minSize: number; readonly maxSize: number };
  readonly scaleUp: Condition<'InProgress' | 'NoActivity' | 'Backoff'> & { readonly backoffInfo?: { readonly errorCode: string; readonly errorMessage: string } };
  readonly scaleDown: ScaleDownCondition;
}

export interface Condition<S extends string> {
  readonly status: S;
  /** RFC 3339: when the condition was last computed (this loop). */
  readonly lastProbeTime: string;
  /** RFC 3339: when `status` last changed. */
  readonly lastTransitionTime: string;
}

export type HealthCondition = Condition<'Healthy' | 'Unhealthy'> & { readonly nodeCounts: NodeCounts };
export type ScaleDownCondition = Condition<'CandidatesPresent' | 'NoCandidates'> & { readonly candidates: number };

/** clusterstate/api NodeCount: Kubernetes Nodes by readiness, and cloud machines that have no Node yet. */
export interface NodeCounts {
  readonly registered: {
    readonly total: number;
    readonly ready: number;
    /** Not ready yet, created less than MaxNodeStartupTime (15 min) ago. */
    readonly notStarted: number;
    /** Carrying the ToBeDeletedByClusterAutoscaler taint. */
    readonly beingDeleted: number;
    readonly unready: { readonly total: number; readonly resourceUnready: number };
  };
  /** Asked for longer ago than --max-node-provision-time and still not registered. */
  readonly longUnregistered: number;
  /** Asked for and not registered (yet). */
  readonly unregistered: number;
}

/** The ConfigMap CA writes its status to and records its cluster-wide events on. */
export const STATUS_CONFIGMAP: InvolvedObject = Object.freeze({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'cluster-autoscaler-status' });

export function podRef(pod: Pod): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', ...(pod.metadata?.uid !== undefined ? { uid: pod.metadata.uid } : {}) };
}

export function nodeRef(node: Node): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata?.name ?? '', ...(node.metadata?.uid !== undefined ? { uid: node.metadata.uid } : {}) };
}

export function event(involved: InvolvedObject, eventType: 'Normal' | 'Warning', reason: string, message: string): Action {
  return { type: 'event', involved, eventType, reason, message };
}
