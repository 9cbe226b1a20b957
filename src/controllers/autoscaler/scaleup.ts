// Scale-up, after Cluster Autoscaler's core/scaleup/orchestrator/orchestrator.go ScaleUp:
//   1. node groups that cannot grow are skipped with CA's reasons (skippedreasons.go): in backoff, max node
//      group size reached, max cluster cpu/memory limit reached;
//   2. each pending pod is checked against each remaining group's template node with the scheduler's
//      PreFilter + Filter plugins (SchedulablePodGroups); failures are the group's rejection reasons;
//   3. each group's node count comes from the binpacking estimator (estimator/binpacking_estimator.go):
//      pods in decreasing order of cpu/alloc + mem/alloc (decreasing_pod_orderer.go), each put on the
//      first new node that fits, a new template node opened otherwise; nodes that got no pod do not count;
//   4. the expander chain picks one option; the count is capped by --max-nodes-total
//      (GetCappedNewNodeCount) and the cluster cpu/memory limits (applyLimits), and optionally balanced
//      over similar groups (processors/nodegroupset/balancing_processor.go);
//   5. events: TriggeredScaleUp on the pods helped ("pod triggered scale-up: [{g 1->3 (max: 10)}]"), and
//      when nothing was scaled NotTriggerScaleUp with the aggregated reasons
//      (processors/status/eventing_scale_up_processor.go ReasonsMessage).
// Simplifications: no pod equivalence groups (each pod is checked, same outcome); no node group
// auto-provisioning; similar-group detection compares capacity, allocatable and labels only.
import { cpuMilli, memoryBytes, podRequests, type Node, type Pod } from '../../api/index.js';
import type { Rng } from '../../util/rng.js';
import type { Action } from '../runtime.js';
import { bestOption, type ExpansionOption } from './expanders.js';
import type { AutoscalerSettings } from './settings.js';
import { podKey, templateCopy, type ClusterSimulator } from './simulator.js';
import { event, podRef, scaleUpInfoString, STATUS_CONFIGMAP, type GroupState, type Refusal, type ScaleUpDecision } from './types.js';
import { GPU_RESOURCE } from '../../scheduler/podinfo.js';
import { ZONE_LABEL, HOSTNAME_LABEL } from '../../scheduler/snapshot.js';

/** skippedreasons.go. */
export const BACKOFF_REASON = 'in backoff after failed scale-up';
export const MAX_LIMIT_REACHED_REASON = 'max node group size reached';
/** eventing_scale_up_processor.go ReasonsMessage for ScaleUpLimitedByMaxNodesTotal. */
export const MAX_TOTAL_NODES_REASON = 'max total nodes in cluster reached';

const GIB = 1024 * 1024 * 1024;

function alloc(node: Node, name: 'cpu' | 'memory'): number {
  const v = (node.status?.allocatable ?? node.status?.capacity)?.[name];
  return v === undefined ? 0 : name === 'cpu' ? cpuMilli(v) : memoryBytes(v);
}

/** utils.GetNodeCoresAndMemory: cores rounded up, memory in bytes (from capacity). */
export function coresAndMemory(node: Node): { cores: number; memory: number } {
  const cap = node.status?.capacity ?? node.status?.allocatable ?? {};
  return { cores: cap['cpu'] !== undefined ? Math.ceil(cpuMilli(cap['cpu']) / 1000) : 0, memory: cap['memory'] !== undefined ? memoryBytes(cap['memory']) : 0 };
}

/** Cluster totals for the --cores-total / --memory-total limits (core/scaleup/resource/manager.go). */
export interface ResourceTotals {
  cores: number;
  memory: number;
}

/**
 * How many nodes of this template fit under the cluster-wide limits, and which limits one node would
 * exceed (resource/manager.go CheckQuota; resource names "cpu" and "memory" as cloudprovider names them).
 */
export function quotaFor(template: Node, delta: number, totals: ResourceTotals, settings: AutoscalerSettings): { allowed: number; exceeded: string[] } {
  const per = coresAndMemory(template);
  let allowed = delta;
  const exceeded: string[] = [];
  if (settings.maxCoresTotal > 0 && per.cores > 0) {
    const room = Math.floor((settings.maxCoresTotal - totals.cores) / per.cores);
    if (room < 1) exceeded.push('cpu');
    allowed = Math.min(allowed, Math.max(0, room));
  }
  const maxMem = settings.maxMemoryTotal * GIB;
  if (maxMem > 0 && per.memory > 0) {
    const room = Math.floor((maxMem - totals.memory) / per.memory);
    if (room < 1) exceeded.push('memory');
    allowed = Math.min(allowed, Math.max(0, room));
  }
  return { allowed, exceeded };
}

/** decreasing_pod_orderer.go: cpu/alloc + mem/alloc of the template node. */
export function podScore(pod: Pod, template: Node): number {
  const r = podRequests(pod.spec);
  const cpu = alloc(template, 'cpu');
  const mem = alloc(template, 'memory');
  return (cpu > 0 ? r.cpu / cpu : 0) + (mem > 0 ? r.memory / mem : 0);
}

/**
 * The binpacking estimator: how many template nodes the pods need, at most `maxNodes`. Returns the count
 * of new nodes that got pods and the pods placed. The simulator is left as it was.
 */
export function estimate(sim: ClusterSimulator, group: GroupState, pods: readonly Pod[], maxNodes: number): { nodeCount: number; pods: Pod[] } {
  const ordered = pods
    .map((p, i) => ({ p, i, s: podScore(p, group.template) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.p);
  const newNodes: string[] = [];
  const isNew = new Set<string>();
  const withPods = new Set<string>();
  const placed: Pod[] = [];
  for (const pod of ordered) {
    if (newNodes.length > 0) {
      const fit = sim.findNode(pod, (n) => isNew.has(n));
      if ('node' in fit) {
        sim.place(pod, fit.node);
        withPods.add(fit.node);
        placed.push(pod);
        continue;
      }
    }
    // A fresh node is added only if the last one got a pod (an empty one already proved this pod does not
    // fit), and only while the limiter allows (ThresholdBasedEstimationLimiter: stop the estimation).
    const last = newNodes[newNodes.length - 1];
    if (last !== undefined && !withPods.has(last)) continue;
    if (newNodes.length >= maxNodes) break;
    const name = `template-node-for-${group.id}-${newNodes.length}`;
    sim.addNode(templateCopy(group.template, name));
    newNodes.push(name);
    isNew.add(name);
    const fit = sim.findNode(pod, (n) => n === name);
    if ('node' in fit) {
      sim.place(pod, name);
      withPods.add(name);
      placed.push(pod);
    }
  }
  for (const n of newNodes) sim.removeNode(n);
  return { nodeCount: withPods.size, pods: placed };
}

export interface ScaleUpInput {
  readonly sim: ClusterSimulator;
  readonly groups: readonly GroupState[];
  /** Pods to help, already without those that fit existing or upcoming nodes. */
  readonly pods: readonly Pod[];
  readonly settings: AutoscalerSettings;
  readonly rng: Rng;
  readonly now: number;
  /** Groups in backoff (id → reason). */
  readonly inBackoff: ReadonlyMap<string, string>;
  /** Nodes in the cluster snapshot, registered plus upcoming (the count GetCappedNewNodeCount uses). */
  readonly currentNodeCount: number;
  readonly registeredNodes: number;
  readonly totals: ResourceTotals;
}

export interface ScaleUpOutcome {
  readonly scaleUps: ScaleUpDecision[];
  readonly events: Action[];
  readonly refusals: Refusal[];
  /** Per group considered: the estimator's option, for explanations and tests. */
  readonly options: readonly ExpansionOption[];
  readonly chosen?: ExpansionOption;
}

/** Aggregates reasons over groups, CA's "%d %s" joined by ", " (sorted here, so the message is stable). */
export function reasonsMessage(perGroup: ReadonlyMap<string, readonly string[]>): string {
  const counts = new Map<string, number>();
  for (const reasons of perGroup.values()) for (const r of new Set(reasons)) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

export function scaleUp(input: ScaleUpInput): ScaleUpOutcome {
  const { sim, settings, pods } = input;
  const events: Action[] = [];
  const refusals: Refusal[] = [];
  const notTriggered = (pod: Pod, message: string) => {
    refusals.push({ involved: podRef(pod), reason: 'NotTriggerScaleUp', message: `pod didn't trigger scale-up: ${message}` });
  };

  // filterValidScaleUpNodeGroups.
  const skipped = new Map<string, string[]>();
  const valid: GroupState[] = [];
  for (const g of input.groups) {
    const backoff = input.inBackoff.get(g.id);
    if (backoff !== undefined) skipped.set(g.id, [BACKOFF_REASON]);
    else if (g.targetSize >= g.maxSize) skipped.set(g.id, [MAX_LIMIT_REACHED_REASON]);
    else {
      const q = quotaFor(g.template, 1, input.totals, settings);
      if (q.exceeded.length > 0) skipped.set(g.id, [`max cluster ${q.exceeded.join(', ')} limit reached`]);
      else valid.push(g);
    }
  }

  // SchedulablePodGroups: each pod on one template node of each valid group.
  const rejected = new Map<string, Map<string, string[]>>(); // pod key → group → reasons
  const schedulableOn = new Map<string, Pod[]>(); // group → pods
  for (const g of valid) {
    const name = `template-node-for-${g.id}-check`;
    sim.addNode(templateCopy(g.template, name));
    const ok: Pod[] = [];
    for (const pod of pods) {
      const fit = sim.findNode(pod, (n) => n === name);
      if ('node' in fit) ok.push(pod);
      else {
        let m = rejected.get(podKey(pod));
        if (m === undefined) rejected.set(podKey(pod), (m = new Map()));
        m.set(g.id, [...new Set(fit.reasons)]);
      }
    }
    sim.removeNode(name);
    schedulableOn.set(g.id, ok);
  }

  // ComputeExpansionOption per group.
  const options: ExpansionOption[] = [];
  for (const g of valid) {
    const groupPods = schedulableOn.get(g.id) ?? [];
    if (groupPods.length === 0) continue;
    let maxNodes = Math.min(settings.maxNodesPerScaleUp, g.maxSize - g.targetSize);
    if (settings.maxNodesTotal > 0) maxNodes = Math.min(maxNodes, settings.maxNodesTotal - input.currentNodeCount);
    if (maxNodes <= 0) {
      // The estimator may not add a node (nodes coming up already fill --max-nodes-total): say so.
      skipped.set(g.id, [MAX_TOTAL_NODES_REASON]);
      schedulableOn.set(g.id, []);
      continue;
    }
    const est = estimate(sim, g, groupPods, Math.max(0, maxNodes));
    if (est.nodeCount > 0 && est.pods.length > 0) options.push({ group: g, nodeCount: est.nodeCount, pods: est.pods });
  }

  const remainingRefusals = () => {
    for (const pod of pods) {
      const groupsThatTakeIt = [...schedulableOn.entries()].some(([, list]) => list.includes(pod));
      if (groupsThatTakeIt) continue;
      const perGroup = new Map<string, readonly string[]>(rejected.get(podKey(pod)) ?? new Map());
      for (const [id, reasons] of skipped) perGroup.set(id, reasons);
      notTriggered(pod, reasonsMessage(perGroup));
    }
  };

  if (options.length === 0) {
    remainingRefusals();
    return { scaleUps: [], events, refusals, options };
  }

  const chosen = bestOption(options, { settings, rng: input.rng, clusterSize: input.registeredNodes });
  if (chosen === undefined) {
    for (const pod of pods) notTriggered(pod, `${options.length} expansion options filtered out and no longer considered`);
    return { scaleUps: [], events, refusals, options };
  }

  // GetCappedNewNodeCount, then applyLimits.
  let newNodes = chosen.nodeCount;
  if (settings.maxNodesTotal > 0 && newNodes + input.currentNodeCount > settings.maxNodesTotal) {
    newNodes = settings.maxNodesTotal - input.currentNodeCount;
    events.push(event(STATUS_CONFIGMAP, 'Warning', 'MaxNodesTotalReached', `Max total nodes in cluster reached: ${settings.maxNodesTotal}`));
    if (newNodes < 1) {
      for (const pod of pods) notTriggered(pod, MAX_TOTAL_NODES_REASON);
      return { scaleUps: [], events, refusals, options, chosen };
    }
  }
  newNodes = Math.min(newNodes, quotaFor(chosen.group.template, newNodes, input.totals, settings).allowed);
  if (newNodes < 1) {
    remainingRefusals();
    return { scaleUps: [], events, refusals, options, chosen };
  }

  const targets = [chosen.group];
  if (settings.balanceSimilarNodeGroups) {
    const chosenPods = new Set(schedulableOn.get(chosen.group.id) ?? []);
    for (const g of valid) {
      if (g === chosen.group || !similarGroups(chosen.group, g)) continue;
      const theirs = new Set(schedulableOn.get(g.id) ?? []);
      if ([...chosenPods].every((p) => theirs.has(p))) targets.push(g);
    }
  }
  const scaleUps = balance(targets, newNodes, input.totals, settings).map((s) => ({ ...s, pods: chosen.pods.map(podKey) }));
  const infos = `[${scaleUps.map(scaleUpInfoString).join(' ')}]`;
  for (const s of scaleUps) {
    events.push(event(STATUS_CONFIGMAP, 'Normal', 'ScaledUpGroup', `Scale-up: setting group ${s.group} size to ${s.newSize} instead of ${s.currentSize} (max: ${s.maxSize})`));
  }
  for (const pod of chosen.pods) events.push(event(podRef(pod), 'Normal', 'TriggeredScaleUp', `pod triggered scale-up: ${infos}`));
  return { scaleUps, events, refusals, options, chosen };
}

/**
 * BalanceScaleUpBetweenGroups: nodes go one at a time to the smallest group (target + added) below its
 * max, so sizes even out; then each group's share is capped by the cluster limits (capScaleUpsByQuota).
 */
export function balance(groups: readonly GroupState[], newNodes: number, totals: ResourceTotals, settings: AutoscalerSettings): Omit<ScaleUpDecision, 'pods'>[] {
  const added = groups.map(() => 0);
  for (let n = 0; n < newNodes; n++) {
    let best = -1;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (g.targetSize + added[i]! >= g.maxSize) continue;
      if (best < 0 || g.targetSize + added[i]! < groups[best]!.targetSize + added[best]!) best = i;
    }
    if (best < 0) break;
    added[best]!++;
  }
  const running = { ...totals };
  const out: Omit<ScaleUpDecision, 'pods'>[] = [];
  groups.forEach((g, i) => {
    const delta = Math.min(added[i]!, quotaFor(g.template, added[i]!, running, settings).allowed);
    if (delta <= 0) return;
    const per = coresAndMemory(g.template);
    running.cores += per.cores * delta;
    running.memory += per.memory * delta;
    out.push({ group: g.id, currentSize: g.targetSize, newSize: g.targetSize + delta, maxSize: g.maxSize });
  });
  return out;
}

/** Labels that differ between otherwise identical groups (compare_nodegroups.go BasicIgnoredLabels, in part). */
const IGNORED_LABELS = new Set([HOSTNAME_LABEL, ZONE_LABEL, 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region', 'drydock.io/pool', 'drydock.io/node-group']);

/**
 * compare_nodegroups.go IsCloudProviderNodeInfoSimilar, simplified: same cpu and GPU capacity, memory
 * capacity within 1.5 %, allocatable within 5 %, same labels except zone/hostname/group ones.
 */
export function similarGroups(a: GroupState, b: GroupState): boolean {
  const ca = a.template.status?.capacity ?? {};
  const cb = b.template.status?.capacity ?? {};
  if (cpuMilli(ca['cpu'] ?? '0') !== cpuMilli(cb['cpu'] ?? '0')) return false;
  if ((ca[GPU_RESOURCE] ?? '0') !== (cb[GPU_RESOURCE] ?? '0')) return false;
  const within = (x: number, y: number, ratio: number) => Math.abs(x - y) <= ratio * Math.max(x, y);
  if (!within(memoryBytes(ca['memory'] ?? '0'), memoryBytes(cb['memory'] ?? '0'), 0.015)) return false;
  if (!within(alloc(a.template, 'cpu'), alloc(b.template, 'cpu'), 0.05) || !within(alloc(a.template, 'memory'), alloc(b.template, 'memory'), 0.05)) return false;
  const la = a.template.metadata?.labels ?? {};
  const lb = b.template.metadata?.labels ?? {};
  const keys = new Set([...Object.keys(la), ...Object.keys(lb)]);
  for (const k of keys) if (!IGNORED_LABELS.has(k) && la[k] !== lb[k]) return false;
  return true;
}
