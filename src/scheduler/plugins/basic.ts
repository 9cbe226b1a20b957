// Three small filters of the default profile:
// - NodeUnschedulable (plugins/nodeunschedulable/node_unschedulable.go): a cordoned node (spec.unschedulable)
//   takes only pods that tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.
// - NodeName (plugins/nodename/node_name.go): a pod that names a node fits only that node.
// - NodePorts (plugins/nodeports/node_ports.go): the pod's host ports must be free on the node.
//
// Hot path: each Filter reads one typed column or the node's own pod list and allocates nothing.
import type { Json } from '../../apiserver/strategy.js';
import { tolerationsTolerateTaint, type Node, type Pod, type Taint } from '../../api/index.js';
import {
  ActionType,
  Code,
  SKIP,
  SUCCESS,
  reason,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreFilterResult,
  type QueueingHint,
  type Status,
} from '../framework.js';
import { makePodInfo, type HostPort, type PodInfo } from '../podinfo.js';
import type { Snapshot } from '../snapshot.js';
import { expectNoArgs } from './helper.js';

// ---- NodeUnschedulable ----------------------------------------------------------------------------------

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const REASON_UNSCHEDULABLE = reason(ERR_REASON_UNSCHEDULABLE, Code.UnschedulableAndUnresolvable);

/** v1.TaintNodeUnschedulable with effect NoSchedule: tolerating it also tolerates spec.unschedulable. */
const UNSCHEDULABLE_TAINT: Taint = Object.freeze({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });

function asNode(obj: Json | undefined): Node | undefined {
  return obj as unknown as Node | undefined;
}

function asPod(obj: Json | undefined): Pod | undefined {
  return obj as unknown as Pod | undefined;
}

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    if (snapshot.unschedulable[node] === 0) return 0;
    return tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT) ? 0 : REASON_UNSCHEDULABLE;
  }

  filterNodes(_state: CycleState, pod: PodInfo, rows: Int32Array, count: number, snapshot: Snapshot, out: Int32Array): number {
    if (snapshot.unschedulableRows === 0) return 0; // no node is marked unschedulable
    const unschedulable = snapshot.unschedulable;
    let id = -1; // the answer for an unschedulable node, worked out on the first one
    let rejected = 0;
    for (let i = 0; i < count; i++) {
      if (unschedulable[rows[i]!] === 0) out[i] = 0;
      else {
        if (id < 0) id = tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT) ? 0 : REASON_UNSCHEDULABLE;
        out[i] = id;
        if (id !== 0) rejected++;
      }
    }
    return rejected;
  }

  /** With queueing hints (GA in 1.34): Node Add|UpdateNodeTaint and Pod UpdatePodToleration. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Pod', actions: ActionType.UpdatePodToleration }, hint: isSchedulableAfterPodTolerationChange },
    ];
  }
}

/** Queue when a node became schedulable, or was added schedulable (isSchedulableAfterNodeChange). */
function isSchedulableAfterNodeChange(_pod: PodInfo, oldObj: Json | undefined, newObj: Json | undefined): QueueingHint {
  const original = asNode(oldObj);
  const modified = asNode(newObj);
  if (modified === undefined) return 'Queue';
  const nowSchedulable = modified.spec?.unschedulable !== true;
  if (original === undefined) return nowSchedulable ? 'Queue' : 'QueueSkip';
  return original.spec?.unschedulable === true && nowSchedulable ? 'Queue' : 'QueueSkip';
}

/** Queue when the rejected pod itself now tolerates the unschedulable taint. */
function isSchedulableAfterPodTolerationChange(pod: PodInfo, _oldObj: Json | undefined, newObj: Json | undefined): QueueingHint {
  const modified = asPod(newObj);
  if (modified === undefined) return 'Queue';
  if ((modified.metadata?.uid ?? '') !== pod.uid) return 'QueueSkip';
  return tolerationsTolerateTaint(modified.spec?.tolerations, UNSCHEDULABLE_TAINT) ? 'Queue' : 'QueueSkip';
}

export const newNodeUnschedulable: PluginFactory = (handle) => {
  expectNoArgs(NODE_UNSCHEDULABLE, handle.args);
  return new NodeUnschedulable();
};

// ---- NodeName -------------------------------------------------------------------------------------------

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";
const REASON_NODE_NAME = reason(ERR_REASON_NODE_NAME, Code.UnschedulableAndUnresolvable);

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_NAME;

  filter(_state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    const wanted = pod.nodeName;
    return wanted === undefined || wanted === snapshot.names[node] ? 0 : REASON_NODE_NAME;
  }

  filterNodes(_state: CycleState, pod: PodInfo, rows: Int32Array, count: number, snapshot: Snapshot, out: Int32Array): number {
    const wanted = pod.nodeName;
    if (wanted === undefined) {
      out.fill(0, 0, count);
      return 0;
    }
    let rejected = 0;
    for (let i = 0; i < count; i++) {
      const id = wanted === snapshot.names[rows[i]!] ? 0 : REASON_NODE_NAME;
      out[i] = id;
      if (id !== 0) rejected++;
    }
    return rejected;
  }

  /** Node Add, without a hint (always worth a retry). */
  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: 'Node', actions: ActionType.Add } }];
  }
}

export const newNodeName: PluginFactory = (handle) => {
  expectNoArgs(NODE_NAME, handle.args);
  return new NodeName();
};

// ---- NodePorts ------------------------------------------------------------------------------------------

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
const REASON_NODE_PORTS = reason(ERR_REASON_NODE_PORTS, Code.Unschedulable);

/** framework.DefaultBindAllHostIP; HostPortInfo.sanitize turns an empty IP into it and an empty protocol into TCP. */
const BIND_ALL = '0.0.0.0';

function hostIP(p: HostPort): string {
  return p.hostIP === '' ? BIND_ALL : p.hostIP;
}

function protocol(p: HostPort): string {
  return p.protocol === '' ? 'TCP' : p.protocol;
}

/**
 * HostPortInfo.CheckConflict for one used port: same protocol and port, and the IPs equal or either one
 * 0.0.0.0 (binding all addresses collides with any specific one).
 */
export function hostPortsConflict(want: HostPort, used: HostPort): boolean {
  if (want.port !== used.port || protocol(want) !== protocol(used)) return false;
  const a = hostIP(want);
  const b = hostIP(used);
  return a === b || a === BIND_ALL || b === BIND_ALL;
}

/** fitsPorts: none of `want` conflicts with a port the node's pods use (NodeInfo.UsedPorts). */
function fitsPorts(want: readonly HostPort[], pods: readonly PodInfo[]): boolean {
  for (let i = 0; i < pods.length; i++) {
    const used = pods[i]!.hostPorts;
    for (let j = 0; j < used.length; j++) {
      for (let k = 0; k < want.length; k++) if (hostPortsConflict(want[k]!, used[j]!)) return false;
    }
  }
  return true;
}

/**
 * PodInfo already holds the pod's host ports (computed once per pod), so PreFilter only decides whether to
 * Skip and keeps no cycle state; Filter reads pod.hostPorts and the node's own pods, as upstream reads
 * NodeInfo.UsedPorts.
 */
export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_PORTS;

  preFilter(_state: CycleState, pod: PodInfo, _snapshot: Snapshot): { status: Status; result?: PreFilterResult } {
    // "Skip if a pod has no ports."
    return { status: pod.hostPorts.length === 0 ? SKIP : SUCCESS };
  }

  filter(_state: CycleState, pod: PodInfo, node: number, snapshot: Snapshot): number {
    return fitsPorts(pod.hostPorts, snapshot.pods[node]!) ? 0 : REASON_NODE_PORTS;
  }

  /** Pod Delete with a hint; Node Add without one (QHint on: Update events are not needed). */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', actions: ActionType.Delete }, hint: isSchedulableAfterPodDeleted },
      { event: { resource: 'Node', actions: ActionType.Add } },
    ];
  }
}

/** Queue only if the deleted pod was placed (or nominated) and held a port the pod wants. */
function isSchedulableAfterPodDeleted(pod: PodInfo, oldObj: Json | undefined, _newObj: Json | undefined): QueueingHint {
  const deleted = asPod(oldObj);
  if (deleted === undefined) return 'Queue';
  if ((deleted.spec?.nodeName ?? '') === '' && (deleted.status?.nominatedNodeName ?? '') === '') return 'QueueSkip';
  let freed: readonly HostPort[];
  try {
    freed = makePodInfo(deleted).hostPorts;
  } catch {
    return 'Queue';
  }
  if (freed.length === 0) return 'QueueSkip';
  for (const want of pod.hostPorts) for (const used of freed) if (hostPortsConflict(want, used)) return 'Queue';
  return 'QueueSkip';
}

export const newNodePorts: PluginFactory = (handle) => {
  expectNoArgs(NODE_PORTS, handle.args);
  return new NodePorts();
};
