// The scheduling queue, as kube-scheduler's PriorityQueue (k/k pkg/scheduler/backend/queue/scheduling_queue.go
// @b1ce15c, backoff_queue.go @65d9066, nominator.go; reference §1.4):
//
//   activeQ            heap ordered by the QueueSort plugin's less (PrioritySort), ties by insertion sequence;
//   backoffQ           heap ordered by backoff expiry (timestamp + backoffDuration(attempts)), ties by insertion;
//   unschedulablePods  map in insertion order: pods rejected in their last attempt, and pods a PreEnqueue
//                      plugin rejected ("gated").
//
// A popped pod is "in flight" until the scheduler calls done(key) (it was bound) or
// addUnschedulableIfNotPresent (it failed). Cluster events move unschedulable pods out only when a plugin that
// rejected the pod registered a matching event and its QueueingHint says Queue; pods whose backoff has not
// expired go to backoffQ. Nothing here reads the wall clock or starts a timer on its own: time is the injected
// Clock, and the owner either calls flushBackoffQCompleted at nextWakeup() or calls run() for upstream's
// 1 s / 30 s flush loops on that clock.
//
// Deviations from upstream, each deliberate:
// - A backoff completes AT its expiry (now >= expiry); upstream tests `!expiry.Before(now)` on a nanosecond
//   clock, where the exact instant never comes up. At millisecond resolution the upstream rule would make a
//   flush at nextWakeup() move nothing.
// - SchedulerPopFromBackoffQ (beta, on by default since 1.33: 1 s aligned windows, popping from backoffQ when
//   activeQ is empty) is not modelled: a backing-off pod never pops early.
// - Without an informer, an update of an in-flight pod replaces the pod on its QueuedPodInfo (what the
//   scheduler's failure handler does upstream by re-reading the informer cache).
import type { Json } from '../apiserver/strategy.js';
import type { Clock, Timer } from '../util/clock.js';
import {
  ActionType,
  ConfigError,
  SUCCESS,
  isSuccess,
  type ClusterEvent,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type EventResource,
  type Plugin,
  type PreEnqueuePlugin,
  type QueuedPodInfo,
  type Status,
} from './framework.js';
import { Heap } from './heap.js';
import type { PodInfo } from './podinfo.js';
import { NAME as SCHEDULING_GATES } from './plugins/schedulinggates.js';

/** podInitialBackoffSeconds=1, podMaxBackoffSeconds=10 (defaults.go@00fe7a3). */
export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
/** DefaultPodMaxInUnschedulablePodsDuration = 5 * time.Minute (scheduling_queue.go). */
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS = 5 * 60_000;
/** PriorityQueue.Run: flushBackoffQCompleted every 1 s, flushUnschedulablePodsLeftover every 30 s. */
export const BACKOFF_FLUSH_INTERVAL_MS = 1000;
export const UNSCHEDULABLE_FLUSH_INTERVAL_MS = 30_000;

/** The name recorded in unschedulablePlugins when a preEnqueue status names no plugin. */
/** What nominatedPodsForNode answers for a node without nominations (shared, never written). */
const NO_PODS: readonly PodInfo[] = Object.freeze([]);
const PRE_ENQUEUE = 'PreEnqueue';

/** EventUnschedulableTimeout / EventForceActivate: wildcard events (Resource "*", ActionType All). */
export const WILDCARD_EVENT: ClusterEvent = Object.freeze({ resource: '*', actions: ActionType.All });

export type QueueName = 'active' | 'backoff' | 'unschedulable';
/** Where a pod the queue knows about is: one of the three queues, or popped and not yet done. */
export type Where = QueueName | 'inFlight';

/** framework.QueuedPodInfo plus the fields upstream's QueuedPodInfo has and framework.ts does not. */
export interface QueuedPod extends QueuedPodInfo {
  /** Plugins that returned Pending in the last attempt: a Queue hint from one of them skips backoff. */
  pendingPlugins: Set<string>;
  /** A PreEnqueue plugin rejected the pod: it waits in unschedulablePods and never pops. */
  gated: boolean;
}

export interface SchedulingQueueOptions {
  readonly clock: Clock;
  /** The QueueSort plugin's less (PrioritySort: higher priority first, then earlier timestamp). */
  readonly less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** The profile's PreEnqueue plugins as one function (see preEnqueueChain); a failure gates the pod. */
  readonly preEnqueue?: ((pod: PodInfo) => Status) | undefined;
  readonly podInitialBackoffMs?: number;
  readonly podMaxBackoffMs?: number;
  readonly podMaxInUnschedulablePodsDurationMs?: number;
  /**
   * EnqueueExtensions per plugin name (see eventsToRegisterOf). A pod rejected only by plugins absent from
   * this map, or registered with no events, moves only on wildcard events and the 5-minute leftover flush.
   */
  readonly eventsToRegister: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
  /**
   * SchedulerQueueingHints (GA, locked on since 1.34): a pod failing its attempt is requeued by the events
   * seen while it was in flight, judged by its rejectors' hints. false = the older moveRequestCycle rule:
   * any event of interest during its cycle sends it to backoffQ.
   */
  readonly queueingHints?: boolean;
  /** Called after an operation that put pods into activeQ (upstream's cond.Broadcast). */
  readonly onActivated?: () => void;
}

/** Pods per queue, in pop order (active), expiry order (backoff) and insertion order (unschedulable). */
export interface PendingPods {
  readonly active: PodInfo[];
  readonly backoff: PodInfo[];
  readonly unschedulable: PodInfo[];
  /** upstream's pendingPodsSummary: "activeQ:%v; backoffQ:%v; unschedulablePods:%v". */
  readonly summary: string;
}

export interface QueueCounts {
  readonly active: number;
  readonly backoff: number;
  /** All of unschedulablePods, gated pods included. */
  readonly unschedulable: number;
  readonly gated: number;
  readonly inFlight: number;
}

export interface UnschedulableResult {
  /** Plugins that rejected the pod (Filter/PreFilter/Reserve/Permit ...). Empty = an error, not a rejection. */
  readonly unschedulablePlugins?: Iterable<string>;
  /** Plugins that returned Pending. */
  readonly pendingPlugins?: Iterable<string>;
  /** schedulingCycle right after the pop; defaults to the cycle the queue recorded at that pop. */
  readonly podSchedulingCycle?: number;
}

// queueingStrategy (scheduling_queue.go), ordered so that a larger value wins.
const QUEUE_SKIP = 0;
const QUEUE_AFTER_BACKOFF = 1;
const QUEUE_IMMEDIATELY = 2;
type Strategy = typeof QUEUE_SKIP | typeof QUEUE_AFTER_BACKOFF | typeof QUEUE_IMMEDIATELY;

interface Entry {
  readonly key: string;
  readonly qp: QueuedPod;
  /** 'none' while moving between places. */
  where: Where | 'none';
  /** In backoffQ: when its backoff completes (ms). */
  backoffExpiry: number;
  /** The scheduling cycle of its last pop. */
  cycle: number;
  /** Whether it has been in activeQ yet (initialAttemptTimestamp is set then). */
  activated: boolean;
  /** Its marker in the in-flight log while in flight (queueing hints only). */
  marker: FlightMarker | undefined;
}

interface FlightMarker {
  readonly kind: 'pod';
  /** Absolute position in the in-flight log. */
  readonly pos: number;
  live: boolean;
}

interface FlightEvent {
  readonly kind: 'event';
  readonly event: ClusterEvent;
  readonly oldObj: Json | undefined;
  readonly newObj: Json | undefined;
  /** A wildcard event meant for one pod only (ForceActivate). */
  readonly target: string | undefined;
}

export class SchedulingQueue {
  readonly podInitialBackoffMs: number;
  readonly podMaxBackoffMs: number;
  readonly podMaxInUnschedulablePodsDurationMs: number;
  readonly queueingHints: boolean;

  private readonly clock: Clock;
  private readonly less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  private readonly preEnqueueFn: ((pod: PodInfo) => Status) | undefined;
  private readonly registrations: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
  /** Every registered event, for isEventOfInterest. */
  private readonly allEvents: readonly ClusterEvent[];
  private readonly onActivated: (() => void) | undefined;

  private readonly entries = new Map<string, Entry>();
  private readonly activeQ: Heap<Entry>;
  private readonly backoffQ: Heap<Entry>;
  private readonly unschedulablePods = new Map<string, Entry>();
  /** QueuedPodInfos whose pod was deleted while in flight: their failure is not requeued. */
  private readonly deletedInFlight = new WeakSet<QueuedPodInfo>();

  private schedCycle = 0;
  /** The cycle of the last move request (moveRequestCycle), for queueingHints: false. */
  private moveRequestCycle = -1;
  private inFlightCount = 0;
  /** inFlightEvents: pods' pop markers interleaved with the events seen after them. */
  private flightLog: (FlightMarker | FlightEvent)[] = [];
  private flightHead = 0;
  private flightBase = 0;
  private activatedSinceNotify = false;

  // nominator (nominator.go): node name → keys in nomination order, and the reverse.
  private readonly nominatedPods = new Map<string, string[]>();
  private readonly nominatedPodToNode = new Map<string, string>();
  private readonly nominatedInfo = new Map<string, PodInfo>();

  constructor(options: SchedulingQueueOptions) {
    this.clock = options.clock;
    this.less = options.less;
    this.preEnqueueFn = options.preEnqueue;
    this.podInitialBackoffMs = options.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.podMaxBackoffMs = options.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.podMaxInUnschedulablePodsDurationMs = options.podMaxInUnschedulablePodsDurationMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS;
    this.queueingHints = options.queueingHints ?? true;
    this.onActivated = options.onActivated;
    if (!(this.podInitialBackoffMs > 0)) throw new ConfigError(`podInitialBackoffMs: must be greater than 0, got ${this.podInitialBackoffMs}`);
    if (!(this.podMaxBackoffMs >= this.podInitialBackoffMs)) {
      throw new ConfigError(`podMaxBackoffMs: must be at least podInitialBackoffMs (${this.podInitialBackoffMs}), got ${this.podMaxBackoffMs}`);
    }
    if (!(this.podMaxInUnschedulablePodsDurationMs > 0)) {
      throw new ConfigError(`podMaxInUnschedulablePodsDurationMs: must be greater than 0, got ${this.podMaxInUnschedulablePodsDurationMs}`);
    }
    this.registrations = options.eventsToRegister;
    const all: ClusterEvent[] = [];
    for (const regs of this.registrations.values()) for (const r of regs) all.push(r.event);
    this.allEvents = all;
    const less = this.less;
    this.activeQ = new Heap<Entry>((a, b) => less(a.qp, b.qp), (e) => e.key);
    this.backoffQ = new Heap<Entry>((a, b) => a.backoffExpiry < b.backoffExpiry, (e) => e.key);
  }

  // ---- the scheduler's side ----------------------------------------------------------------------------

  /** The number of pops so far; a pod's scheduling cycle is this value right after its pop. */
  get schedulingCycle(): number {
    return this.schedCycle;
  }

  /**
   * The head of activeQ, now in flight, or undefined when activeQ is empty (non-blocking: the scheduler loop
   * drives the queue). Counts an attempt and clears last attempt's rejectors (active_queue.go unlockedPop).
   */
  pop(): QueuedPod | undefined {
    const e = this.activeQ.pop();
    if (e === undefined) return undefined;
    const qp = e.qp;
    qp.attempts++;
    this.schedCycle++;
    e.cycle = this.schedCycle;
    qp.unschedulablePlugins.clear();
    qp.pendingPlugins.clear();
    e.where = 'inFlight';
    this.inFlightCount++;
    if (this.queueingHints) {
      const marker: FlightMarker = { kind: 'pod', pos: this.flightBase + this.flightLog.length, live: true };
      this.flightLog.push(marker);
      e.marker = marker;
    }
    return qp;
  }

  /** The in-flight pod was handled for good (bound): it leaves the queue. No-op if it is not in flight. */
  done(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined || e.where !== 'inFlight') return;
    this.endFlight(e);
    e.where = 'none';
    this.entries.delete(key);
  }

  /**
   * Requeues an in-flight pod whose attempt failed (AddUnschedulableIfNotPresent). Its timestamp becomes now.
   * With queueing hints, the events seen while it was in flight decide: one that its rejectors' hints say
   * Queue to sends it to backoffQ (or activeQ if its backoff is over, or straight to activeQ for a Pending
   * plugin); otherwise unschedulablePods. Without hints: backoffQ if a move request came during its cycle or
   * it has no rejectors, else unschedulablePods. Returns where it went, or undefined when it was not requeued
   * (deleted while in flight, or already queued).
   */
  addUnschedulableIfNotPresent(qpi: QueuedPodInfo, result: UnschedulableResult = {}): QueueName | undefined {
    if (this.deletedInFlight.has(qpi)) return undefined;
    const key = qpi.pod.key;
    let e = this.entries.get(key);
    if (e === undefined) {
      e = this.adopt(qpi);
    } else if (e.qp !== qpi || e.where !== 'inFlight') {
      return undefined; // upstream: "Pod ... is already present in the active/backoff/unschedulable queue"
    }
    const qp = e.qp;
    if (result.unschedulablePlugins !== undefined) replaceSet(qp.unschedulablePlugins, result.unschedulablePlugins);
    if (result.pendingPlugins !== undefined) replaceSet(qp.pendingPlugins, result.pendingPlugins);
    qp.timestamp = this.clock.now(); // "Refresh the timestamp since the pod is re-added."
    const cycle = result.podSchedulingCycle ?? e.cycle;

    let where: QueueName;
    if (this.queueingHints) {
      const strategy = this.hintForInFlightPod(e);
      this.endFlight(e);
      e.where = 'none';
      where = this.requeue(e, strategy);
    } else {
      const rejectors = qp.unschedulablePlugins.size + qp.pendingPlugins.size;
      this.endFlight(e);
      e.where = 'none';
      where = this.moveRequestCycle >= cycle || rejectors === 0 ? 'backoff' : 'unschedulable';
      this.place(e, where);
    }
    this.notify();
    return where;
  }

  // ---- informer side: pods ----------------------------------------------------------------------------

  /** A new pending pod: to activeQ, or parked as gated in unschedulablePods if a PreEnqueue plugin says no. */
  add(pod: PodInfo): void {
    const existing = this.entries.get(pod.key);
    if (existing !== undefined) {
      this.update(existing.qp.pod, pod);
      return;
    }
    const e = this.newEntry(pod);
    this.moveToActiveQ(e, true);
    this.notify();
  }

  /**
   * The pod changed. In activeQ / backoffQ it is updated in place. In unschedulablePods the update is an
   * event (PodSchedulingPropertiesChange) judged by the pod's rejectors' hints, so removing the last
   * scheduling gate moves a gated pod to activeQ. An unknown pod is added as new.
   */
  update(oldPod: PodInfo | undefined, newPod: PodInfo): void {
    const key = newPod.key;
    const e = this.entries.get(key);
    if (e === undefined) {
      this.moveToActiveQ(this.newEntry(newPod), true);
      this.notify();
      return;
    }
    const old = oldPod ?? e.qp.pod;
    e.qp.pod = newPod;
    this.updateNominatedPod(old, newPod);
    switch (e.where) {
      case 'inFlight':
        if (this.queueingHints) {
          // addEventsIfPodInFlight: judged when the attempt ends.
          for (const event of podSchedulingPropertiesChange(old, newPod)) this.pushFlightEvent(event, asJson(old.pod), asJson(newPod.pod), undefined);
        }
        return;
      case 'active':
        this.activeQ.fix(key);
        return;
      case 'backoff':
        return; // its expiry depends on timestamp and attempts only
      case 'unschedulable':
        break;
      case 'none':
        throw new Error(`SchedulingQueue: pod ${key} is between queues during update`);
    }
    if (this.queueingHints) {
      let strategy: Strategy = QUEUE_SKIP;
      for (const event of podSchedulingPropertiesChange(old, newPod)) {
        const s = this.isPodWorthRequeuing(e, event, asJson(old.pod), asJson(newPod.pod), undefined);
        if (s > strategy) strategy = s;
        if (strategy === QUEUE_IMMEDIATELY) break;
      }
      if (strategy !== QUEUE_SKIP) {
        this.detach(e);
        this.requeue(e, strategy);
      }
    } else if (isPodUpdated(old, newPod)) {
      if (this.isPodBackingOff(e.qp)) this.place(e, 'backoff');
      else this.moveToActiveQ(e, false);
    }
    this.notify();
  }

  /** The pod is gone: removed from wherever it is (an in-flight pod's failure will then not be requeued). */
  delete(pod: PodInfo | string): void {
    const key = typeof pod === 'string' ? pod : pod.key;
    this.deleteNominatedPodIfExists(key);
    const e = this.entries.get(key);
    if (e === undefined) return;
    if (e.where === 'inFlight') this.deletedInFlight.add(e.qp);
    this.detach(e);
    e.where = 'none';
    this.entries.delete(key);
  }

  /**
   * Moves these pods from unschedulablePods or backoffQ to activeQ (ForceActivate), PreEnqueue permitting.
   * For a pod in flight it records a ForceActivate event so that a failure requeues it.
   */
  activate(pods: Iterable<PodInfo>): void {
    for (const pod of pods) {
      const e = this.entries.get(pod.key);
      if (e !== undefined && (e.where === 'unschedulable' || e.where === 'backoff')) {
        this.moveToActiveQ(e, false);
        continue;
      }
      if (e !== undefined && e.where === 'inFlight' && this.queueingHints) this.pushFlightEvent(WILDCARD_EVENT, undefined, asJson(pod.pod), pod.key);
      this.moveRequestCycle = this.schedCycle;
    }
    this.notify();
  }

  // ---- informer side: cluster events -------------------------------------------------------------------

  /**
   * A cluster event (node added, pod deleted ...): every pod in unschedulablePods whose rejectors registered
   * a matching event with a Queue hint moves to activeQ, or backoffQ while its backoff lasts. `preCheck`
   * (PreEnqueueCheck) narrows the candidates.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj?: Json, newObj?: Json, preCheck?: (pod: PodInfo) => boolean): void {
    if (!this.isEventOfInterest(event)) return;
    const candidates: Entry[] = [];
    for (const e of this.unschedulablePods.values()) if (preCheck === undefined || preCheck(e.qp.pod)) candidates.push(e);
    this.movePodsToActiveOrBackoffQueue(candidates, event, oldObj, newObj, undefined);
    this.notify();
  }

  /** Moves every pod whose backoff has completed (expiry <= now) from backoffQ to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.clock.now();
    for (;;) {
      const e = this.backoffQ.peek();
      if (e === undefined || e.backoffExpiry > now) break;
      this.backoffQ.pop();
      e.where = 'none';
      this.moveToActiveQ(e, false);
    }
    this.notify();
  }

  /** Pods in unschedulablePods for longer than podMaxInUnschedulablePodsDuration move on (a wildcard event). */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    const stale: Entry[] = [];
    for (const e of this.unschedulablePods.values()) {
      if (now - e.qp.timestamp > this.podMaxInUnschedulablePodsDurationMs) stale.push(e);
    }
    if (stale.length > 0) this.movePodsToActiveOrBackoffQueue(stale, WILDCARD_EVENT, undefined, undefined, undefined);
    this.notify();
  }

  /** When the earliest backoff in backoffQ completes, so a simulator can set one timer instead of polling. */
  nextWakeup(): number | undefined {
    return this.backoffQ.peek()?.backoffExpiry;
  }

  /**
   * Upstream's Run on the injected clock: flushBackoffQCompleted now and every 1 s, flushUnschedulablePodsLeftover
   * now and every 30 s. Cancel the returned timer to stop.
   */
  run(): Timer {
    let stopped = false;
    let backoffTimer: Timer | undefined;
    let leftoverTimer: Timer | undefined;
    const backoffTick = (): void => {
      if (stopped) return;
      this.flushBackoffQCompleted();
      backoffTimer = this.clock.setTimer(BACKOFF_FLUSH_INTERVAL_MS, backoffTick);
    };
    const leftoverTick = (): void => {
      if (stopped) return;
      this.flushUnschedulablePodsLeftover();
      leftoverTimer = this.clock.setTimer(UNSCHEDULABLE_FLUSH_INTERVAL_MS, leftoverTick);
    };
    backoffTick();
    leftoverTick();
    return {
      cancel: () => {
        stopped = true;
        backoffTimer?.cancel();
        leftoverTimer?.cancel();
      },
    };
  }

  /** calculateBackoffDuration: 0 before any attempt, then initial doubled per attempt, capped at max. */
  backoffDuration(attempts: number): number {
    if (attempts <= 0) return 0;
    const max = this.podMaxBackoffMs;
    let duration = this.podInitialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      // "Use subtraction instead of addition or multiplication to avoid overflow."
      if (duration > max - duration) return max;
      duration += duration;
    }
    return duration;
  }

  // ---- inspection --------------------------------------------------------------------------------------

  pendingPods(): PendingPods {
    const active = this.activeQ.sorted().map((e) => e.qp.pod);
    const backoff = this.backoffQ.sorted().map((e) => e.qp.pod);
    const unschedulable = [...this.unschedulablePods.values()].map((e) => e.qp.pod);
    return { active, backoff, unschedulable, summary: `activeQ:${active.length}; backoffQ:${backoff.length}; unschedulablePods:${unschedulable.length}` };
  }

  /** Pods in backoffQ and in unschedulablePods (O(1): what the flush loops need to know). */
  waiting(): { backoff: number; unschedulable: number } {
    return { backoff: this.backoffQ.size, unschedulable: this.unschedulablePods.size };
  }

  counts(): QueueCounts {
    let gated = 0;
    for (const e of this.unschedulablePods.values()) if (e.qp.gated) gated++;
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulablePods.size, gated, inFlight: this.inFlightCount };
  }

  /** Where the pod with this key is, or undefined if the queue does not hold it. */
  where(key: string): Where | undefined {
    const w = this.entries.get(key)?.where;
    return w === 'none' ? undefined : w;
  }

  /** The queue's record of a pod (GetPod), for tests and explanations. */
  getPod(key: string): QueuedPod | undefined {
    return this.entries.get(key)?.qp;
  }

  inFlightPods(): PodInfo[] {
    const out: PodInfo[] = [];
    for (const e of this.entries.values()) if (e.where === 'inFlight') out.push(e.qp.pod);
    return out;
  }

  // ---- nominator (for preemption) -----------------------------------------------------------------------

  /**
   * Records that `pod` is nominated to run on a node: `nominatedNodeName` if given ('' clears the
   * nomination), else the pod's status.nominatedNodeName. A pod already bound is not nominated.
   */
  addNominatedPod(pod: PodInfo, nominatedNodeName?: string): void {
    this.deleteNominatedPodIfExists(pod.key);
    const nodeName = nominatedNodeName ?? pod.pod.status?.nominatedNodeName ?? '';
    if (nodeName === '' || pod.nodeName !== undefined) return;
    this.nominatedPodToNode.set(pod.key, nodeName);
    this.nominatedInfo.set(pod.key, pod);
    const list = this.nominatedPods.get(nodeName);
    if (list === undefined) this.nominatedPods.set(nodeName, [pod.key]);
    else list.push(pod.key);
  }

  deleteNominatedPodIfExists(pod: PodInfo | string): void {
    const key = typeof pod === 'string' ? pod : pod.key;
    const node = this.nominatedPodToNode.get(key);
    if (node === undefined) return;
    const list = this.nominatedPods.get(node);
    if (list !== undefined) {
      const i = list.indexOf(key);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.nominatedPods.delete(node);
    }
    this.nominatedPodToNode.delete(key);
    this.nominatedInfo.delete(key);
  }

  /** True when any pod is nominated to a node (lets the scheduler skip per-node nominator lookups). */
  hasNominatedPods(): boolean {
    return this.nominatedPodToNode.size > 0;
  }

  /** Pods nominated to this node, in nomination order, as their latest PodInfo. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    const list = this.nominatedPods.get(nodeName);
    if (list === undefined) return NO_PODS;
    return list.map((key) => this.nominatedInfo.get(key)!);
  }

  /** The node a pod is nominated to, if any. */
  nominatedNodeOf(key: string): string | undefined {
    return this.nominatedPodToNode.get(key);
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private newEntry(pod: PodInfo): Entry {
    const now = this.clock.now();
    const qp: QueuedPod = {
      pod,
      timestamp: now,
      attempts: 0,
      initialAttemptTimestamp: now,
      unschedulablePlugins: new Set(),
      pendingPlugins: new Set(),
      gated: false,
    };
    const e: Entry = { key: pod.key, qp, where: 'none', backoffExpiry: 0, cycle: 0, activated: false, marker: undefined };
    this.entries.set(e.key, e);
    return e;
  }

  /** A QueuedPodInfo this queue never popped (callers replaying upstream tests): treated as in flight. */
  private adopt(qpi: QueuedPodInfo): Entry {
    const qp: QueuedPod = { ...qpi, pendingPlugins: new Set(), gated: false };
    const e: Entry = { key: qp.pod.key, qp, where: 'inFlight', backoffExpiry: 0, cycle: this.schedCycle, activated: true, marker: undefined };
    this.entries.set(e.key, e);
    this.inFlightCount++;
    return e;
  }

  /**
   * moveToActiveQ: runs PreEnqueue; a rejected pod is parked in unschedulablePods (unless it already sits in
   * activeQ or backoffQ), an accepted one goes to activeQ. True if it is now in activeQ.
   */
  private moveToActiveQ(e: Entry, nominate: boolean): boolean {
    const qp = e.qp;
    const s = this.preEnqueueFn?.(qp.pod);
    qp.gated = s !== undefined && !isSuccess(s);
    if (s !== undefined && qp.gated) {
      qp.unschedulablePlugins.add(s.plugin ?? PRE_ENQUEUE);
      if (e.where === 'active' || e.where === 'backoff') return false;
      this.place(e, 'unschedulable');
      return false;
    }
    if (!e.activated) {
      e.activated = true;
      qp.initialAttemptTimestamp = this.clock.now();
    }
    this.place(e, 'active');
    this.activatedSinceNotify = true;
    if (nominate) this.addNominatedPod(qp.pod);
    return true;
  }

  /** requeuePodViaQueueingHint: `e` is detached; returns where it went. */
  private requeue(e: Entry, strategy: Strategy): QueueName {
    if (strategy === QUEUE_SKIP) {
      this.place(e, 'unschedulable');
      return 'unschedulable';
    }
    // "Pod might have completed its backoff time while being in unschedulablePods."
    if (strategy === QUEUE_AFTER_BACKOFF && this.isPodBackingOff(e.qp)) {
      this.place(e, 'backoff');
      return 'backoff';
    }
    return this.moveToActiveQ(e, false) ? 'active' : 'unschedulable';
  }

  /** movePodsToActiveOrBackoffQueue: `list` are entries in unschedulablePods. */
  private movePodsToActiveOrBackoffQueue(
    list: readonly Entry[],
    event: ClusterEvent,
    oldObj: Json | undefined,
    newObj: Json | undefined,
    target: string | undefined,
  ): void {
    if (!this.isEventOfInterest(event)) return;
    for (const e of list) {
      // Scheduling-gated pods never become schedulable through cluster events, only through their own
      // update (kubernetes/kubernetes#124384).
      if (e.qp.gated && e.qp.unschedulablePlugins.has(SCHEDULING_GATES)) continue;
      const strategy = this.isPodWorthRequeuing(e, event, oldObj, newObj, target);
      if (strategy === QUEUE_SKIP) continue;
      this.detach(e);
      this.requeue(e, strategy);
    }
    this.moveRequestCycle = this.schedCycle;
    // AddUnschedulableIfNotPresent of pods in flight needs to know about this event.
    this.pushFlightEvent(event, oldObj, newObj, target);
  }

  private isEventOfInterest(event: ClusterEvent): boolean {
    if (isWildCard(event)) return true;
    for (const registered of this.allEvents) if (eventMatches(registered, event)) return true;
    return false;
  }

  /** isPodWorthRequeuing: the strongest strategy the pod's rejectors' hints give for this event. */
  private isPodWorthRequeuing(e: Entry, event: ClusterEvent, oldObj: Json | undefined, newObj: Json | undefined, target: string | undefined): Strategy {
    const qp = e.qp;
    if (qp.unschedulablePlugins.size === 0 && qp.pendingPlugins.size === 0) return QUEUE_AFTER_BACKOFF;
    if (isWildCard(event)) return target !== undefined && target !== e.key ? QUEUE_SKIP : QUEUE_AFTER_BACKOFF;
    // A Queue from a Pending plugin means queueImmediately; from an Unschedulable one, queueAfterBackoff.
    for (const plugin of qp.pendingPlugins) {
      if (this.pluginSaysQueue(plugin, qp.pod, event, oldObj, newObj)) return QUEUE_IMMEDIATELY;
    }
    for (const plugin of qp.unschedulablePlugins) {
      if (qp.pendingPlugins.has(plugin)) continue;
      if (this.pluginSaysQueue(plugin, qp.pod, event, oldObj, newObj)) return QUEUE_AFTER_BACKOFF;
    }
    return QUEUE_SKIP;
  }

  private pluginSaysQueue(plugin: string, pod: PodInfo, event: ClusterEvent, oldObj: Json | undefined, newObj: Json | undefined): boolean {
    const registered = this.registrations.get(plugin);
    if (registered === undefined) return false;
    for (const r of registered) {
      if (!eventMatches(r.event, event)) continue;
      // No hint function: the event always requeues (defaultQueueingHintFn).
      if (r.hint === undefined || r.hint(pod, oldObj, newObj) === 'Queue') return true;
    }
    return false;
  }

  /** determineSchedulingHintForInFlightPod: judges the events seen since the pod's pop. */
  private hintForInFlightPod(e: Entry): Strategy {
    const qp = e.qp;
    if (qp.unschedulablePlugins.size === 0 && qp.pendingPlugins.size === 0) return QUEUE_AFTER_BACKOFF;
    const marker = e.marker;
    if (marker === undefined) return QUEUE_AFTER_BACKOFF; // upstream: "in flight Pod isn't found" → retry
    let strategy: Strategy = QUEUE_SKIP;
    const log = this.flightLog;
    for (let i = marker.pos - this.flightBase + 1; i < log.length; i++) {
      const item = log[i]!;
      if (item.kind !== 'event') continue;
      const s = this.isPodWorthRequeuing(e, item.event, item.oldObj, item.newObj, item.target);
      if (s === QUEUE_IMMEDIATELY) return s;
      if (s === QUEUE_AFTER_BACKOFF) {
        strategy = s;
        if (qp.pendingPlugins.size === 0) return s;
      }
    }
    return strategy;
  }

  private pushFlightEvent(event: ClusterEvent, oldObj: Json | undefined, newObj: Json | undefined, target: string | undefined): void {
    if (!this.queueingHints || this.inFlightCount === 0) return;
    this.flightLog.push({ kind: 'event', event, oldObj, newObj, target });
  }

  /** The pod leaves flight: its marker dies and events no live marker precedes are dropped. */
  private endFlight(e: Entry): void {
    if (e.where !== 'inFlight') return;
    this.inFlightCount--;
    const marker = e.marker;
    if (marker === undefined) return;
    marker.live = false;
    e.marker = undefined;
    const log = this.flightLog;
    let head = this.flightHead;
    while (head < log.length) {
      const item = log[head]!;
      if (item.kind === 'pod' && item.live) break;
      head++;
    }
    if (head === log.length) {
      this.flightBase += head;
      this.flightLog = [];
      this.flightHead = 0;
    } else if (head > 1024 && head * 2 > log.length) {
      this.flightLog = log.slice(head);
      this.flightBase += head;
      this.flightHead = 0;
    } else {
      this.flightHead = head;
    }
  }

  private isPodBackingOff(qp: QueuedPodInfo): boolean {
    if (qp.attempts === 0) return false;
    return this.clock.now() < qp.timestamp + this.backoffDuration(qp.attempts);
  }

  /** Moves `e` to `to`, out of wherever it was. */
  private place(e: Entry, to: QueueName): void {
    if (e.where === to) return;
    this.detach(e);
    e.where = to;
    switch (to) {
      case 'active':
        this.activeQ.push(e);
        break;
      case 'backoff':
        e.backoffExpiry = e.qp.timestamp + this.backoffDuration(e.qp.attempts);
        this.backoffQ.push(e);
        break;
      case 'unschedulable':
        this.unschedulablePods.set(e.key, e);
        break;
    }
  }

  private detach(e: Entry): void {
    switch (e.where) {
      case 'active':
        this.activeQ.delete(e.key);
        break;
      case 'backoff':
        this.backoffQ.delete(e.key);
        break;
      case 'unschedulable':
        this.unschedulablePods.delete(e.key);
        break;
      case 'inFlight':
        this.endFlight(e);
        break;
      case 'none':
        break;
    }
    e.where = 'none';
  }

  private updateNominatedPod(oldPod: PodInfo, newPod: PodInfo): void {
    // An update without nominatedNodeName right after a nomination in memory keeps the nomination.
    let override: string | undefined;
    if ((oldPod.pod.status?.nominatedNodeName ?? '') === '' && (newPod.pod.status?.nominatedNodeName ?? '') === '') {
      override = this.nominatedPodToNode.get(oldPod.key);
    }
    this.deleteNominatedPodIfExists(oldPod.key);
    this.addNominatedPod(newPod, override);
  }

  private notify(): void {
    if (!this.activatedSinceNotify) return;
    this.activatedSinceNotify = false;
    this.onActivated?.();
  }
}

// ---- events ---------------------------------------------------------------------------------------------

/** ClusterEvent.IsWildCard. */
export function isWildCard(event: ClusterEvent): boolean {
  return event.resource === '*' && event.actions === ActionType.All;
}

/** ClusterEvent.Match: does a registered event cover an incoming one? "Pod" covers assigned pods too. */
export function eventMatches(registered: ClusterEvent, incoming: ClusterEvent): boolean {
  return isWildCard(registered) || (resourceMatches(registered.resource, incoming.resource) && (registered.actions & incoming.actions) !== 0);
}

function resourceMatches(registered: EventResource, incoming: EventResource): boolean {
  return registered === '*' || registered === incoming || (registered === 'Pod' && incoming === 'AssignedPod');
}

/**
 * PodSchedulingPropertiesChange (framework/events.go): the UpdatePodXYZ events an update of a pod makes, in
 * upstream's order, or the general Update when none applies.
 */
export function podSchedulingPropertiesChange(oldPod: PodInfo, newPod: PodInfo): ClusterEvent[] {
  const resource: EventResource = newPod.nodeName !== undefined ? 'AssignedPod' : 'Pod';
  const events: ClusterEvent[] = [];
  if (!sameStringMap(oldPod.labels, newPod.labels)) events.push({ resource, actions: ActionType.UpdatePodLabel });
  if (scaledDown(oldPod, newPod)) events.push({ resource, actions: ActionType.UpdatePodScaleDown });
  const oldGates = oldPod.pod.spec.schedulingGates?.length ?? 0;
  const newGates = newPod.pod.spec.schedulingGates?.length ?? 0;
  if (newGates === 0 && oldGates !== 0) events.push({ resource, actions: ActionType.UpdatePodSchedulingGatesEliminated });
  // Tolerations can only be added (API validation), so a length change is any change.
  if (oldPod.tolerations.length !== newPod.tolerations.length) events.push({ resource, actions: ActionType.UpdatePodToleration });
  // events.go PodSchedulingPropertiesChange: "When no specific event is found, we use AssignedPodOtherUpdate,
  // which should only trigger plugins registering a general Pod/Update event."
  if (events.length === 0) events.push({ resource, actions: ActionType.UpdatePodOther });
  return events;
}

/** extractPodScaleDown: some request went down or away. */
function scaledDown(oldPod: PodInfo, newPod: PodInfo): boolean {
  if (oldPod.cpu > newPod.cpu || oldPod.memory > newPod.memory || oldPod.ephemeralStorage > newPod.ephemeralStorage) return true;
  if (oldPod.gpuMilli > newPod.gpuMilli) return true;
  for (const [name, amount] of oldPod.scalars) {
    const now = newPod.scalars.get(name);
    if (now === undefined || amount > now) return true;
  }
  return false;
}

function sameStringMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k] || !Object.hasOwn(b, k)) return false;
  return true;
}

/**
 * isPodUpdated (queueingHints: false): anything but status, resourceVersion, generation, managedFields and
 * finalizers changed.
 */
function isPodUpdated(oldPod: PodInfo, newPod: PodInfo): boolean {
  const strip = (p: PodInfo): unknown => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, finalizers: _f, ...meta } = (p.pod.metadata ?? {}) as Record<string, unknown>;
    return { meta, spec: p.pod.spec };
  };
  return !deepEqual(strip(oldPod), strip(newPod));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!deepEqual(ra[k], rb[k])) return false;
  return true;
}

function asJson(obj: object): Json {
  return obj as unknown as Json;
}

function replaceSet(target: Set<string>, values: Iterable<string>): void {
  const copy = [...values]; // `values` may be `target` itself
  target.clear();
  for (const v of copy) target.add(v);
}

// ---- wiring helpers for the framework ---------------------------------------------------------------------

/**
 * The profile's PreEnqueue plugins as the queue's `preEnqueue`: the first non-success status, with the
 * plugin's name in `plugin` (runPreEnqueuePlugins). Undefined when there are none.
 */
export function preEnqueueChain(plugins: readonly PreEnqueuePlugin[]): ((pod: PodInfo) => Status) | undefined {
  if (plugins.length === 0) return undefined;
  return (pod) => {
    for (const pl of plugins) {
      const s = pl.preEnqueue(pod);
      if (!isSuccess(s)) return { code: s.code, reasons: s.reasons, plugin: pl.name };
    }
    return SUCCESS;
  };
}

/**
 * EventsToRegister per plugin, as the framework builds it: a plugin without EnqueueExtensions is interested
 * in every event (upstream registers all cluster events for it); one that implements it and returns no
 * events is never requeued by events.
 */
export function eventsToRegisterOf(plugins: readonly Plugin[]): Map<string, ClusterEventWithHint[]> {
  const out = new Map<string, ClusterEventWithHint[]>();
  for (const pl of plugins) {
    const ext = pl as Partial<EnqueueExtensions>;
    const events = typeof ext.eventsToRegister === 'function' ? ext.eventsToRegister() : [{ event: WILDCARD_EVENT }];
    if (!out.has(pl.name)) out.set(pl.name, [...events]);
  }
  return out;
}
