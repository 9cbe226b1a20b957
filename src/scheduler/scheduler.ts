// The scheduler: watches pods and nodes through shared informers, keeps its node cache and queue, and
// runs one scheduling cycle per pod (pkg/scheduler/schedule_one.go): snapshot, framework, assume, then
// bind through the API server's pods/binding while the next cycle starts. A pod that fits nowhere gets
// the PodScheduled=False/Unschedulable condition and a FailedScheduling event with kube-scheduler's
// message, and waits in the queue until a cluster event may help (or 5 minutes pass).
import type { ApiServer } from '../apiserver/apiserver.js';
import type { Informer, SharedInformerFactory } from '../apiserver/informer.js';
import { formatTime } from '../apiserver/meta.js';
import { recordEvent } from '../apiserver/record.js';
import type { Json } from '../apiserver/strategy.js';
import type { LabelSelector, Labels, Node, Pod, Service } from '../api/index.js';
import type { Clock, Timer } from '../util/clock.js';
import { withFields } from '../util/objects.js';
import type { Rng } from '../util/rng.js';
import { ActionType, Code, CycleState, type ClusterAccess, type ClusterEvent, type QueuedPodInfo, type Status } from './framework.js';
import { makePodInfo, type PodInfo } from './podinfo.js';
import { isPreemptionResult } from './plugins/defaultpreemption.js';
import { InterPodAffinity } from './plugins/interpodaffinity.js';
import { defaultSelectorFromWorkloads, PodTopologySpread } from './plugins/podtopologyspread.js';
import { chosenDevices } from './plugins/gpudevices.js';
import type { QueueCounts, SchedulingQueue } from './queue.js';
import { Framework, type Explanation, type ScheduleResult } from './runtime.js';
import { NodeCache, Snapshot } from './snapshot.js';

export interface SchedulerMetrics {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  errors: number;
  bindErrors: number;
  preemptions: number;
}

/** How one scheduling attempt ended, in kube-scheduler's metric words (pkg/scheduler/metrics/metrics.go: ScheduledResult, UnschedulableResult, ErrorResult). */
export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/**
 * Told once per scheduling attempt when its outcome is known: after binding for a scheduled pod, as
 * schedule_one.go calls metrics.PodScheduled from the binding cycle. `durationMs` runs on the injected clock
 * from the pop to that moment ("scheduling algorithm + binding", the attempt-duration histogram's help text).
 */
export type AttemptListener = (result: AttemptResult, profile: string, durationMs: number) => void;

export interface SchedulerOptions {
  readonly api: ApiServer;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly rng: Rng;
  /** Frameworks by schedulerName (built from a KubeSchedulerConfiguration by buildFrameworks). */
  readonly frameworks: ReadonlyMap<string, Framework>;
  readonly queue: SchedulingQueue;
  /** Write Scheduled / FailedScheduling events (default true). */
  readonly recordEvents?: boolean;
  /** Set PodScheduled=False on pods that do not fit (default true). */
  readonly updatePodConditions?: boolean;
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function assigned(pod: Pod): boolean {
  return pod.spec?.nodeName !== undefined && pod.spec.nodeName !== '';
}

function keyOf(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** Node update → which cluster-event actions it amounts to (eventhandlers.go nodeSchedulingPropertiesChange). */
function nodeUpdateActions(old: Node, now: Node): number {
  let actions = 0;
  if (JSON.stringify(old.status?.allocatable) !== JSON.stringify(now.status?.allocatable)) actions |= ActionType.UpdateNodeAllocatable;
  if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(now.metadata?.labels)) actions |= ActionType.UpdateNodeLabel;
  if (JSON.stringify(old.spec?.taints) !== JSON.stringify(now.spec?.taints) || old.spec?.unschedulable !== now.spec?.unschedulable) actions |= ActionType.UpdateNodeTaint;
  if (JSON.stringify(old.status?.conditions) !== JSON.stringify(now.status?.conditions)) actions |= ActionType.UpdateNodeCondition;
  return actions;
}

export class Scheduler {
  readonly cache = new NodeCache();
  readonly snapshot = new Snapshot();
  readonly metrics: SchedulerMetrics = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, bindErrors: 0, preemptions: 0 };
  private readonly api: ApiServer;
  private readonly clock: Clock;
  private readonly queue: SchedulingQueue;
  private readonly frameworks: ReadonlyMap<string, Framework>;
  private readonly recordEvents: boolean;
  private readonly updateConditions: boolean;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly pdbs: Informer<Json>;
  /** Pods assumed on a node until their binding is seen (or fails). */
  private readonly assumed = new Map<string, string>();
  /** Work in flight (bindings, events, status updates); waitForIdle() waits for it. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private cycle = 0;
  private timers: Timer[] = [];
  private loopTimer: Timer | undefined;
  private stopped = false;
  /** Invoked after every cycle (tests, the simulator). */
  onCycle: ((pod: PodInfo, result: ScheduleResult) => void) | undefined;
  private readonly attemptListeners: AttemptListener[] = [];

  constructor(options: SchedulerOptions) {
    this.api = options.api;
    this.clock = options.clock;
    this.queue = options.queue;
    this.frameworks = options.frameworks;
    this.recordEvents = options.recordEvents ?? true;
    this.updateConditions = options.updatePodConditions ?? true;
    for (const fw of this.frameworks.values()) {
      fw.nominator = { hasNominatedPods: () => this.queue.hasNominatedPods(), nominatedPodsForNode: (n) => this.queue.nominatedPodsForNode(n) };
    }
    this.wireWorkloadListers(options.informers);
    this.pods = options.informers.informer<Pod>('pods');
    this.nodes = options.informers.informer<Node>('nodes');
    this.pdbs = options.informers.informer<Json>('poddisruptionbudgets');
    this.pods.addEventHandler({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (o, p) => this.podUpdated(o, p),
      onDelete: (p) => this.podDeleted(p),
    });
    this.nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.setNode(n);
        this.moveAll({ resource: 'Node', actions: ActionType.Add }, undefined, n as unknown as Json);
      },
      onUpdate: (o, n) => {
        this.cache.setNode(n);
        const actions = nodeUpdateActions(o, n);
        if (actions !== 0) this.moveAll({ resource: 'Node', actions }, o as unknown as Json, n as unknown as Json);
      },
      onDelete: (n) => this.cache.removeNode(n.metadata?.name ?? ''),
    });
    this.pdbs.addEventHandler({
      onAdd: (p) => this.moveAll({ resource: 'PodDisruptionBudget', actions: ActionType.Add }, undefined, p),
    });
  }

  private readonly listers: Informer<Json>[] = [];

  /**
   * PodTopologySpread's default constraints select a pod's siblings through its Services and controller
   * (helper.DefaultSelector), and InterPodAffinity's namespaceSelector reads namespace labels: both come
   * from informers here, so they follow the cluster as it changes.
   */
  private wireWorkloadListers(informers: SharedInformerFactory): void {
    const services = informers.informer<Json>('services');
    const replicaSets = informers.informer<Json>('replicasets');
    const namespaces = informers.informer<Json>('namespaces');
    this.listers.push(services, replicaSets, namespaces);
    const selectorOf = (o: Json | undefined) => ((o?.['spec'] as Json | undefined)?.['selector'] as LabelSelector | undefined);
    for (const fw of this.frameworks.values()) {
      for (const plugin of fw.allPlugins()) {
        if (plugin instanceof PodTopologySpread) {
          plugin.setDefaultSelectorSource((pod) =>
            defaultSelectorFromWorkloads(pod, {
              services: (ns) => services.byIndex('namespace', ns) as unknown as Service[],
              controllerSelector: (ns, kind, name) => (kind === 'ReplicaSet' ? selectorOf(replicaSets.get(ns, name)) : undefined),
            }),
          );
        }
        if (plugin instanceof InterPodAffinity) {
          // Setting the function again tells the plugin that namespace labels changed (its counters key on it).
          const refresh = () => plugin.setNamespaceLabels((ns) => ((namespaces.get(undefined, ns)?.['metadata'] as Json | undefined)?.['labels'] as Labels | undefined));
          refresh();
          namespaces.addEventHandler({
            onAdd: refresh,
            onDelete: refresh,
            onUpdate: (o, n) => {
              if (JSON.stringify((o['metadata'] as Json)['labels']) !== JSON.stringify((n['metadata'] as Json)['labels'])) refresh();
            },
          });
        }
      }
    }
  }

  /** What preemption and binding plugins reach the cluster through. */
  readonly cluster: ClusterAccess = {
    podDisruptionBudgets: () => this.pdbs.list(),
    nominatedPods: (nodeName) => this.queue.nominatedPodsForNode(nodeName),
    devicesOf: (key) => this.cache.placement(key)?.devices ?? [],
    evict: async (victim, preemptor) => {
      if (this.dryRun) return;
      this.metrics.preemptions++;
      const ns = victim.namespace;
      // The DisruptionTarget condition first, then a graceful delete (preemption.go PrepareCandidate).
      await this.api
        .patch('pods', ns, victim.name, 'application/strategic-merge-patch+json', {
          status: {
            conditions: [
              {
                type: 'DisruptionTarget',
                status: 'True',
                reason: 'PreemptionByScheduler',
                message: `${this.schedulerNameOf(preemptor)}: preempting to accommodate a higher priority pod`,
                lastTransitionTime: formatTime(this.clock.now()),
              },
            ],
          },
        }, { subresource: 'status' })
        .catch(() => undefined);
      await this.api.delete('pods', ns, victim.name, { preconditions: { uid: victim.uid } }).catch(() => undefined);
      this.event(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.uid} on node ${victim.nodeName ?? ''}`);
    },
    bind: async (pod, nodeName, annotations) => {
      await this.api.bind(pod.namespace, pod.name, {
        metadata: { name: pod.name, ...(annotations !== undefined ? { annotations } : {}) },
        target: { kind: 'Node', name: nodeName },
      });
    },
  };

  private schedulerNameOf(pod: PodInfo): string {
    return pod.schedulerName;
  }

  /** Starts the informers; resolves when the caches are filled and pending pods are queued. */
  async start(): Promise<void> {
    for (const lister of this.listers) await lister.start();
    await this.nodes.start();
    await this.pdbs.start();
    await this.pods.start();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.loopTimer?.cancel();
    this.backoffTick?.cancel();
    this.leftoverTick?.cancel();
  }

  // ---- informer events --------------------------------------------------------------------------------

  private responsible(pod: Pod): boolean {
    return this.frameworks.has(pod.spec?.schedulerName ?? 'default-scheduler');
  }

  private podAdded(pod: Pod): void {
    if (assigned(pod)) {
      if (isTerminal(pod)) return;
      this.confirmAssigned(pod);
      this.moveAll({ resource: 'AssignedPod', actions: ActionType.Add }, undefined, pod as unknown as Json);
    } else if (this.responsible(pod) && !isTerminal(pod) && pod.metadata?.deletionTimestamp === undefined) {
      this.queue.add(makePodInfo(pod));
      this.kick();
    }
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (assigned(pod)) {
      if (!assigned(old)) this.queue.delete(keyOf(old));
      if (isTerminal(pod)) {
        this.cache.removePod(keyOf(pod));
        this.moveAll({ resource: 'AssignedPod', actions: ActionType.Delete }, old as unknown as Json, undefined);
        return;
      }
      this.confirmAssigned(pod);
      if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)) {
        this.moveAll({ resource: 'AssignedPod', actions: ActionType.UpdatePodLabel }, old as unknown as Json, pod as unknown as Json);
      }
    } else if (this.responsible(pod)) {
      if (isTerminal(pod) || pod.metadata?.deletionTimestamp !== undefined) this.queue.delete(keyOf(pod));
      else {
        this.queue.update(makePodInfo(old), makePodInfo(pod));
        this.kick();
      }
    }
  }

  private podDeleted(pod: Pod): void {
    if (assigned(pod)) {
      this.cache.removePod(keyOf(pod));
      this.assumed.delete(keyOf(pod));
      this.moveAll({ resource: 'AssignedPod', actions: ActionType.Delete }, pod as unknown as Json, undefined);
    } else {
      this.queue.delete(keyOf(pod));
    }
  }

  /**
   * A bound pod seen through the informer replaces its assumed copy (cache.go AddPod confirms an
   * assumption), in place when it differs from it only where nothing in the cache looks (NodeCache.refresh).
   */
  private confirmAssigned(pod: Pod): void {
    const key = keyOf(pod);
    this.assumed.delete(key);
    if (!this.cache.refresh(key, pod)) this.cache.addPod(makePodInfo(pod));
  }

  private moveAll(event: ClusterEvent, oldObj: Json | undefined, newObj: Json | undefined): void {
    this.queue.moveAllToActiveOrBackoffQueue(event, oldObj, newObj);
    this.kick();
  }

  // ---- the scheduling cycle ---------------------------------------------------------------------------

  /**
   * Pops one pod and schedules it; false when no pod is ready. Binding continues in the background
   * (waitForIdle() waits for it), as kube-scheduler binds asynchronously after assuming.
   */
  scheduleOne(): boolean {
    const qpi = this.queue.pop();
    if (qpi === undefined) return false;
    this.cycle++;
    const pod = qpi.pod;
    const fw = this.frameworks.get(pod.schedulerName);
    if (fw === undefined || this.assumed.has(pod.key) || pod.pod.metadata?.deletionTimestamp !== undefined) {
      this.queue.done(pod.key);
      return true;
    }
    this.metrics.attempts++;
    const start = this.clock.now();
    this.snapshot.update(this.cache);
    const state = new CycleState();
    const result = fw.schedulePod(state, pod, this.snapshot);
    if (result.kind === 'scheduled') {
      this.assumeAndBind(fw, state, qpi, result.nodeName, start);
    } else if (result.kind === 'unschedulable') {
      this.handleUnschedulable(fw, state, qpi, result, start);
    } else {
      this.metrics.errors++;
      this.attemptDone('error', fw, start);
      this.fail(qpi, result.status.reasons.join(', '), 'SchedulerError', new Set());
    }
    this.onCycle?.(pod, result);
    return true;
  }

  /** Registers a listener for attempt outcomes (the scheduler's Prometheus metrics, src/scheduler/metrics.ts). */
  addAttemptListener(listener: AttemptListener): void {
    this.attemptListeners.push(listener);
  }

  private attemptDone(result: AttemptResult, fw: Framework, start: number): void {
    if (this.attemptListeners.length === 0) return;
    const ms = this.clock.now() - start;
    for (const l of this.attemptListeners) l(result, fw.profileName, ms);
  }

  private assumeAndBind(fw: Framework, state: CycleState, qpi: QueuedPodInfo, nodeName: string, start: number): void {
    const pod = qpi.pod;
    const reserve = fw.runReservePlugins(state, pod, nodeName);
    if (reserve !== undefined) {
      this.metrics.errors++;
      this.attemptDone('error', fw, start);
      this.fail(qpi, reserve.reasons.join(', '), 'SchedulerError', new Set([reserve.plugin ?? '']));
      return;
    }
    const devices = chosenDevices(state);
    // The queued pod with spec.nodeName set: every other input of its PodInfo is the same (makePodInfo of
    // the assumed object would recompute the same values), and its key stays the string already hashed.
    const assumedPod: PodInfo = { ...pod, pod: withFields(pod.pod, { spec: withFields(pod.pod.spec, { nodeName }) }), nodeName };
    this.cache.addPod(assumedPod, devices);
    this.assumed.set(pod.key, nodeName);
    const permit = fw.runPermitPlugins(state, pod, nodeName);
    if (permit !== undefined) {
      this.metrics.errors++;
      this.attemptDone('error', fw, start);
      this.forget(fw, state, pod, nodeName);
      this.fail(qpi, permit.reasons.join(', '), 'SchedulerError', new Set([permit.plugin ?? '']));
      return;
    }
    this.track(this.bind(fw, state, qpi, nodeName, start));
  }

  /**
   * The binding cycle. The pod stays "in flight" in the queue until it ends, so events that arrive meanwhile
   * still count for it (upstream calls Done after binding).
   */
  private async bind(fw: Framework, state: CycleState, qpi: QueuedPodInfo, nodeName: string, start: number): Promise<void> {
    const pod = qpi.pod;
    try {
      const failed: Status | undefined = (await fw.runPreBindPlugins(state, pod, nodeName)) ?? (await fw.runBindPlugins(state, pod, nodeName));
      if (failed !== undefined) {
        this.metrics.bindErrors++;
        this.attemptDone('error', fw, start);
        this.forget(fw, state, pod, nodeName);
        // A pod deleted while it was being bound is not requeued (handleSchedulingFailure checks the informer).
        if (this.pods.get(pod.namespace, pod.name)?.metadata?.uid !== pod.uid) return;
        this.fail(qpi, `Binding rejected: ${failed.reasons.join(', ')}`, 'SchedulerError', new Set());
        return;
      }
      this.metrics.scheduled++;
      this.attemptDone('scheduled', fw, start);
      fw.runPostBindPlugins(state, pod, nodeName);
      this.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.namespace}/${pod.name} to ${nodeName}`);
    } finally {
      this.queue.done(pod.key);
    }
  }

  private forget(fw: Framework, state: CycleState, pod: PodInfo, nodeName: string): void {
    fw.runUnreservePlugins(state, pod, nodeName);
    if (this.assumed.get(pod.key) === nodeName) {
      this.assumed.delete(pod.key);
      this.cache.removePod(pod.key);
    }
  }

  private handleUnschedulable(fw: Framework, state: CycleState, qpi: QueuedPodInfo, result: ScheduleResult & { kind: 'unschedulable' }, start: number): void {
    const pod = qpi.pod;
    const fitError = result.fitError;
    for (const p of fw.plugins.postFilter) {
      const { status, result: pfr } = p.postFilter(state, pod, this.snapshot, { reasonOfNode: fitError.reasonOfNode });
      if (isPreemptionResult(pfr)) {
        this.track(pfr.evictions);
        // Lower-priority pods nominated to the chosen node lose their nomination (preemption.go prepareCandidate).
        for (const other of pfr.lowerPriorityNominatedPods) this.nominate(other, '');
      }
      if (status.code === Code.Success && pfr?.nominatedNodeName !== undefined) {
        this.nominate(pod, pfr.nominatedNodeName);
        break;
      }
      if (status.reasons.length > 0) {
        const msg = status.reasons.join(', ');
        fitError.postFilterMessage = msg.startsWith('preemption: ') ? msg : `preemption: ${msg}`;
      }
    }
    this.metrics.unschedulable++;
    this.attemptDone('unschedulable', fw, start);
    this.fail(qpi, fitError.message(), 'Unschedulable', new Set(fitError.unschedulablePlugins));
  }

  /** Records the nominated node on the pod (status.nominatedNodeName) so it tries that node first. */
  private nominate(pod: PodInfo, nodeName: string): void {
    if (nodeName === '') this.queue.deleteNominatedPodIfExists(pod);
    else this.queue.addNominatedPod(pod, nodeName);
    this.track(
      this.api
        .patch('pods', pod.namespace, pod.name, 'application/merge-patch+json', { status: { nominatedNodeName: nodeName === '' ? null : nodeName } }, { subresource: 'status' })
        .catch(() => undefined),
    );
  }

  /** Back to the queue with the PodScheduled=False condition and a FailedScheduling event. */
  private fail(qpi: QueuedPodInfo, message: string, reason: 'Unschedulable' | 'SchedulerError', plugins: Set<string>): void {
    const pod = qpi.pod;
    this.queue.addUnschedulableIfNotPresent(qpi, { unschedulablePlugins: plugins });
    this.armFlushes();
    this.event(pod, 'Warning', 'FailedScheduling', message);
    if (this.updateConditions) {
      const condition = { type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime: formatTime(this.clock.now()) };
      const current = pod.pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (current?.status === 'False' && current.reason === reason && current.message === message) return;
      this.track(
        this.api
          .patch('pods', pod.namespace, pod.name, 'application/strategic-merge-patch+json', { status: { conditions: [condition] } }, { subresource: 'status' })
          .catch(() => undefined),
      );
    }
  }

  private event(pod: PodInfo, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (!this.recordEvents) return;
    const involved = { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid };
    this.track(recordEvent(this.api, { involved, type, reason, message, at: this.clock.now(), component: this.schedulerNameOf(pod) }).catch(() => undefined));
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  // ---- driving it ----------------------------------------------------------------------------------------

  /** Waits until every binding, event and status update started so far has finished. */
  async waitForIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Schedules until no pod is ready (active queue empty) and all bindings have landed. Pods backing off or
   * unschedulable stay queued: the caller moves time (flushQueues) to retry them.
   */
  async runUntilIdle(): Promise<number> {
    let cycles = 0;
    for (;;) {
      let progressed = false;
      while (this.scheduleOne()) {
        progressed = true;
        cycles++;
        // Let bindings and informer deliveries run now and then, as the bind goroutines would.
        if (cycles % 256 === 0) await new Promise((r) => setImmediate(r));
      }
      await this.waitForIdle();
      if (!progressed) return cycles;
    }
  }

  /** When the next pod's backoff ends (ms on the clock), if any pod is backing off: a simulator's next stop. */
  nextWakeup(): number | undefined {
    return this.queue.nextWakeup();
  }

  /** Pods waiting in the queue: active, backing off, unschedulable. */
  pendingCounts(): { active: number; backoff: number; unschedulable: number } {
    const p = this.queue.pendingPods();
    return { active: p.active.length, backoff: p.backoff.length, unschedulable: p.unschedulable.length };
  }

  /** Pods per queue, gated pods (counted within unschedulable) included: scheduler_pending_pods reads it. */
  queueCounts(): QueueCounts {
    return this.queue.counts();
  }

  /** Moves pods whose backoff ended, and those unschedulable for too long, back to the active queue. */
  flushQueues(): void {
    this.queue.flushBackoffQCompleted();
    this.queue.flushUnschedulablePodsLeftover();
  }

  /**
   * Real time (drydock serve) and the simulator: schedules whenever pods are ready, flushes the backoff queue
   * every second and unschedulable leftovers every 30 s (scheduling_queue.go Run). The two loops are armed
   * only while their queue holds pods, and fire on the same grid (start + k·period) as loops that never stop
   * would, so they do the same work without a timer per idle second (a 150-day trace replay is 13M of them).
   */
  runForever(): void {
    this.gridStartMs = this.clock.now();
    this.live = true;
    this.kick();
  }

  private live = false;
  private gridStartMs = 0;
  private backoffTick: Timer | undefined;
  private leftoverTick: Timer | undefined;

  /** The next instant after now on the grid start + k·period. */
  private onGrid(periodMs: number, fn: () => void): Timer {
    const now = this.clock.now();
    const k = Math.floor((now - this.gridStartMs) / periodMs) + 1;
    return this.clock.setTimer(this.gridStartMs + k * periodMs - now, fn);
  }

  /** Arms the flush loops whose queues hold pods (called whenever pods may have entered them). */
  private armFlushes(): void {
    if (!this.live || this.stopped) return;
    const waiting = this.queue.waiting();
    if (this.backoffTick === undefined && waiting.backoff > 0) {
      this.backoffTick = this.onGrid(1000, () => {
        this.backoffTick = undefined;
        this.queue.flushBackoffQCompleted();
        this.kick();
      });
    }
    if (this.leftoverTick === undefined && waiting.unschedulable > 0) {
      this.leftoverTick = this.onGrid(30_000, () => {
        this.leftoverTick = undefined;
        this.queue.flushUnschedulablePodsLeftover();
        this.kick();
      });
    }
  }

  /** In real-time mode, makes sure a scheduling pass runs soon. */
  private kick(): void {
    this.armFlushes();
    if (!this.live || this.stopped || this.loopTimer !== undefined) return;
    this.loopTimer = this.clock.setTimer(0, () => {
      this.loopTimer = undefined;
      let n = 0;
      while (n < 100 && this.scheduleOne()) n++;
      if (n === 100) this.kick();
    });
  }

  /** While set, preemption only reports what it would evict (drydock explain). */
  private dryRun = false;

  /**
   * Preemption for an unschedulable explain-mode result, as a dry run: returns the PostFilter statuses
   * and results, evicting nothing and nominating nothing.
   */
  dryRunPostFilter(pod: Pod, schedulerName: string, state: CycleState, result: ScheduleResult & { kind: 'unschedulable' }): { status: Status; result?: unknown }[] {
    const fw = this.frameworks.get(schedulerName);
    if (fw === undefined) return [];
    this.dryRun = true;
    try {
      return fw.plugins.postFilter.map((p) => p.postFilter(state, makePodInfo(pod), this.snapshot, { reasonOfNode: result.fitError.reasonOfNode }));
    } finally {
      this.dryRun = false;
    }
  }

  /** Whether a profile of this scheduler serves pods with this schedulerName. */
  hasProfile(schedulerName: string): boolean {
    return this.frameworks.has(schedulerName);
  }

  /**
   * One explain-mode cycle for `pod` against the current cache (drydock explain, the dashboard's explain
   * view). A pod that is already bound is explained as if it were pending again: its own placement is taken
   * out of the snapshot for the cycle (and put back in the cache after it), so it does not compete with itself.
   */
  explain(pod: Pod, schedulerName = pod.spec?.schedulerName ?? 'default-scheduler'): { explanation: Explanation; result: ScheduleResult; state: CycleState; pending: Pod } {
    const fw = this.frameworks.get(schedulerName);
    if (fw === undefined) throw new Error(`no profile for schedulerName ${JSON.stringify(schedulerName)}`);
    const key = keyOf(pod);
    const placed = this.cache.placement(key);
    if (placed !== undefined) this.cache.removePod(key);
    try {
      this.snapshot.update(this.cache);
      const { nodeName: _bound, ...spec } = pod.spec;
      const pending = _bound === undefined ? pod : ({ ...pod, spec } as Pod);
      const state = new CycleState();
      const explanation: Explanation = { preFilter: [], nodes: [], selectedNode: null };
      const result = fw.schedulePod(state, makePodInfo(pending), this.snapshot, explanation);
      return { explanation, result, state, pending };
    } finally {
      if (placed !== undefined) this.cache.addPod(placed.info, placed.devices);
    }
  }
}
