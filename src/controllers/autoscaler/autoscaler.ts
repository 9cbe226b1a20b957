// The node-pool autoscaler: Cluster Autoscaler's RunOnce (core/static_autoscaler.go) as a pure decision
// over observed state, plus a thin loop that observes (informers + CloudProvider), decides, and applies
// the decisions to the NodeGroups and through the API server.
//
// One loop (decide):
//   1. clusterstate (clusterstate.go updateScaleRequests): a scale-up whose nodes all registered is done
//      and clears the group's backoff; one still missing nodes after --max-node-provision-time is a failed
//      scale-up: ScaleUpTimedOut, exponential backoff (5 m doubling to 30 m, reset after 3 h quiet), and the
//      machines that never registered are forgotten (DecreaseTargetSize — CA does this in fixNodeGroupSize,
//      one maxNodeProvisionTime after the size mismatch is first seen; drydock does it at the timeout);
//   2. a cluster snapshot: registered nodes with their pods (expendable and long-terminating pods left out)
//      and one template node per machine asked for but not registered ("upcoming" nodes);
//   3. pending pods (PodScheduled=False/Unschedulable) that fit existing or upcoming nodes are placed there
//      (FilterOutSchedulablePodListProcessor), pods younger than --new-pod-scale-up-delay wait;
//   4. scale-up (scaleup.ts), unless --max-nodes-total is reached or every pending pod is under 2 s old
//      (allPodsAreNew: wait one loop for more, and no scale-down this loop);
//   5. scale-down (scaledown.ts), in cooldown for --scale-down-delay-after-add after a scale-up,
//      -after-delete after a deletion and -after-failure after a failure (isScaleDownInCooldown);
//   6. refusals become events when their message changes; the status view is rebuilt.
import type { ConfigMap, Node, Pod, PodDisruptionBudget } from '../../api/index.js';
import type { ApiServer } from '../../apiserver/apiserver.js';
import { ApiError } from '../../apiserver/errors.js';
import type { Informer, SharedInformerFactory } from '../../apiserver/informer.js';
import type { CloudProvider } from '../../cloud/provider.js';
import type { Clock, Timer } from '../../util/clock.js';
import { seededRng } from '../../util/rng.js';
import { executeActions, type Action } from '../runtime.js';
import { coresAndMemory, scaleUp, MAX_TOTAL_NODES_REASON, type ResourceTotals } from './scaleup.js';
import { scaleDown, isNodeReady, toBeDeletedTaint, TO_BE_DELETED_TAINT } from './scaledown.js';
import { DEFAULT_AUTOSCALER_SETTINGS, formatGoDuration, type AutoscalerSettings } from './settings.js';
import { ClusterSimulator, defaultProfileFramework, isLongTerminating, isTerminal, isUnschedulable, podKey, priorityOf, templateCopy } from './simulator.js';
import { buildStatus, LAST_UPDATED_ANNOTATION, statusConfigMap, STATUS_CONFIGMAP_NAME, STATUS_CONFIGMAP_NAMESPACE } from './status.js';
import {
  EMPTY_HISTORY,
  event,
  podRef,
  STATUS_CONFIGMAP,
  type AutoscalerHistory,
  type AutoscalerStatus,
  type BackoffInfo,
  type Decision,
  type GroupState,
  type Observed,
  type Refusal,
  type ScaleDownDecision,
  type ScaleUpDecision,
  type ScaleUpRequest,
  type TargetSizeFix,
} from './types.js';

const LIVE_PODS_INDEX = 'cluster-autoscaler/not-terminal';
const LIVE = 'live';

/** The component name events are reported under. */
export const AUTOSCALER_COMPONENT = 'cluster-autoscaler';
/** static_autoscaler.go unschedulablePodTimeBuffer. */
export const UNSCHEDULABLE_POD_TIME_BUFFER_MS = 2000;

/** utils/backoff exponentialBackoff.Backoff: doubles when the previous backoff has run out, resets after a quiet period. */
export function registerFailedScaleUp(backoff: ReadonlyMap<string, BackoffInfo>, group: string, now: number, reason: string, settings: AutoscalerSettings, message?: string): Map<string, BackoffInfo> {
  const prev = backoff.get(group);
  let duration = settings.initialNodeGroupBackoffDuration;
  if (prev !== undefined) {
    if (prev.backoffUntil < now) {
      duration = 2 * prev.duration;
      if (prev.lastFailedExecution + settings.nodeGroupBackoffResetTimeout < now) duration = settings.initialNodeGroupBackoffDuration;
    } else duration = prev.duration;
    duration = Math.min(duration, settings.maxNodeGroupBackoffDuration);
  }
  const out = new Map(backoff);
  out.set(group, { duration, backoffUntil: now + duration, lastFailedExecution: now, reason, ...(message !== undefined ? { message } : {}) });
  return out;
}

function creationTime(pod: Pod): number {
  const t = pod.metadata?.creationTimestamp;
  return t === undefined ? 0 : Date.parse(t);
}

function refusalKey(r: Refusal): string {
  return `${r.involved.kind}/${r.involved.namespace ?? ''}/${r.involved.name}`;
}

/** What one scan decides, from observed state only (no I/O; the RNG is seeded from the settings and loop count). */
export function decide(observed: Observed, now: number, settings: AutoscalerSettings = DEFAULT_AUTOSCALER_SETTINGS, history: AutoscalerHistory = EMPTY_HISTORY): Decision {
  const rng = seededRng((Math.imul(settings.randomSeed, 0x9e3779b1) ^ history.loops) >>> 0);
  const events: Action[] = [];
  const refusals: Refusal[] = [];
  const registered = new Map<string, number>();
  for (const n of observed.nodes) {
    const g = observed.groupOfNode.get(n.metadata?.name ?? '');
    if (g !== undefined) registered.set(g, (registered.get(g) ?? 0) + 1);
  }

  // 1. clusterstate.
  let backoff = new Map(history.backoff);
  for (const [id, b] of [...backoff]) if (b.lastFailedExecution + settings.nodeGroupBackoffResetTimeout < now) backoff.delete(id);
  const requests = new Map(history.scaleUpRequests);
  const targetSizeFixes: TargetSizeFix[] = [];
  const target = new Map(observed.groups.map((g) => [g.id, g.targetSize]));
  for (const [id, req] of [...requests]) {
    const g = observed.groups.find((x) => x.id === id);
    const upcoming = g === undefined ? 0 : Math.max(0, g.targetSize - (registered.get(id) ?? 0));
    if (g === undefined || upcoming === 0) {
      requests.delete(id);
      backoff.delete(id);
      continue;
    }
    if (req.expectedAddTime < now) {
      events.push(event(STATUS_CONFIGMAP, 'Warning', 'ScaleUpTimedOut', `Nodes added to group ${id} failed to register within ${formatGoDuration(now - req.time)}`));
      // clusterstate.go updateScaleRequests: error code "timeout" and this message in the status' backoffInfo.
      backoff = registerFailedScaleUp(backoff, id, now, 'timeout', settings, `Scale-up timed out for node group ${id} after ${formatGoDuration(now - req.time)}`);
      requests.delete(id);
      targetSizeFixes.push({ group: id, delta: -upcoming });
      target.set(id, g.targetSize - upcoming);
    }
  }
  const groups: GroupState[] = observed.groups.map((g) => ({ ...g, targetSize: target.get(g.id) ?? g.targetSize }));
  const groupById = new Map(groups.map((g) => [g.id, g]));

  // 2. the snapshot.
  const sim = new ClusterSimulator(defaultProfileFramework());
  const nodeNames = new Set<string>();
  for (const n of observed.nodes) {
    sim.addNode(n);
    nodeNames.add(n.metadata?.name ?? '');
  }
  const livePods = observed.pods.filter((p) => !isTerminal(p) && priorityOf(p) >= settings.expendablePodsPriorityCutoff && !isLongTerminating(p, now));
  for (const p of livePods) {
    const n = p.spec.nodeName;
    if (n !== undefined && nodeNames.has(n)) sim.place(p, n);
  }
  let upcomingTotal = 0;
  for (const g of groups) {
    const upcoming = Math.max(0, g.targetSize - (registered.get(g.id) ?? 0));
    upcomingTotal += upcoming;
    for (let i = 0; i < upcoming; i++) sim.addNode(templateCopy(g.template, `template-node-for-${g.id}-upcoming-${i}`));
  }

  // 3. pending pods: those that fit somewhere already are placed (highest priority first).
  const pending = livePods
    .filter(isUnschedulable)
    .sort((a, b) => priorityOf(b) - priorityOf(a) || (podKey(a) < podKey(b) ? -1 : podKey(a) > podKey(b) ? 1 : 0));
  const stillPending: Pod[] = [];
  for (const p of pending) {
    const fit = sim.findNode(p, () => true);
    if ('node' in fit) sim.place(p, fit.node);
    else stillPending.push(p);
  }
  // filterOutYoungPods: only pods older than the delay (podAge > newPodScaleUpDelay, strictly).
  const toHelp = stillPending.filter((p) => now - creationTime(p) > settings.newPodScaleUpDelay);

  // 4. scale-up.
  let disableScaleDownForLoop = false;
  let scaleUps: ScaleUpDecision[] = [];
  let lastScaleUpTime = history.lastScaleUpTime;
  const readyNodes = observed.nodes.filter(isNodeReady).length;
  if (toHelp.length > 0) {
    if (settings.maxNodesTotal > 0 && readyNodes >= settings.maxNodesTotal) {
      events.push(event(STATUS_CONFIGMAP, 'Warning', 'MaxNodesTotalReached', `Max total nodes in cluster reached: ${settings.maxNodesTotal}`));
      for (const p of toHelp) refusals.push({ involved: podRef(p), reason: 'NotTriggerScaleUp', message: `pod didn't trigger scale-up: ${MAX_TOTAL_NODES_REASON}` });
    } else if (Math.min(...toHelp.map(creationTime)) + UNSCHEDULABLE_POD_TIME_BUFFER_MS > now) {
      disableScaleDownForLoop = true;
    } else {
      const totals: ResourceTotals = { cores: 0, memory: 0 };
      for (const g of groups) {
        const per = coresAndMemory(g.template);
        totals.cores += per.cores * g.targetSize;
        totals.memory += per.memory * g.targetSize;
      }
      for (const n of observed.nodes) {
        if (observed.groupOfNode.has(n.metadata?.name ?? '')) continue;
        const per = coresAndMemory(n);
        totals.cores += per.cores;
        totals.memory += per.memory;
      }
      const inBackoff = new Map<string, string>();
      for (const [id, b] of backoff) if (b.backoffUntil > now) inBackoff.set(id, b.reason);
      const up = scaleUp({
        sim,
        groups,
        pods: toHelp,
        settings,
        rng,
        now,
        inBackoff,
        currentNodeCount: observed.nodes.length + upcomingTotal,
        registeredNodes: observed.nodes.length,
        totals,
      });
      events.push(...up.events);
      refusals.push(...up.refusals);
      if (up.scaleUps.length > 0) {
        lastScaleUpTime = now;
        for (const s of up.scaleUps) {
          const prev = requests.get(s.group);
          const delta = s.newSize - s.currentSize;
          const req: ScaleUpRequest = prev === undefined
            ? { increase: delta, time: now, expectedAddTime: now + settings.maxNodeProvisionTime }
            : { increase: prev.increase + delta, time: prev.time, expectedAddTime: now + settings.maxNodeProvisionTime };
          requests.set(s.group, req);
        }
      }
      scaleUps = up.scaleUps;
    }
  }

  // 5. scale-down.
  let cooldown: string | undefined;
  if (disableScaleDownForLoop) cooldown = 'scale-down is disabled for this loop: the unschedulable pods are very new, waiting one iteration for more';
  else if (lastScaleUpTime + settings.scaleDownDelayAfterAdd > now) cooldown = `scale-down in cooldown: last scale-up ${formatGoDuration(now - lastScaleUpTime)} ago, scaleDownDelayAfterAdd is ${formatGoDuration(settings.scaleDownDelayAfterAdd)}`;
  else if (history.lastScaleDownFailTime + settings.scaleDownDelayAfterFailure > now) cooldown = `scale-down in cooldown: last scale-down failure ${formatGoDuration(now - history.lastScaleDownFailTime)} ago, scaleDownDelayAfterFailure is ${formatGoDuration(settings.scaleDownDelayAfterFailure)}`;
  else if (history.lastScaleDownDeleteTime + settings.scaleDownDelayAfterDelete > now) cooldown = `scale-down in cooldown: last deletion ${formatGoDuration(now - history.lastScaleDownDeleteTime)} ago, scaleDownDelayAfterDelete is ${formatGoDuration(settings.scaleDownDelayAfterDelete)}`;
  let lastScaleDownDeleteTime = history.lastScaleDownDeleteTime;
  let lastScaleDownFailTime = history.lastScaleDownFailTime;
  let unneededSince: ReadonlyMap<string, number> = history.unneededSince;
  let draining = history.draining;
  let deleting = history.deleting;
  let candidates: ReadonlyMap<string, number> = new Map();
  const scaleDowns: ScaleDownDecision[] = [];
  if (settings.scaleDownEnabled) {
    const down = scaleDown({
      sim,
      nodes: observed.nodes,
      pods: livePods,
      pdbs: observed.pdbs,
      groups: groupById,
      groupOfNode: observed.groupOfNode,
      settings,
      now,
      unneededSince: history.unneededSince,
      draining: history.draining,
      deleting: history.deleting,
      cooldown,
    });
    scaleDowns.push(...down.scaleDowns);
    events.push(...down.events);
    refusals.push(...down.refusals);
    unneededSince = down.unneededSince;
    draining = down.draining;
    deleting = down.deleting;
    candidates = down.candidates;
    if (down.deleteStarted) lastScaleDownDeleteTime = now;
    if (down.failed) lastScaleDownFailTime = now;
  }

  // 6. refusal events, when the message for an object changes.
  const lastRefusal = new Map<string, string>();
  for (const r of refusals) {
    const key = refusalKey(r);
    if (lastRefusal.has(key)) continue;
    lastRefusal.set(key, r.message);
    if (history.lastRefusal.get(key) !== r.message) events.push(event(r.involved, 'Normal', r.reason, r.message));
  }

  const next: AutoscalerHistory = {
    loops: history.loops + 1,
    lastScaleUpTime,
    lastScaleDownDeleteTime,
    lastScaleDownFailTime,
    unneededSince,
    scaleUpRequests: requests,
    backoff,
    draining,
    deleting,
    lastRefusal,
    ...(history.lastStatus !== undefined ? { lastStatus: history.lastStatus } : {}),
  };
  // After the scale-up (CA recalculates the cluster state before writing the status).
  const status = buildStatus({ ...observed, groups: groups.map((g) => ({ ...g, targetSize: scaleUps.find((s) => s.group === g.id)?.newSize ?? g.targetSize })) }, next, now, candidates);
  return { scaleUps, scaleDowns, targetSizeFixes, events, refusals, history: { ...next, lastStatus: status }, status };
}

// ---- the loop -------------------------------------------------------------------------------------------

export interface AutoscalerOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly cloud: CloudProvider;
  readonly settings?: AutoscalerSettings;
  /** Errors from the cloud or the API server while applying decisions. Default: ignore. */
  readonly onError?: (err: unknown) => void;
  /**
   * Write the status to the ConfigMap kube-system/cluster-autoscaler-status after every scan (CA's
   * --write-status-configmap, default true).
   */
  readonly writeStatusConfigMap?: boolean;
}

/**
 * Running totals behind Cluster Autoscaler's counters (cluster-autoscaler/metrics/metrics.go), kept as plain
 * numbers here; src/controllers/autoscaler/metrics.ts exposes them in Prometheus' format. Map keys are the
 * metric's label value: scale-down reason ("empty", "underutilized"), failed scale-up reason ("timeout",
 * "cloudProviderError"), eviction result ("succeeded", "failed"), error type ("cloudProviderError",
 * "apiCallError").
 */
export interface AutoscalerCounters {
  scaledUpNodes: number;
  readonly scaledDownNodes: Map<string, number>;
  readonly failedScaleUps: Map<string, number>;
  readonly evictedPods: Map<string, number>;
  readonly errors: Map<string, number>;
  /** Loops run, and when the last one started (ms, injected clock; NaN before the first). */
  loops: number;
  lastLoopAt: number;
}

function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

/** Reads state, decides, applies: every scanInterval under runForever(), or one scan per runOnce(). */
export class Autoscaler {
  readonly settings: AutoscalerSettings;
  readonly counters: AutoscalerCounters = { scaledUpNodes: 0, scaledDownNodes: new Map(), failedScaleUps: new Map(), evictedPods: new Map(), errors: new Map(), loops: 0, lastLoopAt: NaN };
  history: AutoscalerHistory = EMPTY_HISTORY;
  status: AutoscalerStatus | undefined;
  lastDecision: Decision | undefined;
  /** The status ConfigMap as last written (its resourceVersion makes the next write a plain update). */
  private statusWritten: ConfigMap | undefined;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly pdbs: Informer<PodDisruptionBudget>;
  private timer: Timer | undefined;
  private running = false;

  constructor(private readonly options: AutoscalerOptions) {
    this.settings = options.settings ?? DEFAULT_AUTOSCALER_SETTINGS;
    this.nodes = options.informers.informer<Node>('nodes');
    this.pods = options.informers.informer<Pod>('pods');
    // decide() drops Succeeded and Failed pods first; an index of the others spares every scan from listing
    // (and sorting) every pod the cluster ever ran — thousands in a long trace replay.
    this.pods.addIndexer(LIVE_PODS_INDEX, (p) => (isTerminal(p) ? [] : [LIVE]));
    this.pdbs = options.informers.informer<PodDisruptionBudget>('poddisruptionbudgets');
  }

  /** The cloud provider whose node groups this autoscaler sizes. */
  get cloud(): CloudProvider {
    return this.options.cloud;
  }

  async start(): Promise<void> {
    await Promise.all([this.nodes.start(), this.pods.start(), this.pdbs.start()]);
  }

  /** The observed state, copied from the informers and the cloud provider. */
  observe(): Observed {
    const nodes = this.nodes.list();
    const groupOfNode = new Map<string, string>();
    for (const n of nodes) {
      const g = this.options.cloud.nodeGroupForNode(n);
      if (g !== undefined) groupOfNode.set(n.metadata?.name ?? '', g.id);
    }
    const groups = this.options.cloud.nodeGroups().map((g) => ({
      id: g.id,
      minSize: g.minSize(),
      maxSize: g.maxSize(),
      targetSize: g.targetSize(),
      template: g.templateNode(),
      pricePerHour: g.pricePerHour(),
    }));
    return { nodes, pods: this.pods.byIndex(LIVE_PODS_INDEX, LIVE), pdbs: this.pdbs.list(), groups, groupOfNode };
  }

  /** One scan: observe, decide, apply. */
  async runOnce(): Promise<Decision> {
    const now = this.options.clock.now();
    this.counters.loops++;
    this.counters.lastLoopAt = now;
    const decision = decide(this.observe(), now, this.settings, this.history);
    this.history = decision.history;
    const actions = [...decision.events];
    await this.apply(decision, now, actions);
    this.lastDecision = decision;
    this.status = decision.status;
    if (this.options.writeStatusConfigMap !== false) await this.writeStatus(decision.status);
    return decision;
  }

  /**
   * clusterstate/utils/status.go WriteStatusConfigMap, once per scan as CA does (the document's times change
   * every scan, so there is never an unchanged status to skip). CA GETs the ConfigMap first each time; here
   * the object last written is kept and updated in place (one write, no read), and a conflict or a deleted
   * ConfigMap falls back to CA's get-then-update-or-create.
   */
  private async writeStatus(status: AutoscalerStatus): Promise<void> {
    const desired = statusConfigMap(status);
    const api = this.options.api;
    const write = (current: ConfigMap | undefined): Promise<ConfigMap> =>
      current === undefined
        ? api.create<ConfigMap>('configmaps', desired)
        : api.update<ConfigMap>('configmaps', {
            ...current,
            metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, [LAST_UPDATED_ANNOTATION]: status.time } },
            data: { ...current.data, status: desired.data.status },
          });
    try {
      try {
        this.statusWritten = await write(this.statusWritten);
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 409 || err.code === 404))) throw err;
        const current = await api.get<ConfigMap>('configmaps', STATUS_CONFIGMAP_NAMESPACE, STATUS_CONFIGMAP_NAME).catch((e: unknown) => {
          if (e instanceof ApiError && e.code === 404) return undefined;
          throw e;
        });
        this.statusWritten = await write(current);
      }
    } catch (err) {
      this.statusWritten = undefined;
      bump(this.counters.errors, 'apiCallError');
      this.fail(err);
    }
  }

  private group(id: string) {
    return this.options.cloud.nodeGroups().find((g) => g.id === id);
  }

  private fail(err: unknown): void {
    this.options.onError?.(err);
  }

  private async taint(name: string, add: boolean, now: number): Promise<void> {
    const node = this.nodes.get(undefined, name);
    if (node === undefined) return;
    const rest = (node.spec?.taints ?? []).filter((t) => t.key !== TO_BE_DELETED_TAINT);
    const taints = add ? [...rest, toBeDeletedTaint(now)] : rest;
    await this.execute([{ type: 'patch', resource: 'nodes', name, patchType: 'application/merge-patch+json', patch: { spec: { taints } } }]);
  }

  /** Applies actions through the API server; false (and an apiCallError counted) when one failed. */
  private async execute(actions: readonly Action[]): Promise<boolean> {
    try {
      await executeActions(this.options.api, this.options.clock, AUTOSCALER_COMPONENT, actions);
      return true;
    } catch (err) {
      bump(this.counters.errors, 'apiCallError');
      this.fail(err);
      return false;
    }
  }

  private async apply(d: Decision, now: number, events: Action[]): Promise<void> {
    let h = this.history;
    const c = this.counters;
    for (const fix of d.targetSizeFixes) {
      // Each fix is a scale-up that timed out (clusterstate registerFailedScaleUp with metrics.Timeout).
      bump(c.failedScaleUps, 'timeout');
      try {
        this.group(fix.group)?.decreaseTargetSize(fix.delta);
      } catch (err) {
        this.fail(err);
      }
    }
    for (const s of d.scaleUps) {
      try {
        const g = this.group(s.group);
        if (g === undefined) throw new Error(`node group ${s.group} is gone`);
        g.increaseSize(s.newSize - s.currentSize);
        c.scaledUpNodes += s.newSize - s.currentSize;
      } catch (err) {
        bump(c.failedScaleUps, 'cloudProviderError');
        bump(c.errors, 'cloudProviderError');
        // executor.go: FailedToScaleUpGroup, and the group backs off.
        events.push(event(STATUS_CONFIGMAP, 'Warning', 'FailedToScaleUpGroup', `Scale-up failed for group ${s.group}: ${(err as Error).message}`));
        const requests = new Map(h.scaleUpRequests);
        requests.delete(s.group);
        // The AutoscalerError's type and its prefixed message (executor.go: "failed to increase node group size: ").
        const backoff = registerFailedScaleUp(h.backoff, s.group, now, 'cloudProviderError', this.settings, `failed to increase node group size: ${(err as Error).message}`);
        h = { ...h, scaleUpRequests: requests, backoff };
      }
    }
    for (const sd of d.scaleDowns) {
      switch (sd.kind) {
        case 'deleteEmpty':
          for (const n of sd.nodes) await this.taint(n, true, now);
          try {
            const g = this.group(sd.group);
            if (g === undefined) throw new Error(`node group ${sd.group} is gone`);
            g.deleteNodes(sd.nodes);
            bump(c.scaledDownNodes, 'empty', sd.nodes.length);
          } catch (err) {
            bump(c.errors, 'cloudProviderError');
            for (const n of sd.nodes) {
              await this.taint(n, false, now);
              events.push(event({ apiVersion: 'v1', kind: 'Node', name: n }, 'Warning', 'ScaleDownFailed', `failed to delete empty node: ${(err as Error).message}`));
            }
            const deleting = new Map(h.deleting);
            for (const n of sd.nodes) deleting.delete(n);
            h = { ...h, deleting, lastScaleDownFailTime: now };
          }
          break;
        case 'drain':
          await this.taint(sd.node, true, now);
          for (const e of sd.evictions) {
            const evicted = await this.execute([{ type: 'delete', resource: 'pods', namespace: e.namespace, name: e.name, options: { gracePeriodSeconds: e.gracePeriodSeconds } }]);
            bump(c.evictedPods, evicted ? 'succeeded' : 'failed');
          }
          break;
        case 'deleteDrained':
          try {
            const g = this.group(sd.group);
            if (g === undefined) throw new Error(`node group ${sd.group} is gone`);
            g.deleteNodes([sd.node]);
            bump(c.scaledDownNodes, 'underutilized');
          } catch (err) {
            bump(c.errors, 'cloudProviderError');
            await this.taint(sd.node, false, now);
            events.push(event({ apiVersion: 'v1', kind: 'Node', name: sd.node }, 'Warning', 'ScaleDownFailed', `failed to delete the node: ${(err as Error).message}`));
            const deleting = new Map(h.deleting);
            deleting.delete(sd.node);
            h = { ...h, deleting, lastScaleDownFailTime: now };
          }
          break;
        case 'abortDrain':
          await this.taint(sd.node, false, now);
          break;
      }
    }
    this.history = h;
    await this.execute(events);
  }

  /** Scans every scanInterval on the injected clock until stop(). */
  runForever(): void {
    this.running = true;
    const tick = () => {
      this.timer = this.options.clock.setTimer(this.settings.scanInterval, () => {
        if (!this.running) return;
        void this.runOnce().then(tick, (err) => {
          this.fail(err);
          tick();
        });
      });
    };
    tick();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
  }
}

