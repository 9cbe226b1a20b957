// Runs one scheduler_perf workload through the whole control plane: every pod is created through the API
// server into the store, seen by the scheduler's informers, scheduled and bound through pods/binding (with
// events and status updates, as the real path does). Throughput is scheduler_perf's SchedulingThroughput:
// measured pods ÷ the time from the first measured create to the last bind. Time inside the control plane
// is virtual (backoff waits advance the clock instead of sleeping); the throughput is wall time.
import { ApiServer } from '../apiserver/apiserver.js';
import { SharedInformerFactory } from '../apiserver/informer.js';
import { createScheduler, type Scheduler } from '../scheduler/index.js';
import { asyncStore } from '../store/embedded.js';
import { MvccStore } from '../store/mvcc.js';
import type { Store } from '../store/types.js';
import { ManualClock } from '../util/clock.js';
import { seededRng } from '../util/rng.js';
import type { BenchCase, PodGroup } from './cases.js';

export interface CaseResult {
  readonly case: string;
  readonly nodes: number;
  readonly initPods: number;
  readonly measuredPods: number;
  readonly seconds: number;
  /** The whole case: cluster start, nodes, init pods and the measured pods. */
  readonly wallSeconds: number;
  readonly podsPerSecond: number;
  readonly threshold: number;
  readonly ratio: number;
  readonly peakRssBytes: number;
  readonly schedulerOnly: boolean;
  readonly note?: string;
}

export interface RunOptions {
  readonly seed?: number;
  /** Measure scheduling alone, with the measured pods already created and queued. */
  readonly schedulerOnly?: boolean;
  /** Keep the cluster for inspection (tests). */
  readonly keep?: (api: ApiServer, scheduler: Scheduler) => Promise<void>;
  /** Another store (etcd) and the key prefix there; default: an embedded store on the case's clock. */
  readonly store?: Store;
  readonly storagePrefix?: string;
  /** Told when the measured phase starts and when it has ended, outside its timing (bench:profile profiles just that phase). */
  readonly onMeasure?: (phase: 'start' | 'end') => void;
}

/**
 * scheduler_perf's scheduler runs while the pods are being created. One thread here: every CREATE_CHUNK
 * creates, the scheduler schedules whatever is ready (and its bindings complete) before creation goes on.
 * The interleaving is fixed, so runs stay identical; the queue never holds more than a chunk of new pods.
 */
export const CREATE_CHUNK = 500;

async function createGroup(api: ApiServer, g: PodGroup, scheduler?: Scheduler): Promise<void> {
  for (let i = 0; i < g.count; i++) {
    const pod = g.template(i);
    await api.create('pods', { ...pod, metadata: { ...(pod['metadata'] as object), namespace: g.namespace } });
    if (scheduler !== undefined && (i + 1) % CREATE_CHUNK === 0) await scheduler.runUntilIdle();
  }
}

/**
 * Schedules until `target` more pods are bound than `base`, moving the virtual clock to the next backoff
 * expiry whenever nothing is ready. Throws if the workload can never finish.
 */
async function driveUntilBound(scheduler: Scheduler, clock: ManualClock, target: number): Promise<void> {
  for (let stalls = 0; scheduler.metrics.scheduled < target; ) {
    const before = scheduler.metrics.scheduled;
    await scheduler.runUntilIdle();
    if (scheduler.metrics.scheduled >= target) return;
    const wake = scheduler.nextWakeup();
    const pending = scheduler.pendingCounts();
    if (wake !== undefined) clock.advance(Math.max(0, wake - clock.now()));
    else if (pending.unschedulable > 0) clock.advance(5 * 60_000); // the unschedulable leftover flush
    scheduler.flushQueues();
    stalls = scheduler.metrics.scheduled === before ? stalls + 1 : 0;
    if (stalls > 50) {
      throw new Error(`stuck at ${scheduler.metrics.scheduled} of ${target} bound pods (queue: ${JSON.stringify(pending)})`);
    }
  }
}

export async function runCase(c: BenchCase, options: RunOptions = {}): Promise<CaseResult> {
  const caseStart = process.hrtime.bigint();
  const seed = options.seed ?? 1;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const api = new ApiServer({
    store: options.store ?? asyncStore(new MvccStore({ clock })),
    ...(options.storagePrefix !== undefined ? { storagePrefix: options.storagePrefix } : {}),
    clock,
    rng: seededRng(seed),
  });
  await api.bootstrap();
  for (const ns of ['sched-0', 'sched-1']) await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await api.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'perf-high' }, value: 10 });
  const scheduler = createScheduler({ api, informers: new SharedInformerFactory(api), clock, rng: seededRng(seed + 1) });
  await scheduler.start();
  for (let i = 0; i < c.nodes; i++) await api.create('nodes', c.node(i));
  for (const n of c.extraNodes ?? []) await api.create('nodes', n);
  let initPods = 0;
  for (const g of c.init) {
    await createGroup(api, g, scheduler);
    initPods += g.count;
  }
  await driveUntilBound(scheduler, clock, initPods);
  if (c.background !== undefined) {
    await createGroup(api, c.background);
    await scheduler.runUntilIdle();
  }
  const base = scheduler.metrics.scheduled;
  let start: bigint;
  if (options.schedulerOnly) {
    await createGroup(api, c.measured);
    options.onMeasure?.('start');
    start = process.hrtime.bigint();
  } else {
    options.onMeasure?.('start');
    start = process.hrtime.bigint();
    await createGroup(api, c.measured, scheduler);
  }
  await driveUntilBound(scheduler, clock, base + c.measured.count);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  options.onMeasure?.('end');
  if (options.keep) await options.keep(api, scheduler);
  scheduler.stop();
  const podsPerSecond = c.measured.count / seconds;
  return {
    case: c.name,
    nodes: c.nodes + (c.extraNodes?.length ?? 0),
    initPods,
    measuredPods: c.measured.count,
    seconds,
    wallSeconds: Number(process.hrtime.bigint() - caseStart) / 1e9,
    podsPerSecond,
    threshold: c.threshold,
    ratio: podsPerSecond / c.threshold,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    schedulerOnly: options.schedulerOnly ?? false,
    ...(c.note !== undefined ? { note: c.note } : {}),
  };
}
