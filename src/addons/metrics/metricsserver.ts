// metrics-server: the metrics.k8s.io/v1beta1 API (NodeMetrics, PodMetrics) that `kubectl top` and the
// HorizontalPodAutoscaler read, served through the API server as an aggregated APIService
// (src/apiserver/aggregator.ts). It reads nodes and pods through shared informers, as metrics-server does,
// and takes usage from the simulated kubelets' model (usage.ts). Shapes: k8s.io/metrics
// pkg/apis/metrics/v1beta1/types.go; names and messages: metrics-server pkg/api (node.go, pod.go).
import { formatQuantity, type Labels, type Node, type Pod } from '../../api/index.js';
import type { ApiService, ApiServiceRequest } from '../../apiserver/aggregator.js';
import { compileSelectors, matches } from '../../apiserver/apiserver.js';
import type { APIResource } from '../../apiserver/discovery.js';
import { errors } from '../../apiserver/errors.js';
import type { Informer, SharedInformerFactory } from '../../apiserver/informer.js';
import { formatTime } from '../../apiserver/meta.js';
import type { Json } from '../../apiserver/strategy.js';
import { goDuration } from '../../node/kubelet.js';
import type { Clock } from '../../util/clock.js';
import { podUsage, scrapeAt, sumUsage, systemUsage, type Usage, type UsageModelOptions } from './usage.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** usage: cpu as nanocores ("156281925n"), memory as bytes in BinarySI ("12345Ki"), as metrics-server writes them. */
export interface ResourceUsage {
  readonly cpu: string;
  readonly memory: string;
}

export interface NodeMetrics {
  readonly kind: 'NodeMetrics';
  readonly apiVersion: typeof API_VERSION;
  readonly metadata: { readonly name: string; readonly creationTimestamp: string; readonly labels?: Labels };
  readonly timestamp: string;
  readonly window: string;
  readonly usage: ResourceUsage;
}

export interface PodMetrics {
  readonly kind: 'PodMetrics';
  readonly apiVersion: typeof API_VERSION;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly creationTimestamp: string; readonly labels?: Labels };
  readonly timestamp: string;
  readonly window: string;
  readonly containers: readonly { readonly name: string; readonly usage: ResourceUsage }[];
}

export interface MetricsList<T> {
  readonly kind: 'NodeMetricsList' | 'PodMetricsList';
  readonly apiVersion: typeof API_VERSION;
  readonly metadata: Record<string, never>;
  readonly items: readonly T[];
}

/** What metrics-server's APIResourceList says: both resources are get/list only. */
const RESOURCES: readonly APIResource[] = Object.freeze([
  { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
  { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
]);

export function resourceUsage(u: Usage): ResourceUsage {
  return {
    cpu: formatQuantity({ nano: BigInt(u.cpuNanoCores), format: 'DecimalSI' }),
    memory: formatQuantity({ nano: BigInt(u.memoryBytes) * 1_000_000_000n, format: 'BinarySI' }),
  };
}

function isReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function byName<T extends { metadata?: { name?: string; namespace?: string } }>(a: T, b: T): number {
  const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export interface MetricsServerOptions extends UsageModelOptions {
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
}

export class MetricsServer implements ApiService {
  readonly group = METRICS_GROUP;
  readonly version = METRICS_VERSION;
  readonly resources = RESOURCES;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly options: MetricsServerOptions) {
    this.nodes = options.informers.informer<Node>('nodes');
    this.pods = options.informers.informer<Pod>('pods');
  }

  async start(): Promise<void> {
    await Promise.all([this.nodes.start(), this.pods.start()]);
  }

  private stamp(): { timestamp: string; window: string; creationTimestamp: string; now: number } {
    const now = this.options.clock.now();
    const { timestamp } = scrapeAt(now, this.options.resolutionMs);
    return { timestamp: formatTime(timestamp), window: goDuration(this.options.resolutionMs), creationTimestamp: formatTime(now), now };
  }

  /** Each pod with metrics on the given node (all nodes when undefined), with its containers' usage. */
  private podsWithUsage(now: number, pods: readonly Pod[]): { pod: Pod; containers: ReturnType<typeof podUsage> & object }[] {
    const out: { pod: Pod; containers: ReturnType<typeof podUsage> & object }[] = [];
    for (const pod of pods) {
      const node = this.nodes.get(undefined, pod.spec.nodeName ?? '');
      if (node === undefined || !isReady(node)) continue;
      const containers = podUsage(this.options, pod, now);
      if (containers !== undefined) out.push({ pod, containers });
    }
    return out;
  }

  /** A Ready node's usage: its pods' usage plus the system share (usage.ts); undefined for a node without metrics. */
  nodeUsage(node: Node, now = this.options.clock.now()): Usage | undefined {
    if (!isReady(node)) return undefined;
    const name = node.metadata?.name ?? '';
    const pods = this.pods.list().filter((p) => p.spec.nodeName === name);
    const usages = this.podsWithUsage(now, pods).flatMap((p) => p.containers);
    return sumUsage([systemUsage(node), ...usages]);
  }

  nodeMetrics(node: Node): NodeMetrics | undefined {
    const s = this.stamp();
    const usage = this.nodeUsage(node, s.now);
    if (usage === undefined) return undefined;
    const labels = node.metadata?.labels;
    return {
      kind: 'NodeMetrics',
      apiVersion: API_VERSION,
      metadata: { name: node.metadata?.name ?? '', creationTimestamp: s.creationTimestamp, ...(labels !== undefined ? { labels } : {}) },
      timestamp: s.timestamp,
      window: s.window,
      usage: resourceUsage(usage),
    };
  }

  private podMetricsOf(pod: Pod, containers: readonly { name: string; cpuNanoCores: number; memoryBytes: number }[], s: ReturnType<MetricsServer['stamp']>): PodMetrics {
    const labels = pod.metadata?.labels;
    return {
      kind: 'PodMetrics',
      apiVersion: API_VERSION,
      metadata: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', creationTimestamp: s.creationTimestamp, ...(labels !== undefined ? { labels } : {}) },
      timestamp: s.timestamp,
      window: s.window,
      containers: containers.map((c) => ({ name: c.name, usage: resourceUsage(c) })),
    };
  }

  async get(request: ApiServiceRequest): Promise<unknown> {
    return request.resource === 'nodes' ? this.getNodes(request) : this.getPods(request);
  }

  private getNodes(request: ApiServiceRequest): NodeMetrics | MetricsList<NodeMetrics> {
    if (request.name !== undefined) {
      const node = this.nodes.get(undefined, request.name);
      if (node === undefined) throw errors.notFound('nodes', '', request.name);
      const m = this.nodeMetrics(node);
      if (m === undefined) throw errors.notFound('nodemetrics', METRICS_GROUP, request.name);
      return m;
    }
    const filter = compileSelectors(request.labelSelector, request.fieldSelector);
    const items: NodeMetrics[] = [];
    for (const node of this.nodes.list().filter((n) => matches(filter, n as unknown as Json)).sort(byName)) {
      const m = this.nodeMetrics(node);
      if (m !== undefined) items.push(m);
    }
    return { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items };
  }

  private getPods(request: ApiServiceRequest): PodMetrics | MetricsList<PodMetrics> {
    const s = this.stamp();
    if (request.name !== undefined) {
      const ns = request.namespace ?? '';
      const pod = this.pods.get(ns, request.name);
      if (pod === undefined) throw errors.notFound('pods', '', request.name);
      const found = this.podsWithUsage(s.now, [pod])[0];
      // metrics-server's words for a pod it has no metrics for: podmetrics.metrics.k8s.io "default/web" not found.
      if (found === undefined) throw errors.notFound('podmetrics', METRICS_GROUP, `${ns}/${request.name}`);
      return this.podMetricsOf(pod, found.containers, s);
    }
    const filter = compileSelectors(request.labelSelector, request.fieldSelector);
    const candidates = (request.namespace !== undefined ? this.pods.byIndex('namespace', request.namespace) : this.pods.list()).filter((p) => matches(filter, p as unknown as Json));
    const items = this.podsWithUsage(s.now, [...candidates].sort(byName)).map((p) => this.podMetricsOf(p.pod, p.containers, s));
    return { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items };
  }
}
