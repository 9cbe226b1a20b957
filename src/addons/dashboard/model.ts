// The dashboard's view of the cluster, kept from the shared informers (nodes, pods, events) as the rows the
// page shows: nodes with requested vs allocatable, pods with phase, node and why they wait, the autoscaler's
// recent Events and its status ConfigMap, and per-pool utilisation samples in the simulator's MetricsSample shape (so the page draws
// them with the report's chart code). Changes are collected and sent to subscribers as one Delta per
// FLUSH_MS of the injected clock, so a burst of a thousand node creations is a handful of messages.
import { parse as parseYaml } from 'yaml';
import { podRequests, type ConfigMap, type Node, type Pod } from '../../api/index.js';
import type { Event } from '../../api/types.js';
import type { SharedInformerFactory } from '../../apiserver/informer.js';
import { LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_ZONE } from '../../cloud/index.js';
import { AUTOSCALER_COMPONENT, LAST_UPDATED_ANNOTATION, STATUS_CONFIGMAP_NAME, STATUS_CONFIGMAP_NAMESPACE } from '../../controllers/autoscaler/index.js';
import { GPU_MILLI_RESOURCE, GPU_RESOURCE, resourceQuantity } from '../../scheduler/index.js';
import type { MetricsSample } from '../../sim/metrics-sample.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { Amounts, AutoscalerEventRow, AutoscalerStatusView, Delta, NodeRow, PodRow, Snapshot } from './protocol.js';

/** Changes are sent at most this often (ms of the dashboard's clock). */
export const FLUSH_MS = 50;
/** Utilisation is sampled when something changed, at most once per this many ms. */
export const SAMPLE_INTERVAL_MS = 1000;
/** Sampled instants kept (30 minutes of one-per-second changes); older ones are dropped. */
export const MAX_INSTANTS = 1800;
/** Autoscaler events kept, newest first. */
export const MAX_AUTOSCALER_EVENTS = 200;

export interface DashboardModelOptions {
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly sampleIntervalMs?: number;
  readonly maxInstants?: number;
  readonly maxAutoscalerEvents?: number;
}

const zero = (): Amounts => ({ cpu: 0, memory: 0, gpu: 0, pods: 0 });

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** What a pod adds to its node's requested amounts (podRequests, as NodeResourcesFit counts it), GPUs whole plus shares. */
export function podAmounts(pod: Pod): Amounts {
  let r: Record<string, number>;
  try {
    r = podRequests(pod.spec);
  } catch {
    // The API server validates quantities on create; a pod that slipped through counts as requesting nothing.
    r = { cpu: 0, memory: 0 };
  }
  return { cpu: r['cpu'] ?? 0, memory: r['memory'] ?? 0, gpu: (r[GPU_RESOURCE] ?? 0) + (r[GPU_MILLI_RESOURCE] ?? 0) / 1000, pods: 1 };
}

function nodeBase(node: Node): Omit<NodeRow, 'requested'> {
  const labels = node.metadata?.labels ?? {};
  const alloc = node.status?.allocatable ?? node.status?.capacity;
  return {
    name: node.metadata?.name ?? '',
    pool: labels[LABEL_NODEPOOL] ?? '',
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    unschedulable: node.spec?.unschedulable === true,
    instanceType: labels[LABEL_INSTANCE_TYPE] ?? '',
    zone: labels[LABEL_ZONE] ?? '',
    allocatable: { cpu: resourceQuantity(alloc, 'cpu'), memory: resourceQuantity(alloc, 'memory'), gpu: resourceQuantity(alloc, GPU_RESOURCE), pods: resourceQuantity(alloc, 'pods') },
  };
}

function eventTime(e: Event): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
}

function isAutoscalerEvent(e: Event): boolean {
  return e.source?.component === AUTOSCALER_COMPONENT || e.reportingComponent === AUTOSCALER_COMPONENT;
}

function isStatusConfigMap(c: ConfigMap): boolean {
  return c.metadata?.namespace === STATUS_CONFIGMAP_NAMESPACE && c.metadata.name === STATUS_CONFIGMAP_NAME;
}

/** One line from the YAML status document (clusterstate/api ClusterAutoscalerStatus); "" for anything else. */
export function statusSummary(text: string): string {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return '';
  }
  const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const wide = rec(rec(doc)['clusterWide']);
  const status = (k: string) => String(rec(wide[k])['status'] ?? '');
  if (status('health') === '') return '';
  const candidates = Number(rec(wide['scaleDown'])['candidates'] ?? 0);
  const groups = Array.isArray(rec(doc)['nodeGroups']) ? (rec(doc)['nodeGroups'] as unknown[]).length : 0;
  return [
    `health ${status('health')}`,
    `scale-up ${status('scaleUp')}`,
    `scale-down ${status('scaleDown')}${candidates > 0 ? ` (${candidates})` : ''}`,
    `${groups} node group${groups === 1 ? '' : 's'}`,
  ].join(' · ');
}

function add(into: Amounts, a: Amounts, sign: 1 | -1): void {
  into.cpu += sign * a.cpu;
  into.memory += sign * a.memory;
  into.gpu += sign * a.gpu;
  into.pods += sign * a.pods;
}

interface Contribution {
  readonly node: string;
  readonly amounts: Amounts;
}

export class DashboardModel {
  readonly startedAt: number;
  private readonly clock: Clock;
  private readonly informers: SharedInformerFactory;
  private readonly sampleIntervalMs: number;
  private readonly maxInstants: number;
  private readonly maxAutoscalerEvents: number;

  private readonly nodes = new Map<string, Omit<NodeRow, 'requested'>>();
  /** Per node name (also for pods bound to a node not seen yet): the sum of its pods' contributions. */
  private readonly requested = new Map<string, Amounts>();
  private readonly pods = new Map<string, PodRow>();
  private readonly contributions = new Map<string, Contribution>();
  private readonly pending = new Set<string>();
  /** The newest FailedScheduling event per pod key, for the pod with that uid. */
  private readonly failedScheduling = new Map<string, { uid: string; message: string }>();
  private readonly autoscaler = new Map<string, AutoscalerEventRow>();
  private autoscalerStatus: AutoscalerStatusView | null = null;
  private autoscalerStatusChanged = false;
  private readonly samples: MetricsSample[] = [];
  private instants = 0;

  private readonly dirtyNodes = new Set<string>();
  private readonly deletedNodes = new Set<string>();
  private readonly dirtyPods = new Set<string>();
  private readonly deletedPods = new Set<string>();
  private newAutoscaler: AutoscalerEventRow[] = [];
  private newSamples: MetricsSample[] = [];
  private flushTimer: Timer | undefined;
  private sampleTimer: Timer | undefined;
  private lastSampleAt = -Infinity;
  private readonly subscribers = new Set<(d: Delta) => void>();
  private stopped = false;

  constructor(options: DashboardModelOptions) {
    this.clock = options.clock;
    this.informers = options.informers;
    this.startedAt = options.clock.now();
    this.sampleIntervalMs = options.sampleIntervalMs ?? SAMPLE_INTERVAL_MS;
    this.maxInstants = options.maxInstants ?? MAX_INSTANTS;
    this.maxAutoscalerEvents = options.maxAutoscalerEvents ?? MAX_AUTOSCALER_EVENTS;
  }

  /** Adds the informer handlers and waits for the caches (the factory's informers are shared with the rest of serve). */
  async start(): Promise<void> {
    const nodes = this.informers.informer<Node>('nodes');
    const pods = this.informers.informer<Pod>('pods');
    const events = this.informers.informer<Event>('events');
    nodes.addEventHandler({ onAdd: (n) => this.nodeChanged(n), onUpdate: (_o, n) => this.nodeChanged(n), onDelete: (n) => this.nodeDeleted(n) });
    pods.addEventHandler({ onAdd: (p) => this.podChanged(p), onUpdate: (_o, p) => this.podChanged(p), onDelete: (p) => this.podDeleted(p) });
    events.addEventHandler({ onAdd: (e) => this.eventChanged(e), onUpdate: (_o, e) => this.eventChanged(e) });
    const configMaps = this.informers.informer<ConfigMap>('configmaps');
    configMaps.addEventHandler({ onAdd: (c) => this.configMapChanged(c), onUpdate: (_o, c) => this.configMapChanged(c), onDelete: (c) => this.configMapDeleted(c) });
    await nodes.start();
    await pods.start();
    await events.start();
    await configMaps.start();
    this.takeSample();
  }

  stop(): void {
    this.stopped = true;
    this.flushTimer?.cancel();
    this.sampleTimer?.cancel();
    this.subscribers.clear();
  }

  /** Called with every Delta until the returned function is called. */
  subscribe(fn: (d: Delta) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Everything, for a page that has just connected (nodes and pods sorted by name). */
  snapshot(): Snapshot {
    return {
      now: this.clock.now(),
      startedAt: this.startedAt,
      nodes: [...this.nodes.keys()].sort().map((n) => this.nodeRow(n)!),
      pods: [...this.pods.keys()].sort().map((k) => this.pods.get(k)!),
      autoscaler: this.autoscalerRows(),
      autoscalerStatus: this.autoscalerStatus,
      samples: [...this.samples],
    };
  }

  nodeRow(name: string): NodeRow | undefined {
    const base = this.nodes.get(name);
    if (base === undefined) return undefined;
    const r = this.requested.get(name) ?? zero();
    return { ...base, requested: { ...r } };
  }

  podRow(key: string): PodRow | undefined {
    return this.pods.get(key);
  }

  /** Pods neither bound nor finished. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private autoscalerRows(): AutoscalerEventRow[] {
    return [...this.autoscaler.values()].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.uid < b.uid ? -1 : 1));
  }

  // ---- informer events ----------------------------------------------------------------------------

  private nodeChanged(node: Node): void {
    const row = nodeBase(node);
    const old = this.nodes.get(row.name);
    // Kubelets update their Node's status every few seconds; most updates change nothing shown here.
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(row)) return;
    this.nodes.set(row.name, row);
    this.deletedNodes.delete(row.name);
    this.dirtyNodes.add(row.name);
    this.changed(old === undefined || old.pool !== row.pool || JSON.stringify(old.allocatable) !== JSON.stringify(row.allocatable));
  }

  private nodeDeleted(node: Node): void {
    const name = node.metadata?.name ?? '';
    this.nodes.delete(name);
    this.dirtyNodes.delete(name);
    this.deletedNodes.add(name);
    this.changed(true);
  }

  private podChanged(pod: Pod): void {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const node = pod.spec.nodeName ?? '';
    const terminal = isTerminal(pod);
    // Requests cannot change after creation (no in-place resize here), so a contribution is kept, not recomputed.
    const before = this.contributions.get(key);
    const wasPending = this.pending.has(key);
    const wanted = node !== '' && !terminal;
    if (before !== undefined && (!wanted || before.node !== node)) this.uncontribute(key, before);
    const amounts = before?.amounts ?? podAmounts(pod);
    if (wanted && (before === undefined || before.node !== node)) this.contribute(key, { node, amounts });
    if (node === '' && !terminal) this.pending.add(key);
    else this.pending.delete(key);

    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const waiting = node === '' && scheduled?.status === 'False';
    const failed = this.failedScheduling.get(key);
    const failedMessage = failed !== undefined && failed.uid === pod.metadata?.uid ? failed.message : '';
    this.pods.set(key, {
      key,
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      phase: pod.status?.phase ?? 'Pending',
      node,
      terminating: pod.metadata?.deletionTimestamp !== undefined,
      reason: waiting ? (scheduled.reason ?? '') : node === '' && failedMessage !== '' ? 'FailedScheduling' : node === '' ? '' : (pod.status?.reason ?? ''),
      message: waiting && scheduled.message !== undefined && scheduled.message !== '' ? scheduled.message : node === '' ? failedMessage : (pod.status?.message ?? ''),
      requested: amounts,
      created: pod.metadata?.creationTimestamp ?? '',
    });
    this.deletedPods.delete(key);
    this.dirtyPods.add(key);
    // Only a move between nodes or in or out of pending changes the utilisation and pending numbers.
    this.changed(before?.node !== (wanted ? node : undefined) || wasPending !== this.pending.has(key));
  }

  private podDeleted(pod: Pod): void {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const before = this.contributions.get(key);
    if (before !== undefined) this.uncontribute(key, before);
    this.pending.delete(key);
    this.pods.delete(key);
    this.failedScheduling.delete(key);
    this.dirtyPods.delete(key);
    this.deletedPods.add(key);
    this.changed(true);
  }

  private eventChanged(e: Event): void {
    const inv = e.involvedObject;
    if (inv.kind === 'Pod' && e.reason === 'FailedScheduling' && inv.name !== undefined) {
      const key = `${inv.namespace ?? ''}/${inv.name}`;
      this.failedScheduling.set(key, { uid: inv.uid ?? '', message: e.message ?? '' });
      const pod = this.informers.informer<Pod>('pods').getByKey(key);
      if (pod !== undefined && (pod.spec.nodeName ?? '') === '') this.podChanged(pod);
    }
    if (!isAutoscalerEvent(e)) return;
    const uid = e.metadata?.uid ?? `${e.metadata?.namespace ?? ''}/${e.metadata?.name ?? ''}`;
    const where = inv.namespace !== undefined && inv.namespace !== '' ? `${inv.namespace}/${inv.name ?? ''}` : (inv.name ?? '');
    const row: AutoscalerEventRow = { uid, time: eventTime(e), type: e.type ?? 'Normal', reason: e.reason ?? '', object: `${inv.kind ?? ''} ${where}`, message: e.message ?? '', count: e.count ?? 1 };
    this.autoscaler.set(uid, row);
    if (this.autoscaler.size > this.maxAutoscalerEvents) {
      const oldest = this.autoscalerRows().slice(this.maxAutoscalerEvents);
      for (const o of oldest) this.autoscaler.delete(o.uid);
    }
    if (this.autoscaler.has(uid)) this.newAutoscaler.push(row);
    this.scheduleFlush();
  }

  private configMapChanged(c: ConfigMap): void {
    if (!isStatusConfigMap(c)) return;
    const text = c.data?.['status'] ?? '';
    // The autoscaler rewrites it every scan; parse only when the text changed.
    const summary = this.autoscalerStatus?.text === text ? this.autoscalerStatus.summary : statusSummary(text);
    this.autoscalerStatus = { text, lastUpdated: c.metadata?.annotations?.[LAST_UPDATED_ANNOTATION] ?? '', summary };
    this.autoscalerStatusChanged = true;
    this.scheduleFlush();
  }

  private configMapDeleted(c: ConfigMap): void {
    if (!isStatusConfigMap(c)) return;
    this.autoscalerStatus = null;
    this.autoscalerStatusChanged = true;
    this.scheduleFlush();
  }

  // ---- bookkeeping ----------------------------------------------------------------------------------

  private contribute(key: string, c: Contribution): void {
    let r = this.requested.get(c.node);
    if (r === undefined) this.requested.set(c.node, (r = zero()));
    add(r, c.amounts, 1);
    this.contributions.set(key, c);
    if (this.nodes.has(c.node)) this.dirtyNodes.add(c.node);
  }

  private uncontribute(key: string, c: Contribution): void {
    const r = this.requested.get(c.node);
    if (r !== undefined) {
      add(r, c.amounts, -1);
      if (r.pods === 0) this.requested.delete(c.node);
    }
    this.contributions.delete(key);
    if (this.nodes.has(c.node)) this.dirtyNodes.add(c.node);
  }

  /** Something the page shows changed; `sample`: and it may move the utilisation or pending numbers. */
  private changed(sample: boolean): void {
    if (this.stopped) return;
    this.scheduleFlush();
    if (sample) this.scheduleSample();
  }

  private scheduleFlush(): void {
    if (this.stopped || this.flushTimer !== undefined) return;
    this.flushTimer = this.clock.setTimer(FLUSH_MS, () => {
      this.flushTimer = undefined;
      this.flush();
    });
  }

  private scheduleSample(): void {
    if (this.stopped || this.sampleTimer !== undefined) return;
    const delay = Math.max(0, this.lastSampleAt + this.sampleIntervalMs - this.clock.now());
    this.sampleTimer = this.clock.setTimer(delay, () => {
      this.sampleTimer = undefined;
      this.takeSample();
    });
  }

  /** One MetricsSample per pool, at the clock's now, from the current rows. */
  private takeSample(): void {
    const now = this.clock.now();
    this.lastSampleAt = now;
    const t = (now - this.startedAt) / 1000;
    type Row = { -readonly [K in keyof MetricsSample]: MetricsSample[K] };
    const byPool = new Map<string, Row>();
    for (const [name, base] of this.nodes) {
      let m = byPool.get(base.pool);
      if (m === undefined) {
        m = { t, pool: base.pool, nodes: 0, cpuRequested: 0, cpuAllocatable: 0, memoryRequested: 0, memoryAllocatable: 0, gpuRequested: 0, gpuAllocatable: 0, pendingPods: this.pending.size };
        byPool.set(base.pool, m);
      }
      const r = this.requested.get(name);
      m.nodes++;
      m.cpuAllocatable += base.allocatable.cpu / 1000;
      m.memoryAllocatable += base.allocatable.memory;
      m.gpuAllocatable += base.allocatable.gpu;
      if (r !== undefined) {
        m.cpuRequested += r.cpu / 1000;
        m.memoryRequested += r.memory;
        m.gpuRequested += r.gpu;
      }
    }
    // Without nodes there is still a pending count to show: one row for "no pool".
    if (byPool.size === 0) byPool.set('', { t, pool: '', nodes: 0, cpuRequested: 0, cpuAllocatable: 0, memoryRequested: 0, memoryAllocatable: 0, gpuRequested: 0, gpuAllocatable: 0, pendingPods: this.pending.size });
    const rows = [...byPool.values()].sort((a, b) => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0));
    this.samples.push(...rows);
    this.newSamples.push(...rows);
    this.instants++;
    if (this.instants > this.maxInstants) {
      // Drop the oldest instant (all of its pool rows).
      const oldest = this.samples[0]!.t;
      let n = 0;
      while (n < this.samples.length && this.samples[n]!.t === oldest) n++;
      this.samples.splice(0, n);
      this.instants--;
    }
    this.scheduleFlush();
  }

  private flush(): void {
    const delta: Delta = {
      now: this.clock.now(),
      nodes: [...this.dirtyNodes].sort().flatMap((n) => this.nodeRow(n) ?? []),
      nodesDeleted: [...this.deletedNodes].sort(),
      pods: [...this.dirtyPods].sort().flatMap((k) => this.pods.get(k) ?? []),
      podsDeleted: [...this.deletedPods].sort(),
      autoscaler: this.newAutoscaler,
      ...(this.autoscalerStatusChanged ? { autoscalerStatus: this.autoscalerStatus } : {}),
      samples: this.newSamples,
    };
    this.autoscalerStatusChanged = false;
    this.dirtyNodes.clear();
    this.deletedNodes.clear();
    this.dirtyPods.clear();
    this.deletedPods.clear();
    this.newAutoscaler = [];
    this.newSamples = [];
    for (const fn of this.subscribers) fn(delta);
  }
}
