// What is requested and what is allocatable, per node and per pod, in the names dashboards already query:
//
//   kube_node_status_capacity / _allocatable {node, resource, unit}     kube-state-metrics internal/store/node.go
//   kube_pod_container_resource_requests / _limits
//                 {namespace, pod, uid, container, node, resource, unit} kube-state-metrics internal/store/pod.go
//   kube_pod_resource_request / _limit
//                 {namespace, pod, node, scheduler, priority, resource, unit}
//                                                                       kube-scheduler pkg/scheduler/metrics/resources/resources.go
//
// kube-state-metrics reports per container, with resource names made label-safe ("nvidia.com/gpu" →
// "nvidia_com_gpu") and units core/byte/integer. kube-scheduler's /metrics/resources reports the pod's
// effective request as the scheduler counts it (init containers, sidecars and overhead included), only for
// pods not yet finished, with raw resource names and units cores/bytes ("" for other resources), and leaves
// out zero values; `sum by (node, resource) (kube_pod_resource_request)` is what each node has requested.
// Values are computed at scrape time from shared informers.
import { Gauge, type Registry } from 'prom-client';
import { cpuMilli, parseQuantity, podRequests, value, type Container, type Node, type Pod, type ResourceList } from '../../api/index.js';
import type { SharedInformerFactory } from '../../apiserver/informer.js';

function isByteResource(name: string): boolean {
  return name === 'memory' || name === 'ephemeral-storage' || name === 'storage' || name.startsWith('hugepages-');
}

/** kube-state-metrics: a resource's label value (SanitizeLabelName) and unit. */
function ksmResource(name: string): { resource: string; unit: string } {
  const unit = name === 'cpu' ? 'core' : isByteResource(name) ? 'byte' : 'integer';
  return { resource: name.replace(/[^a-zA-Z0-9_]/g, '_'), unit };
}

/** A quantity as a metric value: cpu in cores (millicores / 1000), everything else by its value. */
function metricValue(name: string, text: string): number {
  return name === 'cpu' ? cpuMilli(text) / 1000 : value(parseQuantity(text));
}

function sorted<T extends { metadata?: { name?: string; namespace?: string } }>(items: readonly T[]): T[] {
  const key = (x: T) => `${x.metadata?.namespace ?? ''}/${x.metadata?.name ?? ''}`;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function isTerminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

export function registerResourceMetrics(registry: Registry, informers: SharedInformerFactory): void {
  const nodes = informers.informer<Node>('nodes');
  const pods = informers.informer<Pod>('pods');
  const registers = [registry];

  const nodeGauge = (name: string, help: string, list: (n: Node) => ResourceList | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['node', 'resource', 'unit'] as const,
      registers,
      collect() {
        this.reset();
        for (const n of sorted(nodes.list())) {
          for (const [r, q] of Object.entries(list(n) ?? {})) this.set({ node: n.metadata?.name ?? '', ...ksmResource(r) }, metricValue(r, q));
        }
      },
    });
  nodeGauge('kube_node_status_capacity', 'The capacity for different resources of a node.', (n) => n.status?.capacity);
  nodeGauge('kube_node_status_allocatable', 'The allocatable for different resources of a node that are available for scheduling.', (n) => n.status?.allocatable);

  const containerGauge = (name: string, help: string, list: (c: Container) => ResourceList | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit'] as const,
      registers,
      collect() {
        this.reset();
        for (const p of sorted(pods.list())) {
          const where = { namespace: p.metadata?.namespace ?? '', pod: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '', node: p.spec.nodeName ?? '' };
          for (const c of p.spec.containers) {
            for (const [r, q] of Object.entries(list(c) ?? {})) this.set({ ...where, container: c.name, ...ksmResource(r) }, metricValue(r, q));
          }
        }
      },
    });
  containerGauge('kube_pod_container_resource_requests', 'The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.', (c) => c.resources?.requests);
  containerGauge('kube_pod_container_resource_limits', 'The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.', (c) => c.resources?.limits);

  new Gauge({
    name: 'kube_pod_resource_request',
    help: 'Resources requested by workloads on the cluster, broken down by pod.',
    labelNames: ['namespace', 'pod', 'node', 'scheduler', 'priority', 'resource', 'unit'] as const,
    registers,
    collect() {
      this.reset();
      for (const p of sorted(pods.list())) {
        if (isTerminal(p)) continue;
        const labels = {
          namespace: p.metadata?.namespace ?? '',
          pod: p.metadata?.name ?? '',
          node: p.spec.nodeName ?? '',
          scheduler: p.spec.schedulerName ?? 'default-scheduler',
          priority: p.spec.priority !== undefined ? String(p.spec.priority) : '',
        };
        for (const [r, v] of Object.entries(podRequests(p.spec))) {
          if (v === 0) continue;
          const unit = r === 'cpu' ? 'cores' : isByteResource(r) ? 'bytes' : '';
          this.set({ ...labels, resource: r, unit }, r === 'cpu' ? v / 1000 : v);
        }
      }
    },
  });
}
