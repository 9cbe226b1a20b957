// What the dashboard's server sends its page: the rows it shows, as plain JSON. Types only (no imports), so
// the page's code, compiled for the browser, reads the same definitions as the server that fills them.
//
// The stream (GET /dashboard/api/stream, text/event-stream) sends one `snapshot` event with everything,
// then `delta` events with what changed since the one before, at most every FLUSH_MS of the server's clock.

import type { MetricsSample } from '../../sim/metrics-sample.js';

/** Requested or allocatable amounts: cpu in millicores, memory in bytes, GPUs in devices, pods as a count. */
export interface Amounts {
  cpu: number;
  memory: number;
  gpu: number;
  pods: number;
}

export interface NodeRow {
  readonly name: string;
  /** The node's drydock.io/nodepool label; "" for nodes outside any pool. */
  readonly pool: string;
  readonly ready: boolean;
  readonly unschedulable: boolean;
  readonly instanceType: string;
  readonly zone: string;
  readonly allocatable: Amounts;
  /** Sum over the non-terminal pods bound to the node (podRequests: what the scheduler's Fit filter counts). */
  readonly requested: Amounts;
}

export interface PodRow {
  /** namespace/name */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** status.phase (Pending until the kubelet reports otherwise). */
  readonly phase: string;
  /** spec.nodeName; "" while unscheduled. */
  readonly node: string;
  readonly terminating: boolean;
  /** Why an unscheduled pod waits: the PodScheduled=False condition's reason (Unschedulable, SchedulingGated ...). */
  readonly reason: string;
  /** Its message, or the newest FailedScheduling event's ("0/3 nodes are available: ..."). */
  readonly message: string;
  readonly requested: Amounts;
  /** metadata.creationTimestamp */
  readonly created: string;
}

/** One Event recorded by the cluster autoscaler (TriggeredScaleUp, NotTriggerScaleUp, ScaleDown, ...). */
export interface AutoscalerEventRow {
  readonly uid: string;
  readonly time: string;
  readonly type: string;
  readonly reason: string;
  /** Kind/namespace/name of the involved object ("Pod default/web-1", "ConfigMap kube-system/cluster-autoscaler-status"). */
  readonly object: string;
  readonly message: string;
  readonly count: number;
}

/**
 * The Cluster Autoscaler's status ConfigMap (kube-system/cluster-autoscaler-status, clusterstate/utils/status.go),
 * as the autoscaler last wrote it.
 */
export interface AutoscalerStatusView {
  /** data.status: the YAML status document (CA 1.30+; older autoscalers wrote a text block), as written. */
  readonly text: string;
  /** The cluster-autoscaler.kubernetes.io/last-updated annotation ("" when absent). */
  readonly lastUpdated: string;
  /** "health Healthy · scale-up NoActivity · scale-down CandidatesPresent (2) · 3 node groups", or "" when the text is not the YAML document. */
  readonly summary: string;
}

export interface Snapshot {
  /** The server's clock at the time of sending (ms since the epoch). */
  readonly now: number;
  /** When the dashboard started: samples' `t` counts seconds from here. */
  readonly startedAt: number;
  readonly nodes: readonly NodeRow[];
  readonly pods: readonly PodRow[];
  readonly autoscaler: readonly AutoscalerEventRow[];
  /** null: no status ConfigMap (`drydock serve` runs no autoscaler; an external one may write it). */
  readonly autoscalerStatus: AutoscalerStatusView | null;
  readonly samples: readonly MetricsSample[];
}

export interface Delta {
  readonly now: number;
  readonly nodes: readonly NodeRow[];
  readonly nodesDeleted: readonly string[];
  readonly pods: readonly PodRow[];
  readonly podsDeleted: readonly string[];
  readonly autoscaler: readonly AutoscalerEventRow[];
  /** Present when the status ConfigMap changed since the last message: its new view, or null when it was deleted. */
  readonly autoscalerStatus?: AutoscalerStatusView | null;
  readonly samples: readonly MetricsSample[];
}

/** GET /dashboard/api/explain?namespace=NS&pod=NAME: `drydock explain --json` for a pod of the live cluster. */
export interface ExplainView {
  readonly pod: string;
  readonly selectedNode: string | null;
  readonly nodes: readonly {
    readonly name: string;
    readonly feasible: boolean;
    readonly reasons: readonly string[];
    readonly scores: Readonly<Record<string, { readonly raw: number; readonly normalized: number; readonly weighted: number }>>;
    readonly total: number;
  }[];
  /** What preemption would do, as a dry run (null when the pod fits or preemption is not configured). */
  readonly preemption: { readonly message: string; readonly choice: { readonly node: string } | null } | null;
  readonly message: string | null;
  /** The pod was bound when explained: the view says where it would go now if it were pending again. */
  readonly bound: string | null;
}
