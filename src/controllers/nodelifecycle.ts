// Node lifecycle (kube-controller-manager's node-controller, pkg/controller/nodelifecycle/
// node_lifecycle_controller.go) and taint-based eviction (pkg/controller/tainteviction/taint_eviction.go),
// as two reconcilers keyed by node name:
//
// - NodeLifecycleReconciler: a node whose kubelet stopped renewing its Lease (and posting status) for
//   nodeMonitorGracePeriod (40 s; 60 s nodeStartupGracePeriod for a node that never posted Ready) gets
//   Ready/MemoryPressure/DiskPressure/PIDPressure = Unknown ("NodeStatusUnknown", "Kubelet stopped posting
//   node status."), a NodeNotReady event, its pods' Ready condition set to False (MarkPodsNotReady), and the
//   taints that mirror its conditions: node.kubernetes.io/unreachable (Ready Unknown) or not-ready (Ready
//   False) with effect NoExecute, plus the NoSchedule condition taints (doNoScheduleTaintingPass). When the
//   node is Ready again the taints go (markNodeAsReachable).
// - TaintEvictionReconciler: pods on a node with NoExecute taints they do not tolerate are deleted at once;
//   pods that tolerate them for tolerationSeconds are deleted when those run out (the minimum over the
//   tolerations used), with a TaintManagerEviction event and a DisruptionTarget condition.
//
// Differences from upstream, on purpose: the health check uses the Lease's renewTime and the Ready
// condition's lastHeartbeatTime themselves rather than the controller's local observation time (in one
// process they coincide); the check runs on a fixed grid of nodeMonitorPeriod ticks (multiples of 5 s since
// the epoch), so a node goes Unknown at the first tick strictly after renewTime + 40 s, as the 5 s monitor
// loop does; the NoExecute taint is added in the same pass (upstream adds it from a rate-limited queue on
// the next pass, <= 5 s later); zone disruption modes and eviction rate limits are not modelled. An
// eviction's start is the earliest timeAdded of the node's NoExecute taints (or the pod's binding, if later)
// instead of the time the taint manager first saw the taint.
import type { ApiServer } from '../apiserver/apiserver.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import { formatTime, parseTime } from '../apiserver/meta.js';
import { toleratesTaint, type Lease, type Node, type NodeCondition, type Pod, type Taint, type Toleration } from '../api/index.js';
import type { Clock } from '../util/clock.js';
import { Controller, NOTHING, type Action, type InvolvedObject, type ReconcileResult, type Reconciler } from './runtime.js';

/** kube-controller-manager defaults: --node-monitor-grace-period 40s, --node-monitor-period 5s, --node-startup-grace-period 1m. */
export const NODE_MONITOR_GRACE_PERIOD_MS = 40_000;
export const NODE_MONITOR_PERIOD_MS = 5_000;
export const NODE_STARTUP_GRACE_PERIOD_MS = 60_000;

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** nodeConditionToTaintKeyStatusMap. */
const CONDITION_TAINTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
};
const CONDITION_TAINT_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), TAINT_NODE_UNSCHEDULABLE]);

export interface NodeLifecycleOptions {
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly nodeMonitorGracePeriodMs?: number;
  readonly nodeMonitorPeriodMs?: number;
  readonly nodeStartupGracePeriodMs?: number;
}

function time(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTime(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function nodeRef(name: string, uid: string | undefined): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Node', name, ...(uid !== undefined && uid !== '' ? { uid } : {}) };
}

/** pkg/controller/util/node RecordNodeEvent: "Node <name> event: <what>", Normal. */
function nodeEvent(name: string, uid: string, reason: string, what: string): Action {
  return { type: 'event', involved: nodeRef(name, uid), eventType: 'Normal', reason, message: `Node ${name} event: ${what}` };
}

function sameTaints(a: readonly Taint[], b: readonly Taint[]): boolean {
  return a.length === b.length && a.every((t, i) => t.key === b[i]!.key && t.effect === b[i]!.effect && (t.value ?? '') === (b[i]!.value ?? '') && t.timeAdded === b[i]!.timeAdded);
}

export class NodeLifecycleReconciler implements Reconciler {
  readonly name = 'node-controller';
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly clock: Clock;
  private readonly gracePeriodMs: number;
  private readonly periodMs: number;
  private readonly startupGracePeriodMs: number;
  /** knownNodeSet: the nodes this controller has registered, by name, with their uid. */
  private readonly known = new Map<string, string>();

  constructor(options: NodeLifecycleOptions) {
    this.nodes = options.informers.informer<Node>('nodes');
    this.leases = options.informers.informer<Lease>('leases');
    this.pods = options.informers.informer<Pod>('pods');
    this.clock = options.clock;
    this.gracePeriodMs = options.nodeMonitorGracePeriodMs ?? NODE_MONITOR_GRACE_PERIOD_MS;
    this.periodMs = options.nodeMonitorPeriodMs ?? NODE_MONITOR_PERIOD_MS;
    this.startupGracePeriodMs = options.nodeStartupGracePeriodMs ?? NODE_STARTUP_GRACE_PERIOD_MS;
  }

  /** When the node was last heard from (Lease renewTime or Ready heartbeat), and how long it may stay silent. */
  private health(node: Node): { probe: number; grace: number } {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const lease = this.leases.get(NODE_LEASE_NAMESPACE, node.metadata.name ?? '');
    const candidates = [time(lease?.spec?.renewTime), time(ready?.lastHeartbeatTime)].filter((t): t is number => t !== undefined);
    const probe = candidates.length > 0 ? Math.max(...candidates) : (time(node.metadata.creationTimestamp) ?? this.clock.now());
    return { probe, grace: ready === undefined ? this.startupGracePeriodMs : this.gracePeriodMs };
  }

  reconcile(name: string): ReconcileResult {
    const node = this.nodes.get(undefined, name);
    if (node === undefined) {
      // monitorNodeHealth: a node that went is forgotten, with an event.
      const uid = this.known.get(name);
      if (uid === undefined) return NOTHING;
      this.known.delete(name);
      return { actions: [nodeEvent(name, uid, 'RemovingNode', `Removing Node ${name} from Controller`)] };
    }
    const now = this.clock.now();
    const nowText = formatTime(now);
    const actions: Action[] = [];
    if (!this.known.has(name)) {
      // monitorNodeHealth: a node seen for the first time (since this controller started) is registered.
      this.known.set(name, node.metadata.uid ?? '');
      actions.push(nodeEvent(name, node.metadata.uid ?? '', 'RegisteredNode', `Registered Node ${name} in Controller`));
    }
    const observed = node.status?.conditions ?? [];
    let conditions: readonly NodeCondition[] = observed;
    const { probe, grace } = this.health(node);
    // tryUpdateNodeHealth: "if nc.now().After(nodeHealth.probeTimestamp.Add(gracePeriod))", checked every monitor period.
    const expired = now > probe + grace;
    if (expired) {
      const next: NodeCondition[] = observed.map((c) => c);
      for (const type of MONITORED_CONDITIONS) {
        const i = next.findIndex((c) => c.type === type);
        const current = next[i];
        if (current === undefined) {
          next.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata.creationTimestamp ?? nowText, lastTransitionTime: nowText });
        } else if (current.status !== 'Unknown') {
          next[i] = { ...current, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: nowText };
        }
      }
      const changed = next.length !== observed.length || next.some((c, i) => c !== observed[i]);
      if (changed) {
        conditions = next;
        actions.push({ type: 'patch', resource: 'nodes', name, patchType: 'application/merge-patch+json', patch: { status: { conditions: next } }, subresource: 'status' });
        if (observed.find((c) => c.type === 'Ready')?.status === 'True') {
          // RecordNodeStatusChange: "Node <name> status is now: NodeNotReady".
          actions.push({ type: 'event', involved: nodeRef(name, node.metadata.uid), eventType: 'Normal', reason: 'NodeNotReady', message: `Node ${name} status is now: NodeNotReady` });
        }
      }
    }
    const readyStatus = conditions.find((c) => c.type === 'Ready')?.status ?? 'Unknown';

    // Taints mirroring the conditions: NoSchedule for every condition in the map (and spec.unschedulable),
    // NoExecute unreachable / not-ready for Ready Unknown / False, none of those two when Ready is True.
    const wanted: Taint[] = [];
    for (const c of conditions) {
      const key = CONDITION_TAINTS[c.type]?.[c.status];
      if (key !== undefined) wanted.push({ key, effect: 'NoSchedule' });
    }
    if (node.spec?.unschedulable === true) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
    if (readyStatus === 'Unknown') wanted.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' });
    if (readyStatus === 'False') wanted.push({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' });
    const current = node.spec?.taints ?? [];
    const managed = (t: Taint) => (t.effect === 'NoSchedule' && CONDITION_TAINT_KEYS.has(t.key)) || (t.effect === 'NoExecute' && (t.key === TAINT_NODE_UNREACHABLE || t.key === TAINT_NODE_NOT_READY));
    const taints: Taint[] = current.filter((t) => !managed(t) || wanted.some((w) => w.key === t.key && w.effect === t.effect));
    for (const w of wanted) {
      if (!taints.some((t) => t.key === w.key && t.effect === w.effect)) taints.push(w.effect === 'NoExecute' ? { ...w, timeAdded: nowText } : w);
    }
    if (!sameTaints(taints, current)) {
      actions.push({ type: 'patch', resource: 'nodes', name, patchType: 'application/merge-patch+json', patch: { spec: { taints } } });
    }

    // MarkPodsNotReady: pods on a node that is not Ready are not ready either.
    if (readyStatus !== 'True') {
      for (const pod of this.pods.byIndex('nodeName', name)) {
        const podConditions = pod.status?.conditions ?? [];
        if (!podConditions.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
        const next = podConditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: nowText } : c));
        const namespace = pod.metadata.namespace ?? 'default';
        const podName = pod.metadata.name ?? '';
        actions.push({ type: 'patch', resource: 'pods', namespace, name: podName, patchType: 'application/merge-patch+json', patch: { status: { conditions: next } }, subresource: 'status' });
        // controller_utils.go MarkPodsNotReady: the event after the status update.
        const involved = { apiVersion: 'v1', kind: 'Pod', namespace, name: podName, ...(pod.metadata.uid !== undefined ? { uid: pod.metadata.uid } : {}) };
        actions.push({ type: 'event', involved, eventType: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready' });
      }
    }

    if (expired) return { actions };
    // Look again at the first monitor tick strictly after the grace period runs out.
    const tick = (Math.floor((probe + grace) / this.periodMs) + 1) * this.periodMs;
    return { actions, requeueAfterMs: tick - now };
  }
}

/** v1helper.GetMatchingTolerations: every taint must be tolerated; the first toleration matching each taint is "used". */
function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (t === undefined) return undefined;
    used.push(t);
  }
  return used;
}

/** getMinTolerationTime: ms, or -1 when the tolerations tolerate forever. */
function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

export class TaintEvictionReconciler implements Reconciler {
  readonly name = 'taint-eviction-controller';
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly clock: Clock;

  constructor(options: Pick<NodeLifecycleOptions, 'informers' | 'clock'>) {
    this.nodes = options.informers.informer<Node>('nodes');
    this.pods = options.informers.informer<Pod>('pods');
    this.clock = options.clock;
  }

  reconcile(name: string): ReconcileResult {
    const node = this.nodes.get(undefined, name);
    if (node === undefined) return NOTHING;
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return NOTHING;
    const now = this.clock.now();
    const added = taints.map((t) => time(t.timeAdded)).filter((t): t is number => t !== undefined);
    const taintedSince = added.length > 0 ? Math.min(...added) : undefined;
    const actions: Action[] = [];
    let nextDue = Infinity;
    for (const pod of this.pods.byIndex('nodeName', name)) {
      if (pod.metadata.deletionTimestamp !== undefined) continue;
      const used = matchingTolerations(taints, pod.spec.tolerations ?? []);
      let due = now;
      if (used !== undefined) {
        const min = minTolerationMs(used);
        if (min < 0) continue;
        const bound = time(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime);
        const start = Math.max(taintedSince ?? bound ?? now, bound ?? -Infinity);
        due = start + min;
      }
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      actions.push(...this.evict(pod));
    }
    return nextDue === Infinity ? { actions } : { actions, requeueAfterMs: nextDue - now };
  }

  /** deletePodHandler: the event, the DisruptionTarget condition, then an ordinary (graceful) delete. */
  private evict(pod: Pod): Action[] {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
    const disruption = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: formatTime(this.clock.now()) };
    return [
      { type: 'event', involved: { apiVersion: 'v1', kind: 'Pod', name, namespace }, eventType: 'Normal', reason: 'TaintManagerEviction', message: `Marking for deletion Pod ${namespace}/${name}` },
      { type: 'patch', resource: 'pods', namespace, name, patchType: 'application/merge-patch+json', patch: { status: { conditions: [...conditions, disruption] } }, subresource: 'status' },
      { type: 'delete', resource: 'pods', namespace, name, ...(pod.metadata.uid !== undefined ? { options: { preconditions: { uid: pod.metadata.uid } } } : {}) },
    ];
  }
}

export interface NodeLifecycleControllers {
  readonly lifecycle: Controller;
  readonly taintEviction: Controller;
  readonly controllers: readonly Controller[];
  /** Starts the informers (nodes, leases, pods); resolves when they are synced. */
  start(): Promise<void>;
}

/** Both controllers, wired to the informers that wake them (node, lease and pod changes). */
export function createNodeLifecycleControllers(options: NodeLifecycleOptions & { readonly api: ApiServer; readonly onError?: (key: string, err: unknown) => void }): NodeLifecycleControllers {
  const base = { api: options.api, clock: options.clock, ...(options.onError !== undefined ? { onError: options.onError } : {}) };
  const lifecycle = new Controller({ ...base, reconciler: new NodeLifecycleReconciler(options) });
  const taintEviction = new Controller({ ...base, reconciler: new TaintEvictionReconciler(options) });
  const nodes = options.informers.informer<Node>('nodes');
  const leases = options.informers.informer<Lease>('leases');
  const pods = options.informers.informer<Pod>('pods');
  const nodeChanged = (n: Node) => {
    const name = n.metadata.name ?? '';
    lifecycle.enqueue(name);
    taintEviction.enqueue(name);
  };
  nodes.addEventHandler({ onAdd: nodeChanged, onUpdate: (_, n) => nodeChanged(n), onDelete: (n) => lifecycle.enqueue(n.metadata.name ?? '') });
  const leaseChanged = (l: Lease) => {
    if (l.metadata.namespace === NODE_LEASE_NAMESPACE && l.metadata.name !== undefined) lifecycle.enqueue(l.metadata.name);
  };
  leases.addEventHandler({ onAdd: leaseChanged, onUpdate: (_, l) => leaseChanged(l) });
  const podChanged = (old: Pod | undefined, pod: Pod) => {
    const node = pod.spec.nodeName;
    if (node === undefined || node === '') return;
    if (old !== undefined && old.spec.nodeName === node && JSON.stringify(old.spec.tolerations) === JSON.stringify(pod.spec.tolerations)) return;
    lifecycle.enqueue(node);
    taintEviction.enqueue(node);
  };
  pods.addEventHandler({ onAdd: (p) => podChanged(undefined, p), onUpdate: podChanged });
  return {
    lifecycle,
    taintEviction,
    controllers: [lifecycle, taintEviction],
    async start() {
      await Promise.all([nodes.start(), leases.start(), pods.start()]);
    },
  };
}
