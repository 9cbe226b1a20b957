// Scale-down, after Cluster Autoscaler's core/scaledown (planner, eligibility, unneeded, actuation) and
// simulator/cluster.go:
//   eligibility (eligibility.go): not being deleted, no scale-down-disabled annotation, autoscaled, and
//     utilization = max(cpu, memory) requested / allocatable below --scale-down-utilization-threshold
//     (GPU nodes: GPU utilization against the GPU threshold; simulator/utilization);
//   removal simulation (cluster.go SimulateNodeRemoval): the pods to move pass the drain rules
//     (utils/drain GetPodsForDeletionOnNodeDrain + drainability/rules/pdb), then each is re-scheduled with
//     the scheduler's filters on the other nodes, the node replaced by a ToBeDeleted-tainted ghost; a
//     successful simulation persists, so later candidates cannot count on the same free space;
//   unneeded timers (unneeded/nodes.go): a node must stay unneeded strictly longer than
//     --scale-down-unneeded-time (`!since.Add(unneededTime).Before(now)` → NotUnneededLongEnough), and its
//     group must stay above min size;
//   actuation (actuation/actuator.go, budgets.go): nothing while in cooldown (delay after add / delete /
//     failure); empty nodes in bulk up to --max-scale-down-parallelism, non-empty ones drained up to
//     --max-drain-parallelism; every node is tainted ToBeDeletedByClusterAutoscaler:NoSchedule first.
// Simplifications: no --unremovable-node-recheck-timeout (unremovable nodes are re-examined every scan); no
// minimum cluster cpu/memory limits; controller existence is not checked (a controller reference counts as
// replicated); PDB budgets come from status.disruptionsAllowed, or from the spec when no disruption
// controller has written a status.
import { labelSelectorRequirements, compileRequirements, type IntOrString, type Node, type Pod, type PodDisruptionBudget, type Taint } from '../../api/index.js';
import type { Action } from '../runtime.js';
import { GPU_RESOURCE, type PodInfo } from '../../scheduler/podinfo.js';
import { resourceQuantity } from '../../scheduler/snapshot.js';
import { formatGoDuration, type AutoscalerSettings } from './settings.js';
import { controllerRef, isDaemonSetPod, isLongTerminating, isMirrorPod, isTerminal, localStorageVolume, podKey, SAFE_TO_EVICT_ANNOTATION, type ClusterSimulator } from './simulator.js';
import { event, nodeRef, podRef, STATUS_CONFIGMAP, type DrainState, type Eviction, type GroupState, type Refusal, type ScaleDownDecision } from './types.js';

/** eligibility.go ScaleDownDisabledKey. */
export const SCALE_DOWN_DISABLED_ANNOTATION = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';
/** utils/taints ToBeDeletedTaint. */
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';
/** actuation/drain.go PodEvictionHeadroom: extra wait beyond the grace period before a drain fails. */
export const POD_EVICTION_HEADROOM_MS = 30_000;

/** simulator.UnremovableReason names (cluster.go), plus the cooldown state the status reports. */
export type UnremovableReason =
  | 'ScaleDownDisabledAnnotation'
  | 'ScaleDownUnreadyDisabled'
  | 'NotUnneededLongEnough'
  | 'NotUnreadyLongEnough'
  | 'NodeGroupMinSizeReached'
  | 'CurrentlyBeingDeleted'
  | 'NotUnderutilized'
  | 'NoPlaceToMovePods'
  | 'BlockedByPod'
  | 'ScaleDownInCooldown';

/** utils/drain BlockingPodReason names. */
export type BlockingPodReason = 'NotReplicated' | 'LocalStorageRequested' | 'NotSafeToEvictAnnotation' | 'UnmovableKubeSystemPod' | 'NotEnoughPdb';

export interface BlockingPod {
  readonly pod: Pod;
  readonly reason: BlockingPodReason;
  /** utils/drain's error text, e.g. "pod with local storage present: web-1". */
  readonly message: string;
}

export function hasToBeDeletedTaint(node: Node): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
}

export function toBeDeletedTaint(now: number): Taint {
  return { key: TO_BE_DELETED_TAINT, value: String(Math.floor(now / 1000)), effect: 'NoSchedule' };
}

export function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

// ---- utilization (simulator/utilization/info.go) ----------------------------------------------------------

export interface Utilization {
  readonly cpu: number;
  readonly memory: number;
  readonly gpu: number;
  /** max(cpu, memory), or gpu on GPU nodes. */
  readonly utilization: number;
  readonly resourceName: 'cpu' | 'memory' | 'gpu';
}

function allocOf(node: Node, name: string): number {
  const list = node.status?.allocatable ?? node.status?.capacity;
  const v = list?.[name];
  if (v === undefined) return 0;
  return name === 'cpu' || name === 'memory' ? resourceQuantity(list, name) : Number(v);
}

/**
 * Requested / allocatable per resource. With ignoreDaemonSetsUtilization (or ignoreMirrorPodsUtilization)
 * those pods' requests are left out and taken off the allocatable too (CalculateUtilizationOfResource);
 * long-terminating pods are left out.
 */
export function nodeUtilization(node: Node, pods: readonly PodInfo[], settings: AutoscalerSettings, now: number): Utilization {
  let cpu = 0;
  let mem = 0;
  let gpu = 0;
  let skipCpu = 0;
  let skipMem = 0;
  for (const p of pods) {
    const skipped = (settings.ignoreDaemonSetsUtilization && isDaemonSetPod(p.pod)) || (settings.ignoreMirrorPodsUtilization && isMirrorPod(p.pod));
    if (skipped) {
      skipCpu += p.cpu;
      skipMem += p.memory;
      continue;
    }
    if (isLongTerminating(p.pod, now)) continue;
    cpu += p.cpu;
    mem += p.memory;
    gpu += p.gpus + p.gpuMilli / 1000;
  }
  const aCpu = allocOf(node, 'cpu') - skipCpu;
  const aMem = allocOf(node, 'memory') - skipMem;
  const aGpu = allocOf(node, GPU_RESOURCE);
  const u = { cpu: aCpu > 0 ? cpu / aCpu : 0, memory: aMem > 0 ? mem / aMem : 0, gpu: aGpu > 0 ? gpu / aGpu : 0 };
  if (aGpu > 0) return { ...u, utilization: u.gpu, resourceName: 'gpu' };
  return u.cpu >= u.memory ? { ...u, utilization: u.cpu, resourceName: 'cpu' } : { ...u, utilization: u.memory, resourceName: 'memory' };
}

// ---- pod disruption budgets (core/scaledown/pdb) ----------------------------------------------------------

function intOrPercent(v: IntOrString, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m === null) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Remaining disruptions per PDB, decremented as simulated removals persist (RemainingPdbTracker). */
export class PdbTracker {
  private readonly entries: { pdb: PodDisruptionBudget; matches: (p: Pod) => boolean; remaining: number }[] = [];

  constructor(pdbs: readonly PodDisruptionBudget[], pods: readonly Pod[]) {
    for (const pdb of pdbs) {
      // A missing or invalid selector matches nothing; an empty one every pod of the namespace (policy/v1).
      let reqs;
      try {
        reqs = labelSelectorRequirements(pdb.spec?.selector);
      } catch {
        continue;
      }
      if (reqs === null) continue;
      const matcher = compileRequirements(reqs);
      const ns = pdb.metadata?.namespace ?? '';
      const matches = (p: Pod) => (p.metadata?.namespace ?? '') === ns && matcher(p.metadata?.labels ?? {});
      this.entries.push({ pdb, matches, remaining: PdbTracker.allowed(pdb, pods.filter(matches)) });
    }
  }

  /**
   * status.disruptionsAllowed when a disruption controller wrote it; else from the spec over the matching
   * pods: healthy = bound, not terminating, not finished (drydock may run without that controller).
   */
  static allowed(pdb: PodDisruptionBudget, matching: readonly Pod[]): number {
    if (pdb.status !== undefined) return pdb.status.disruptionsAllowed;
    const expected = matching.filter((p) => !isTerminal(p)).length;
    const healthy = matching.filter((p) => !isTerminal(p) && p.spec.nodeName !== undefined && p.metadata?.deletionTimestamp === undefined).length;
    if (pdb.spec?.minAvailable !== undefined) return Math.max(0, healthy - intOrPercent(pdb.spec.minAvailable, expected, true));
    if (pdb.spec?.maxUnavailable !== undefined) return Math.max(0, intOrPercent(pdb.spec.maxUnavailable, expected, true) - (expected - healthy));
    return 0;
  }

  hasPdb(pod: Pod): boolean {
    return this.entries.some((e) => e.matches(pod));
  }

  /** The first pod whose eviction a PDB would not allow, counting all `pods` together. */
  blocking(pods: readonly Pod[]): Pod | undefined {
    for (const e of this.entries) {
      let used = 0;
      for (const p of pods) {
        if (!e.matches(p)) continue;
        used++;
        if (used > e.remaining) return p;
      }
    }
    return undefined;
  }

  remove(pods: readonly Pod[]): void {
    for (const e of this.entries) for (const p of pods) if (e.matches(p)) e.remaining--;
  }
}

// ---- drain rules (utils/drain) -----------------------------------------------------------------------------

/**
 * GetPodsForDeletionOnNodeDrain plus the PDB rule: which pods must move, which are DaemonSet pods, or the
 * first pod that blocks. Mirror pods, long-terminating pods and expendable pods are ignored; pods with
 * safe-to-evict: "true" and finished pods move without the other checks.
 */
export function podsToMove(pods: readonly Pod[], settings: AutoscalerSettings, pdbs: PdbTracker, now: number): { move: Pod[]; daemonSets: Pod[]; blocking?: BlockingPod } {
  const move: Pod[] = [];
  const daemonSets: Pod[] = [];
  for (const pod of pods) {
    if (isMirrorPod(pod) || isLongTerminating(pod, now)) continue;
    if ((pod.spec.priority ?? 0) < settings.expendablePodsPriorityCutoff) continue;
    if (isDaemonSetPod(pod)) {
      daemonSets.push(pod);
      continue;
    }
    const safe = pod.metadata?.annotations?.[SAFE_TO_EVICT_ANNOTATION] === 'true';
    const name = pod.metadata?.name ?? '';
    const ns = pod.metadata?.namespace ?? '';
    if (!safe && !isTerminal(pod)) {
      if (controllerRef(pod) === undefined) return { move: [], daemonSets: [], blocking: { pod, reason: 'NotReplicated', message: `${ns}/${name} is not replicated` } };
      if (ns === 'kube-system' && settings.skipNodesWithSystemPods && !pdbs.hasPdb(pod)) {
        return { move: [], daemonSets: [], blocking: { pod, reason: 'UnmovableKubeSystemPod', message: `non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: ${name}` } };
      }
      if (settings.skipNodesWithLocalStorage && localStorageVolume(pod) !== undefined) {
        return { move: [], daemonSets: [], blocking: { pod, reason: 'LocalStorageRequested', message: `pod with local storage present: ${name}` } };
      }
      if (pod.metadata?.annotations?.[SAFE_TO_EVICT_ANNOTATION] === 'false') {
        return { move: [], daemonSets: [], blocking: { pod, reason: 'NotSafeToEvictAnnotation', message: `pod annotated as not safe to evict present: ${name}` } };
      }
    }
    move.push(pod);
  }
  const blocked = pdbs.blocking(move);
  if (blocked !== undefined) {
    return { move: [], daemonSets: [], blocking: { pod: blocked, reason: 'NotEnoughPdb', message: `not enough pod disruption budget to move ${blocked.metadata?.namespace ?? ''}/${blocked.metadata?.name ?? ''}` } };
  }
  return { move, daemonSets };
}

// ---- the planner -------------------------------------------------------------------------------------------

export interface UnneededNode {
  readonly node: Node;
  readonly group: string;
  readonly move: readonly Pod[];
  readonly daemonSets: readonly Pod[];
  readonly utilization: Utilization;
}

export interface ScaleDownInput {
  readonly sim: ClusterSimulator;
  readonly nodes: readonly Node[];
  readonly pods: readonly Pod[];
  readonly pdbs: readonly PodDisruptionBudget[];
  readonly groups: ReadonlyMap<string, GroupState>;
  readonly groupOfNode: ReadonlyMap<string, string>;
  readonly settings: AutoscalerSettings;
  readonly now: number;
  readonly unneededSince: ReadonlyMap<string, number>;
  readonly draining: ReadonlyMap<string, DrainState>;
  readonly deleting: ReadonlyMap<string, string>;
  /** Why scale-down may not act this loop (cooldown), or undefined. */
  readonly cooldown: string | undefined;
}

export interface ScaleDownOutcome {
  readonly scaleDowns: ScaleDownDecision[];
  readonly events: Action[];
  readonly refusals: Refusal[];
  readonly unneededSince: Map<string, number>;
  readonly draining: Map<string, DrainState>;
  readonly deleting: Map<string, string>;
  readonly deleteStarted: boolean;
  readonly failed: boolean;
  /** Unneeded nodes per group (status "candidates"). */
  readonly candidates: ReadonlyMap<string, number>;
  readonly utilization: ReadonlyMap<string, Utilization>;
}

const pct = (x: number) => `${Number((x * 100).toPrecision(6))}%`;

export function scaleDown(input: ScaleDownInput): ScaleDownOutcome {
  const { sim, settings, now } = input;
  const scaleDowns: ScaleDownDecision[] = [];
  const events: Action[] = [];
  const refusals: Refusal[] = [];
  const draining = new Map(input.draining);
  const deleting = new Map(input.deleting);
  const nodeByName = new Map(input.nodes.map((n) => [n.metadata?.name ?? '', n]));
  const podsByNode = new Map<string, Pod[]>();
  for (const p of input.pods) {
    const n = p.spec.nodeName;
    if (n === undefined || n === '') continue;
    let list = podsByNode.get(n);
    if (list === undefined) podsByNode.set(n, (list = []));
    list.push(p);
  }
  let failed = false;
  const refuse = (node: Node, reason: UnremovableReason, text: string) => {
    refusals.push({ involved: nodeRef(node), reason, message: `node can't be removed: ${text}` });
  };

  // Deletions under way: empty nodes handed to the cloud, drained nodes waiting for their pods to go.
  for (const name of [...deleting.keys()]) if (!nodeByName.has(name)) deleting.delete(name);
  for (const [name, d] of [...draining]) {
    const node = nodeByName.get(name);
    if (node === undefined) {
      draining.delete(name);
      continue;
    }
    const left = (podsByNode.get(name) ?? []).filter((p) => d.pods.includes(podKey(p)) && !isLongTerminating(p, now));
    if (left.length === 0) {
      scaleDowns.push({ kind: 'deleteDrained', group: d.group, node: name });
      events.push(event(STATUS_CONFIGMAP, 'Normal', 'ScaleDown', `Scale-down: node ${name} removed with drain`));
      draining.delete(name);
      deleting.set(name, d.group);
    } else if (now > d.deadline) {
      scaleDowns.push({ kind: 'abortDrain', group: d.group, node: name });
      events.push(event(nodeRef(node), 'Warning', 'ScaleDownFailed', 'failed to drain the node, aborting ScaleDown'));
      draining.delete(name);
      failed = true;
    }
  }

  // Candidates: autoscaled, registered nodes. Empty ones first, then those unneeded before (their timers
  // keep running), then by name (processors/scaledowncandidates: emptycandidates, previouscandidates).
  const registered = new Set(nodeByName.keys());
  const movable = (p: Pod) => !isDaemonSetPod(p) && !isMirrorPod(p) && !isLongTerminating(p, now) && (p.spec.priority ?? 0) >= settings.expendablePodsPriorityCutoff;
  const isEmpty = (name: string) => !sim.podsOn(name).some((i) => movable(i.pod));
  const candidates = input.nodes
    .filter((n) => input.groupOfNode.has(n.metadata?.name ?? ''))
    .map((n) => n.metadata?.name ?? '')
    .sort((a, b) => Number(isEmpty(b)) - Number(isEmpty(a)) || Number(input.unneededSince.has(b)) - Number(input.unneededSince.has(a)) || (a < b ? -1 : a > b ? 1 : 0));
  const pdbs = new PdbTracker(input.pdbs, input.pods);
  const removed = new Set<string>();
  const unneeded: UnneededNode[] = [];
  const utilization = new Map<string, Utilization>();
  // Eligibility first, on the snapshot as it is (eligibility.go FilterOutUnremovable), then the removal
  // simulations, whose moves persist for the candidates after them.
  const eligible: { name: string; node: Node; group: string; util: Utilization }[] = [];
  for (const name of candidates) {
    const node = nodeByName.get(name)!;
    const group = input.groupOfNode.get(name)!;
    if (hasToBeDeletedTaint(node) || draining.has(name) || deleting.has(name)) {
      refuse(node, 'CurrentlyBeingDeleted', 'the node is currently being deleted');
      continue;
    }
    if (node.metadata?.annotations?.[SCALE_DOWN_DISABLED_ANNOTATION] === 'true') {
      refuse(node, 'ScaleDownDisabledAnnotation', `the node has the annotation ${SCALE_DOWN_DISABLED_ANNOTATION}: "true"`);
      continue;
    }
    if (!isNodeReady(node) && !settings.scaleDownUnreadyEnabled) {
      refuse(node, 'ScaleDownUnreadyDisabled', 'the node is unready and scale-down of unready nodes is disabled');
      continue;
    }
    const util = nodeUtilization(node, sim.podsOn(name), settings, now);
    utilization.set(name, util);
    const threshold = util.resourceName === 'gpu' ? settings.scaleDownGpuUtilizationThreshold : settings.scaleDownUtilizationThreshold;
    if (util.utilization >= threshold) {
      refuse(node, 'NotUnderutilized', `${util.resourceName} requested (${pct(util.utilization)} of allocatable) is above the scale-down utilization threshold (${pct(threshold)})`);
      continue;
    }
    eligible.push({ name, node, group, util });
  }
  for (const { name, node, group, util } of eligible) {
    // The node's pods as the simulation has them: pods moved here by an earlier candidate must move again.
    const { move, daemonSets, blocking } = podsToMove(sim.podsOn(name).map((i) => i.pod), settings, pdbs, now);
    if (blocking !== undefined) {
      refuse(node, 'BlockedByPod', blocking.message);
      continue;
    }
    const noPlace = findPlaceFor(sim, node, move, (n) => n !== name && registered.has(n) && !removed.has(n) && !draining.has(n) && !deleting.has(n), now);
    if (noPlace !== undefined) {
      refuse(node, 'NoPlaceToMovePods', noPlace);
      continue;
    }
    removed.add(name);
    pdbs.remove(move);
    unneeded.push({ node, group, move, daemonSets, utilization: util });
  }

  // unneeded/nodes.go Update: keep the first time each node was seen unneeded.
  const unneededSince = new Map<string, number>();
  for (const u of unneeded) {
    const name = u.node.metadata?.name ?? '';
    unneededSince.set(name, input.unneededSince.get(name) ?? now);
  }
  const candidatesPerGroup = new Map<string, number>();
  for (const u of unneeded) candidatesPerGroup.set(u.group, (candidatesPerGroup.get(u.group) ?? 0) + 1);

  // RemovableAt: long enough, group above min size (empty nodes first, then the ones that need a drain).
  const sizeLeft = new Map<string, number>();
  for (const [id, g] of input.groups) sizeLeft.set(id, g.targetSize - [...draining.values()].filter((d) => d.group === id).length);
  const empty: UnneededNode[] = [];
  const needDrain: UnneededNode[] = [];
  for (const u of [...unneeded.filter((x) => x.move.length === 0), ...unneeded.filter((x) => x.move.length > 0)]) {
    const name = u.node.metadata?.name ?? '';
    const since = unneededSince.get(name)!;
    const limit = isNodeReady(u.node) ? settings.scaleDownUnneededTime : settings.scaleDownUnreadyTime;
    if (!(since + limit < now)) {
      refuse(u.node, isNodeReady(u.node) ? 'NotUnneededLongEnough' : 'NotUnreadyLongEnough', `unneeded since ${new Date(since).toISOString()}, not yet longer than ${isNodeReady(u.node) ? 'scaleDownUnneededTime' : 'scaleDownUnreadyTime'} (${formatGoDuration(limit)})`);
      continue;
    }
    const g = input.groups.get(u.group);
    const left = sizeLeft.get(u.group) ?? 0;
    if (g === undefined || left <= g.minSize) {
      refuse(u.node, 'NodeGroupMinSizeReached', `node group ${u.group} min size reached (${g?.minSize ?? 0})`);
      continue;
    }
    sizeLeft.set(u.group, left - 1);
    (u.move.length === 0 ? empty : needDrain).push(u);
  }

  let deleteStarted = false;
  if (input.cooldown !== undefined) {
    for (const u of [...empty, ...needDrain]) refuse(u.node, 'ScaleDownInCooldown', input.cooldown);
  } else {
    // budgets.go CropNodes.
    const inProgress = draining.size + deleting.size;
    const emptyBudget = Math.max(0, settings.maxScaleDownParallelism - inProgress);
    const emptyNow = empty.slice(0, emptyBudget);
    const drainBudget = Math.max(0, Math.min(settings.maxDrainParallelism - draining.size, settings.maxScaleDownParallelism - inProgress - emptyNow.length));
    const drainNow = needDrain.slice(0, drainBudget);
    const byGroup = new Map<string, string[]>();
    for (const u of emptyNow) {
      const name = u.node.metadata?.name ?? '';
      let list = byGroup.get(u.group);
      if (list === undefined) byGroup.set(u.group, (list = []));
      list.push(name);
      deleting.set(name, u.group);
      events.push(event(nodeRef(u.node), 'Normal', 'ScaleDown', 'marked the node as toBeDeleted/unschedulable'));
      events.push(event(STATUS_CONFIGMAP, 'Normal', 'ScaleDownEmpty', `Scale-down: removing empty node "${name}"`));
    }
    for (const [group, nodes] of byGroup) {
      scaleDowns.push({ kind: 'deleteEmpty', group, nodes });
      for (const n of nodes) events.push(event(STATUS_CONFIGMAP, 'Normal', 'ScaleDownEmpty', `Scale-down: empty node ${n} removed`));
    }
    for (const u of drainNow) {
      const name = u.node.metadata?.name ?? '';
      // --daemonset-eviction-for-occupied-nodes (true): DaemonSet pods are evicted too, best effort.
      // Only pods really bound here are evicted (not ones an earlier simulation moved here).
      const evict = [...u.move, ...u.daemonSets].filter((p) => (podsByNode.get(name) ?? []).some((q) => podKey(q) === podKey(p)));
      const evictions: Eviction[] = evict.map((p) => ({
        namespace: p.metadata?.namespace ?? 'default',
        name: p.metadata?.name ?? '',
        gracePeriodSeconds: Math.min(settings.maxGracefulTerminationSec, p.spec.terminationGracePeriodSeconds ?? 30),
      }));
      scaleDowns.push({ kind: 'drain', group: u.group, node: name, evictions, utilization: u.utilization.utilization });
      draining.set(name, { group: u.group, startedAt: now, pods: evict.map(podKey), deadline: now + settings.maxGracefulTerminationSec * 1000 + POD_EVICTION_HEADROOM_MS });
      events.push(event(nodeRef(u.node), 'Normal', 'ScaleDown', 'marked the node as toBeDeleted/unschedulable'));
      events.push(event(STATUS_CONFIGMAP, 'Normal', 'ScaleDown', `Scale-down: removing node ${name}, utilization: ${pct(u.utilization.utilization)} ${u.utilization.resourceName}, pods to reschedule: ${u.move.map((p) => p.metadata?.name ?? '').join(',')}`));
      for (const p of evict) events.push(event(podRef(p), 'Normal', 'ScaleDown', 'deleting pod for node scale down'));
    }
    deleteStarted = emptyNow.length + drainNow.length > 0;
  }
  return { scaleDowns, events, refusals, unneededSince, draining, deleting, deleteStarted, failed, candidates: candidatesPerGroup, utilization };
}

/**
 * cluster.go findPlaceFor: take the pods off the node, replace it by a ToBeDeleted-tainted ghost, and put
 * each pod on the first destination where the scheduler's filters admit it. On success the moves stay in
 * the simulator and the node is gone from it; on failure everything is put back and the reason returned.
 */
function findPlaceFor(sim: ClusterSimulator, node: Node, pods: readonly Pod[], isDestination: (n: string) => boolean, now: number): string | undefined {
  const name = node.metadata?.name ?? '';
  for (const p of pods) sim.unplace(podKey(p));
  sim.updateNode({ ...node, spec: { ...node.spec, taints: [...(node.spec?.taints ?? []), toBeDeletedTaint(now)] } });
  const moved: string[] = [];
  for (const p of pods) {
    const fit = sim.findNode(p, isDestination);
    if ('node' in fit) {
      sim.place(p, fit.node);
      moved.push(podKey(p));
      continue;
    }
    for (const k of moved) sim.unplace(k);
    sim.updateNode(node);
    for (const q of pods) sim.place(q, name);
    const why = [...new Set(fit.reasons)].slice(0, 3).join(', ');
    return `no place to move pod ${podKey(p)}${why !== '' ? ` (${why})` : ''}`;
  }
  sim.removeNode(name);
  return undefined;
}
