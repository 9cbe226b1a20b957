// drydock simulate's engine: a workload goes through the whole virtual cluster on its manual clock. Objects
// are created through the API server at their arrival times; the clock jumps from one due event (a timer
// of some component, an arrival, a metrics sample) to the next, and the cluster settles in between, so
// every write carries the virtual time it happened at. Pods are followed through the informer and
// recorded for the placements and the summary.
import type { Store } from '../store/types.js';
import type { Node, Pod } from '../api/index.js';
import type { Json } from '../apiserver/strategy.js';
import type { ClusterAutoscalerSettings, ResolvedNodePool } from '../cloud/nodepool.js';
import type { SchedulerConfiguration } from '../scheduler/index.js';
import { buildSummary } from '../report/summary.js';
import { VirtualCluster } from './cluster.js';
import type { Registry } from 'prom-client';
import type { MetricsSample, PodRecord, SimulationResult, Workload } from './types.js';

export interface SimulateOptions {
  readonly workload: Workload;
  readonly pools?: readonly ResolvedNodePool[];
  readonly autoscaler?: ClusterAutoscalerSettings;
  readonly schedulerConfig?: SchedulerConfiguration;
  readonly seed?: number;
  /** Stop at this simulated time (ms after the start); default: when the workload is done. */
  readonly untilMs?: number;
  /** Metrics every this many simulated ms (default 60 s). */
  readonly sampleEveryMs?: number;
  /** Kubelet heartbeats and node lifecycle (default true); off for long trace replays. */
  readonly heartbeats?: boolean;
  /** Wall-clock reading for wallSeconds (the only wall time a run looks at). */
  readonly wallNow?: () => number;
  readonly onProgress?: (simulatedMs: number, done: number, total: number) => void;
  /** Register the components' Prometheus metrics here; the result then carries their exposition at the end. */
  readonly metricsRegistry?: Registry;
  /** A remote store (etcd) for the cluster's state, and the key prefix there; default an embedded store. */
  readonly store?: Store;
  readonly storagePrefix?: string;
}

/** A pod still pending this long after its arrival, with no arrivals left, is taken as never going to run. */
const GIVE_UP_PENDING_MS = 20 * 60_000;

interface Tracked {
  namespace: string;
  name: string;
  created: number;
  scheduled?: number;
  started?: number;
  finished?: number;
  node?: string;
  /** The node's drydock.io/nodepool label when the pod was bound ("" for nodes outside any pool). */
  pool?: string;
  phase: string;
  gpuDevices?: string;
  deleted?: boolean;
  preempted?: boolean;
  evicted?: boolean;
  hasDuration: boolean;
}

export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const wallNow = options.wallNow ?? (() => 0);
  const wallStart = wallNow();
  const pools = options.pools ?? [];
  const cluster = await VirtualCluster.create({
    pools,
    autoscale: pools.length > 0,
    ...(options.autoscaler !== undefined ? { autoscaler: options.autoscaler } : {}),
    ...(options.schedulerConfig !== undefined ? { schedulerConfig: options.schedulerConfig } : {}),
    seed: options.seed ?? 1,
    heartbeats: options.heartbeats ?? true,
    ...(options.store !== undefined ? { store: options.store } : {}),
    ...(options.storagePrefix !== undefined ? { storagePrefix: options.storagePrefix } : {}),
  });
  const clock = cluster.clock;
  const start = clock.now();
  const sec = (ms: number) => (ms - start) / 1000;
  if (options.metricsRegistry !== undefined) await cluster.registerMetrics(options.metricsRegistry);
  for (const n of options.workload.nodes) await cluster.addStaticNode(n as unknown as Node);

  // Every pod, from the informer: creation, binding, start, end. Kept incrementally so that a step costs
  // nothing per pod: `active` holds the pods that can still hold the run open (not gone, not finished, not
  // running without an end), `pendingCount` the pods not yet bound, `finishedCount` the pods that ended.
  const pods = new Map<string, Tracked>();
  const nodeInformer = cluster.informers.informer<Node>('nodes');
  const active = new Map<string, Tracked>();
  let pendingCount = 0;
  let finishedCount = 0;
  const settleState = (key: string, t: Tracked) => {
    const holdsOpen = !t.deleted && t.phase !== 'Succeeded' && t.phase !== 'Failed' && !(t.phase === 'Running' && !t.hasDuration);
    if (holdsOpen) active.set(key, t);
    else active.delete(key);
  };
  const observe = (p: Pod) => {
    const key = p.metadata?.uid ?? '';
    let t = pods.get(key);
    if (t === undefined) {
      t = {
        namespace: p.metadata?.namespace ?? '',
        name: p.metadata?.name ?? '',
        created: clock.now(),
        phase: 'Pending',
        // A pod with a duration finishes only if it is not restarted (restartPolicy Always restarts it forever).
        hasDuration: p.metadata?.annotations?.['drydock.io/duration-seconds'] !== undefined && (p.spec.restartPolicy ?? 'Always') !== 'Always',
      };
      pods.set(key, t);
      pendingCount++;
    }
    if (p.spec.nodeName !== undefined && t.scheduled === undefined) {
      if (!t.deleted) pendingCount--;
      t.scheduled = clock.now();
      t.node = p.spec.nodeName;
      t.pool = nodeInformer.get(undefined, p.spec.nodeName)?.metadata?.labels?.['drydock.io/nodepool'] ?? '';
    }
    const phase = p.status?.phase ?? 'Pending';
    if (phase === 'Running' && t.started === undefined) t.started = clock.now();
    if ((phase === 'Succeeded' || phase === 'Failed') && t.finished === undefined) {
      t.finished = clock.now();
      finishedCount++;
    }
    t.phase = phase;
    const devices = p.metadata?.annotations?.['drydock.io/gpu-devices'];
    if (devices !== undefined) t.gpuDevices = devices;
    if (p.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler')) t.preempted = true;
    if (p.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.reason !== 'PreemptionByScheduler')) t.evicted = true;
    if (!t.deleted) settleState(key, t);
  };
  cluster.informers.informer<Pod>('pods').addEventHandler({
    onAdd: observe,
    onUpdate: (_o, p) => observe(p),
    onDelete: (p) => {
      const t = pods.get(p.metadata?.uid ?? '');
      if (t === undefined) return;
      const key = p.metadata?.uid ?? '';
      if (!t.deleted && t.scheduled === undefined) pendingCount--;
      t.deleted = true;
      if (t.finished === undefined) {
        t.finished = clock.now();
        finishedCount++;
      }
      active.delete(key);
      if (t.phase !== 'Succeeded' && t.phase !== 'Failed' && !t.preempted) t.evicted = t.evicted ?? t.scheduled !== undefined;
    },
  });

  // Metrics: per pool, requested and allocatable, and pending pods.
  const metrics: MetricsSample[] = [];
  const poolOf = (node: Node | undefined) => node?.metadata?.labels?.['drydock.io/nodepool'] ?? '';
  type Row = { -readonly [K in keyof MetricsSample]: MetricsSample[K] };
  const emptyRow = (pool: string): Row => ({ t: sec(clock.now()), pool, nodes: 0, cpuRequested: 0, cpuAllocatable: 0, memoryRequested: 0, memoryAllocatable: 0, gpuRequested: 0, gpuAllocatable: 0, pendingPods: pendingCount });
  const sample = () => {
    const nodes = cluster.scheduler.snapshot;
    nodes.update(cluster.scheduler.cache);
    // One mutable row per pool, added to from the snapshot's columns (no allocation per node).
    const byPool = new Map<string, Row>();
    for (let r = 0; r < nodes.rows; r++) {
      if (!nodes.present[r]) continue;
      const pool = poolOf(nodes.nodes[r]);
      let m = byPool.get(pool);
      if (m === undefined) byPool.set(pool, (m = emptyRow(pool)));
      let gpuUsedMilli = 0;
      for (let d = 0; d < nodes.gpuCount[r]!; d++) gpuUsedMilli += nodes.gpuUsedMilli[r * 16 + d]!;
      m.nodes++;
      m.cpuRequested += nodes.reqCpu[r]! / 1000;
      m.cpuAllocatable += nodes.allocCpu[r]! / 1000;
      m.memoryRequested += nodes.reqMemory[r]!;
      m.memoryAllocatable += nodes.allocMemory[r]!;
      m.gpuRequested += gpuUsedMilli / 1000;
      m.gpuAllocatable += nodes.gpuCount[r]!;
    }
    for (const p of pools) if (!byPool.has(p.name)) byPool.set(p.name, emptyRow(p.name));
    for (const m of [...byPool.values()].sort((x, y) => (x.pool < y.pool ? -1 : x.pool > y.pool ? 1 : 0))) metrics.push(m);
  };

  const objects = options.workload.objects;
  const sampleEvery = options.sampleEveryMs ?? 60_000;
  // Without --until the run ends when the workload is done; as a guard, never later than a day after the
  // last arrival plus the longest duration.
  let longest = 0;
  for (const o of objects) {
    const seconds = Number(((o.object['metadata'] as Json | undefined)?.['annotations'] as Json | undefined)?.['drydock.io/duration-seconds'] ?? 0);
    if (seconds * 1000 > longest) longest = seconds * 1000;
  }
  const horizon = start + (objects.length > 0 ? objects[objects.length - 1]!.arrivalMs : 0) + longest + 24 * 3600_000;
  const until = options.untilMs !== undefined ? start + options.untilMs : horizon;
  let next = 0;
  let nextSample = start;
  const done = () => {
    if (next < objects.length) return false;
    // Only the pods that can hold the run open; a pod running without a duration runs until the end.
    for (const t of active.values()) {
      if (t.scheduled === undefined && clock.now() - t.created >= GIVE_UP_PENDING_MS) continue;
      return false;
    }
    return true;
  };
  const clockWithNext = clock as unknown as { nextTimerAt?: () => number | undefined };
  for (;;) {
    const now = clock.now();
    if (now >= nextSample) {
      sample();
      nextSample += sampleEvery;
    }
    if (now >= until || done()) break;
    const arrival = next < objects.length ? start + objects[next]!.arrivalMs : Infinity;
    const timer = clockWithNext.nextTimerAt?.() ?? now + 1000;
    const target = Math.min(arrival, Math.max(timer, now + 1), nextSample, until);
    if (target === Infinity) break;
    clock.advance(Math.max(0, target - now));
    cluster.scheduler.flushQueues();
    while (next < objects.length && start + objects[next]!.arrivalMs <= clock.now()) {
      const o = objects[next++]!;
      await cluster.api.create(o.resource, o.object).catch((err: unknown) => cluster.errors.push({ component: `workload ${o.source}`, message: (err as Error).message }));
    }
    await cluster.settle();
    options.onProgress?.(clock.now() - start, finishedCount, pods.size);
  }
  sample();
  const end = clock.now();
  const events = (await cluster.api.list<Json>('events')).items;
  const prometheus = options.metricsRegistry !== undefined ? await options.metricsRegistry.metrics() : undefined;
  cluster.stop();
  // The autoscaler's decisions, from its events (cluster-autoscaler's words): a scale-up decision is one
  // ScaledUpGroup on the status ConfigMap ("setting group G size to N instead of M"); a node it removes gets
  // ScaleDown on the Node, and each scale-down decision one "removing" line on the ConfigMap.
  const kindOf = (e: Json) => (e['involvedObject'] as Json | undefined)?.['kind'];
  let scaleUps = 0;
  let nodesAdded = 0;
  let scaleDowns = 0;
  let nodesRemoved = 0;
  const drained = new Set<string>();
  for (const e of events) {
    const reason = e['reason'];
    const message = String(e['message'] ?? '');
    if (reason === 'ScaledUpGroup') {
      scaleUps++;
      const m = /size to (\d+) instead of (\d+)/.exec(message);
      if (m !== null) nodesAdded += Number(m[1]) - Number(m[2]);
    } else if ((reason === 'ScaleDown' || reason === 'ScaleDownEmpty') && kindOf(e) === 'ConfigMap' && message.startsWith('Scale-down: removing')) {
      scaleDowns++;
    } else if (reason === 'ScaleDown' && kindOf(e) === 'Node') {
      nodesRemoved++;
    } else if (reason === 'ScaleDown' && kindOf(e) === 'Pod') {
      const o = e['involvedObject'] as Json;
      drained.add(`${String(o['namespace'] ?? '')}/${String(o['name'] ?? '')}`);
    }
  }
  // Pods drained off a node the autoscaler removes were evicted, whatever phase their kubelet gave them last.
  for (const t of pods.values()) if (drained.has(`${t.namespace}/${t.name}`)) t.evicted = true;

  const placements: PodRecord[] = [...pods.values()]
    .sort((a, b) => a.created - b.created || (a.namespace + a.name < b.namespace + b.name ? -1 : 1))
    .map((t) => ({
      pod: t.name,
      namespace: t.namespace,
      ...(t.node !== undefined ? { node: t.node, ...(t.pool !== undefined && t.pool !== '' ? { pool: t.pool } : {}) } : {}),
      created: sec(t.created),
      ...(t.scheduled !== undefined ? { scheduled: sec(t.scheduled) } : {}),
      ...(t.started !== undefined ? { started: sec(t.started) } : {}),
      ...(t.finished !== undefined ? { finished: sec(t.finished) } : {}),
      phase: t.deleted && t.phase !== 'Succeeded' && t.phase !== 'Failed' ? 'Deleted' : t.phase,
      ...(t.gpuDevices !== undefined ? { gpuDevices: t.gpuDevices } : {}),
      ...(t.preempted ? { preempted: true } : {}),
      ...(t.evicted ? { evicted: true } : {}),
    }));
  const pricePerHour: Record<string, number> = {};
  for (const p of pools) pricePerHour[p.name] = p.pricePerHour;
  const summary = buildSummary({
    placements,
    metrics,
    simulatedSeconds: sec(end),
    wallSeconds: (wallNow() - wallStart) / 1000,
    seed: options.seed ?? 1,
    inputs: options.workload.inputs,
    pricePerHour,
    autoscaler: { scaleUps, scaleDowns, nodesAdded, nodesRemoved },
  });
  return { summary, placements, events, metrics, ...(prometheus !== undefined ? { prometheus } : {}) };
}
