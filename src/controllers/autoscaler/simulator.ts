// The autoscaler's what-if cluster: the scheduler's own node cache and snapshot, filled from observed
// nodes and pods, plus template nodes of node groups as extra rows, and kube-scheduler's PreFilter and
// Filter plugins of the default profile to ask "would this pod fit there?" (Cluster Autoscaler's
// simulator/clustersnapshot with its PredicateSnapshot running the scheduler framework's filters).
import type { Node, Pod } from '../../api/index.js';
import { buildFrameworks } from '../../scheduler/build.js';
import { defaultSchedulerConfiguration, DEFAULT_SCHEDULER_NAME } from '../../scheduler/config.js';
import { Code, CycleState } from '../../scheduler/framework.js';
import { makePodInfo, type PodInfo } from '../../scheduler/podinfo.js';
import { inTreeRegistry } from '../../scheduler/registry.js';
import { reasonTexts, type Framework } from '../../scheduler/runtime.js';
import { HOSTNAME_LABEL, NodeCache, Snapshot } from '../../scheduler/snapshot.js';
import { seededRng } from '../../util/rng.js';

// ---- pods as Cluster Autoscaler sees them ----------------------------------------------------------------

/** utils/drain PodSafeToEvictKey. */
export const SAFE_TO_EVICT_ANNOTATION = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
/** drainability/rules/localstorage: volumes named here do not block. */
export const SAFE_TO_EVICT_LOCAL_VOLUMES_ANNOTATION = 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes';
/** The kubelet's mirror pod annotation (types.ConfigMirrorAnnotationKey). */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** v1.DefaultTerminationGracePeriodSeconds. */
const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
/** utils/drain PodLongTerminatingExtraThreshold. */
const POD_LONG_TERMINATING_EXTRA_MS = 30_000;

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function controllerRef(pod: Pod) {
  return pod.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function isDaemonSetPod(pod: Pod): boolean {
  return controllerRef(pod)?.kind === 'DaemonSet';
}

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** utils/drain IsPodLongTerminating: deleted longer ago than its grace period plus 30 s. */
export function isLongTerminating(pod: Pod, now: number): boolean {
  const ts = pod.metadata?.deletionTimestamp;
  if (ts === undefined) return false;
  const grace = pod.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
  return Date.parse(ts) + grace * 1000 + POD_LONG_TERMINATING_EXTRA_MS < now;
}

/** PodScheduled=False with reason Unschedulable, not bound, not being deleted (utils/kubernetes listers). */
export function isUnschedulable(pod: Pod): boolean {
  if (pod.spec.nodeName !== undefined && pod.spec.nodeName !== '') return false;
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c !== undefined && c.status === 'False' && c.reason === 'Unschedulable';
}

/**
 * A volume that keeps data on the node (drainability/rules/localstorage): hostPath, or an emptyDir not
 * backed by memory, unless the pod lists it in safe-to-evict-local-volumes.
 */
export function localStorageVolume(pod: Pod): string | undefined {
  const safe = new Set((pod.metadata?.annotations?.[SAFE_TO_EVICT_LOCAL_VOLUMES_ANNOTATION] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
  for (const v of pod.spec.volumes ?? []) {
    const vol = v as { name?: string; hostPath?: unknown; emptyDir?: { medium?: string } };
    const local = vol.hostPath !== undefined || (vol.emptyDir !== undefined && vol.emptyDir.medium !== 'Memory');
    if (local && !safe.has(vol.name ?? '')) return vol.name ?? '';
  }
  return undefined;
}

export function priorityOf(pod: Pod): number {
  return pod.spec.priority ?? 0;
}

/** A copy of the pod placed on `nodeName` (or unbound when undefined), as the snapshot needs it. */
export function withNodeName(pod: Pod, nodeName: string | undefined): Pod {
  const spec = { ...pod.spec } as Record<string, unknown>;
  if (nodeName === undefined) delete spec['nodeName'];
  else spec['nodeName'] = nodeName;
  return { ...pod, spec: spec as unknown as Pod['spec'] };
}

// ---- the framework ----------------------------------------------------------------------------------------

let defaultFramework: Framework | undefined;

/**
 * The default profile's framework (kube-scheduler's plugins, upstream order). Only PreFilter and Filter are
 * used, which draw no randomness, so one instance serves every autoscaler.
 */
export function defaultProfileFramework(): Framework {
  if (defaultFramework === undefined) {
    const built = buildFrameworks(defaultSchedulerConfiguration(inTreeRegistry), inTreeRegistry, { rng: seededRng(0) });
    const fw = built.frameworks.get(DEFAULT_SCHEDULER_NAME);
    if (fw === undefined) throw new Error(`the default scheduler configuration has no ${DEFAULT_SCHEDULER_NAME} profile`);
    defaultFramework = fw;
  }
  return defaultFramework;
}

/** Why a pod does not fit: kube-scheduler's reason texts (e.g. "node(s) didn't match Pod's node affinity/selector"). */
export interface FitFailure {
  readonly reasons: readonly string[];
}

/**
 * PodInfo of an informer's pod object on a node (or on none): the informer hands out the same immutable object
 * until the pod changes, and a scan runs every 10 s, so the requests are parsed once per pod version rather
 * than once per scan.
 */
const infoCache = new WeakMap<Pod, PodInfo>();
function podInfoOn(pod: Pod, nodeName: string | undefined): PodInfo {
  const hit = infoCache.get(pod);
  if (hit !== undefined && hit.nodeName === nodeName) return hit;
  const info = makePodInfo(withNodeName(pod, nodeName));
  infoCache.set(pod, info);
  return info;
}

/** A cluster snapshot to simulate on. Mutations are immediately visible to the next check. */
export class ClusterSimulator {
  private readonly cache = new NodeCache();
  private readonly snapshot = new Snapshot();
  private dirty = false;
  private readonly infos = new Map<string, PodInfo>();

  constructor(private readonly framework: Framework) {}

  addNode(node: Node): void {
    this.cache.setNode(node);
    this.dirty = true;
  }

  /** Replaces a node object, keeping its pods (e.g. adding the ToBeDeleted taint). */
  updateNode(node: Node): void {
    this.cache.setNode(node);
    this.dirty = true;
  }

  hasNode(name: string): boolean {
    return this.cache.rowOfNode(name) !== undefined;
  }

  /** Removes a node and every pod on it. */
  removeNode(name: string): void {
    const r = this.cache.rowOfNode(name);
    if (r === undefined) return;
    for (const p of this.cache.pods[r] ?? []) {
      this.cache.removePod(p.key);
      this.infos.delete(p.key);
    }
    this.cache.removeNode(name);
    this.dirty = true;
  }

  /** Puts a pod on a node (the pod's own nodeName is ignored). */
  place(pod: Pod, nodeName: string): void {
    const info = podInfoOn(pod, nodeName);
    this.cache.addPod(info);
    this.infos.set(info.key, info);
    this.dirty = true;
  }

  unplace(key: string): void {
    this.cache.removePod(key);
    this.infos.delete(key);
    this.dirty = true;
  }

  /** The pods on a node. */
  podsOn(name: string): readonly PodInfo[] {
    const r = this.cache.rowOfNode(name);
    return r === undefined ? [] : (this.cache.pods[r] ?? []);
  }

  /** Node names in the snapshot's (zone-interleaved) order. */
  nodeNames(): string[] {
    const s = this.fresh();
    const out: string[] = [];
    for (let i = 0; i < s.numNodes; i++) out.push(s.names[s.order[i]!]!);
    return out;
  }

  private fresh(): Snapshot {
    if (this.dirty) {
      this.snapshot.update(this.cache);
      this.dirty = false;
    }
    return this.snapshot;
  }

  /**
   * The first node (snapshot order) accepted by `accept` where every PreFilter and Filter plugin of the
   * profile admits the pod, or why none does (one entry per failing node's reasons, deduplicated per node).
   */
  findNode(pod: Pod, accept: (nodeName: string) => boolean): { node: string } | FitFailure {
    const s = this.fresh();
    const info = podInfoOn(pod, undefined);
    const state = new CycleState();
    const skip = new Set<string>();
    let allowed: ReadonlySet<string> | undefined;
    for (const p of this.framework.plugins.preFilter) {
      const { status, result } = p.preFilter(state, info, s);
      if (status.code === Code.Skip) {
        skip.add(p.name);
        continue;
      }
      if (status.code !== Code.Success) return { reasons: status.reasons.length > 0 ? [status.reasons.join(', ')] : [`rejected by ${p.name}`] };
      if (result?.nodeNames !== undefined) allowed = allowed === undefined ? result.nodeNames : new Set([...allowed].filter((n) => result.nodeNames!.has(n)));
    }
    state.skipFilterPlugins = skip;
    const reasons: string[] = [];
    for (let i = 0; i < s.numNodes; i++) {
      const r = s.order[i]!;
      const name = s.names[r]!;
      if (!accept(name)) continue;
      if (allowed !== undefined && !allowed.has(name)) {
        reasons.push("node(s) didn't satisfy plugin(s) PreFilter");
        continue;
      }
      const id = this.framework.runFilterPlugins(state, info, r, s);
      if (id === 0) return { node: name };
      reasons.push(...reasonTexts(id));
    }
    return { reasons };
  }
}

/** A template node copy with its own name and hostname label (CA's sanitized template NodeInfo). */
export function templateCopy(template: Node, name: string): Node {
  return {
    ...template,
    metadata: { ...template.metadata, name, labels: { ...(template.metadata?.labels ?? {}), [HOSTNAME_LABEL]: name } },
  };
}
