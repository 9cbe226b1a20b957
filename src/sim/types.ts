// The data contracts of a simulation: what the workload loaders produce, and what a run records for the
// reports (summary JSON, placements CSV, events JSON lines, metrics CSV, HTML report).
import type { Json } from '../apiserver/strategy.js';
import type { MetricsSample } from './metrics-sample.js';

/** Annotations that carry timing on objects (manifests use them directly; loaders write them). */
export const ARRIVAL_ANNOTATION = 'drydock.io/arrival';
export const DURATION_ANNOTATION = 'drydock.io/duration';
/** The kubelet runs a pod for this many seconds (src/node/kubelet.ts). */
export const DURATION_SECONDS_ANNOTATION = 'drydock.io/duration-seconds';

/** One object to create through the API server at a simulated time. */
export interface WorkloadObject {
  /** Milliseconds after the start of the simulation. */
  readonly arrivalMs: number;
  /** The resource it is created as ("pods", "deployments", "replicasets", "jobs", "services", ...). */
  readonly resource: string;
  /** The object, ready for ApiServer.create (a pod's duration is already in its duration-seconds annotation). */
  readonly object: Json;
  /** Where it came from, for messages: "workload.csv:17". */
  readonly source: string;
}

/** An input file and its digest, for the report's `inputs`. */
export interface InputFile {
  readonly file: string;
  readonly sha256: string;
}

export interface Workload {
  /** Ordered by arrival, then by the order they were read. */
  readonly objects: readonly WorkloadObject[];
  /** Nodes that exist from the start (the Alibaba node list, or a --nodes file); empty when pools provide nodes. */
  readonly nodes: readonly Json[];
  readonly inputs: readonly InputFile[];
}

/** One row of --placements: every pod once, times in simulated seconds (undefined: never happened). */
export interface PodRecord {
  readonly pod: string;
  readonly namespace: string;
  readonly node?: string;
  readonly pool?: string;
  readonly created: number;
  readonly scheduled?: number;
  readonly started?: number;
  readonly finished?: number;
  /** Pending | Running | Succeeded | Failed, or Deleted for pods that went away (evicted, preempted). */
  readonly phase: string;
  readonly gpuDevices?: string;
  /** Deleted by preemption / by eviction (taints, node loss, autoscaler drain). */
  readonly preempted?: boolean;
  readonly evicted?: boolean;
}

export type { MetricsSample } from './metrics-sample.js';

/** The --json summary, with exactly the fields the issue names. */
export interface SimulationSummary {
  readonly pods: { total: number; scheduled: number; unschedulable: number; succeeded: number; failed: number; evicted: number; preempted: number };
  readonly pendingSeconds: { p50: number; p95: number; p99: number; max: number };
  readonly startupSeconds: { p50: number; p95: number; p99: number };
  readonly nodeHours: { total: number; byPool: Record<string, number> };
  readonly cost: { total: number; byPool: Record<string, number>; currency: 'USD' };
  readonly utilization: { cpu: number; memory: number; gpu: number };
  readonly gpuAllocationRatio: number;
  readonly autoscaler: { scaleUps: number; scaleDowns: number; nodesAdded: number; nodesRemoved: number };
  readonly simulatedSeconds: number;
  readonly wallSeconds: number;
  readonly seed: number;
  readonly inputs: readonly InputFile[];
}

/** Everything a run produced. */
export interface SimulationResult {
  readonly summary: SimulationSummary;
  readonly placements: readonly PodRecord[];
  /** Every Event object, in creation order. */
  readonly events: readonly Json[];
  readonly metrics: readonly MetricsSample[];
  /** The components' Prometheus metrics at the end of the run (text exposition), when asked for. */
  readonly prometheus?: string;
}
