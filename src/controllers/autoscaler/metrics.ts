// Cluster Autoscaler's Prometheus metrics (cluster-autoscaler/metrics/metrics.go, namespace
// "cluster_autoscaler") for one Autoscaler, on a prom-client registry. Counters read Autoscaler.counters;
// gauges are computed at scrape time from what the autoscaler observes (informers + cloud provider) and
// remembers (history), as CA sets them once per loop from the same state. Whoever runs an autoscaler
// registers it (VirtualCluster.registerMetrics); `drydock serve` runs none (it has no cloud to scale).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Autoscaler } from './autoscaler.js';
import { coresAndMemory } from './scaleup.js';
import { isNodeReady } from './scaledown.js';
import { isUnschedulable } from './simulator.js';

const NS = 'cluster_autoscaler';

/** clusterstate.go MaxNodeStartupTime: an unready node younger than this is "notStarted", not "unready". */
export const MAX_NODE_STARTUP_TIME_MS = 15 * 60_000;

export interface NodesCount {
  readonly ready: number;
  readonly unready: number;
  readonly notStarted: number;
  readonly longUnregistered: number;
  readonly unregistered: number;
}

/**
 * cluster_autoscaler_nodes_count by state (metrics.go UpdateNodesCount), as of `now`: registered nodes are
 * ready, unready, or notStarted (unready and created less than MaxNodeStartupTime ago); running machines of
 * a node group without a Node are unregistered, and longUnregistered once older than maxNodeProvisionTime.
 */
export function nodesCount(autoscaler: Autoscaler, now: number): NodesCount {
  const observed = autoscaler.observe();
  let ready = 0;
  let unready = 0;
  let notStarted = 0;
  const names = new Set<string>();
  for (const n of observed.nodes) {
    names.add(n.metadata?.name ?? '');
    if (isNodeReady(n)) ready++;
    else if (now - Date.parse(n.metadata?.creationTimestamp ?? '') < MAX_NODE_STARTUP_TIME_MS) notStarted++;
    else unready++;
  }
  let unregistered = 0;
  let longUnregistered = 0;
  for (const g of autoscaler.cloud.nodeGroups()) {
    for (const vm of g.instances()) {
      if (vm.state !== 'running' || names.has(vm.nodeName)) continue;
      if (now - vm.requestedAt > autoscaler.settings.maxNodeProvisionTime) longUnregistered++;
      else unregistered++;
    }
  }
  return { ready, unready, notStarted, longUnregistered, unregistered };
}

/** Sets a counter to a running total kept elsewhere (prom-client counters only go up by inc). */
function setCounter<T extends string>(c: Counter<T>, labels: Partial<Record<T, string>>, total: number): void {
  c.inc(labels, total);
}

export function registerAutoscalerMetrics(registry: Registry, autoscaler: Autoscaler, clock: { now(): number }): void {
  const registers = [registry];
  const counters = autoscaler.counters;
  new Gauge({
    name: `${NS}_cluster_safe_to_autoscale`,
    help: 'Whether or not cluster is healthy enough for autoscaling. 1 if it is, 0 otherwise.',
    registers,
    // drydock's clusterstate is always Healthy (see status.ts): no unready-node thresholds are modelled.
    collect() {
      this.set(1);
    },
  });
  new Gauge({
    name: `${NS}_nodes_count`,
    help: 'Number of nodes in cluster.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const c = nodesCount(autoscaler, clock.now());
      for (const [state, v] of Object.entries(c)) this.set({ state }, v);
    },
  });
  new Gauge({
    name: `${NS}_node_groups_count`,
    help: 'Number of node groups managed by CA.',
    labelNames: ['node_group_type'] as const,
    registers,
    collect() {
      this.set({ node_group_type: 'autoscaled' }, autoscaler.cloud.nodeGroups().length);
      // Node auto-provisioning is not modelled: every group is a configured pool.
      this.set({ node_group_type: 'autoprovisioned' }, 0);
    },
  });
  new Gauge({
    name: `${NS}_unschedulable_pods_count`,
    help: 'Number of unschedulable pods in the cluster.',
    labelNames: ['type'] as const,
    registers,
    collect() {
      this.set({ type: 'unschedulable' }, autoscaler.observe().pods.filter(isUnschedulable).length);
      // Pods of schedulers CA is told to bypass (--bypassed-scheduler-names): drydock has no such option.
      this.set({ type: 'scheduler_unprocessed' }, 0);
    },
  });
  new Gauge({
    name: `${NS}_max_nodes_count`,
    help: 'Maximum number of nodes in all node groups',
    registers,
    collect() {
      this.set(autoscaler.settings.maxNodesTotal);
    },
  });
  new Gauge({
    name: `${NS}_cluster_cpu_current_cores`,
    help: 'Current number of cores in the cluster, minus deleting nodes.',
    registers,
    collect() {
      this.set(autoscaler.observe().nodes.reduce((s, n) => s + coresAndMemory(n).cores, 0));
    },
  });
  new Gauge({
    name: `${NS}_cluster_memory_current_bytes`,
    help: 'Current number of bytes of memory in the cluster, minus deleting nodes.',
    registers,
    collect() {
      this.set(autoscaler.observe().nodes.reduce((s, n) => s + coresAndMemory(n).memory, 0));
    },
  });
  new Gauge({
    name: `${NS}_unneeded_nodes_count`,
    help: 'Number of nodes currently considered unneeded by CA.',
    registers,
    collect() {
      this.set(autoscaler.history.unneededSince.size);
    },
  });
  new Gauge({
    name: `${NS}_last_activity`,
    help: 'Last time certain part of CA logic executed.',
    labelNames: ['activity'] as const,
    registers,
    collect() {
      this.reset();
      if (Number.isFinite(counters.lastLoopAt)) this.set({ activity: 'main' }, Math.floor(counters.lastLoopAt / 1000));
    },
  });
  // The per-node-group gauges CA emits with --emit-per-nodegroup-metrics.
  const perGroup = (suffix: string, help: string, read: (g: ReturnType<Autoscaler['cloud']['nodeGroups']>[number]) => number) =>
    new Gauge({
      name: `${NS}_node_group_${suffix}`,
      help,
      labelNames: ['node_group'] as const,
      registers,
      collect() {
        this.reset();
        for (const g of autoscaler.cloud.nodeGroups()) this.set({ node_group: g.id }, read(g));
      },
    });
  perGroup('min_count', 'Minimum number of nodes in the node group', (g) => g.minSize());
  perGroup('max_count', 'Maximum number of nodes in the node group', (g) => g.maxSize());
  perGroup('target_count', 'Target number of nodes in the node group by CA.', (g) => g.targetSize());

  new Counter({
    name: `${NS}_scaled_up_nodes_total`,
    help: 'Number of nodes added by CA.',
    registers,
    collect() {
      this.reset();
      setCounter(this, {}, counters.scaledUpNodes);
    },
  });
  const labelled = <L extends string>(suffix: string, help: string, label: L, totals: ReadonlyMap<string, number>, extra: Partial<Record<string, string>> = {}) =>
    new Counter({
      name: `${NS}_${suffix}`,
      help,
      labelNames: [label, ...Object.keys(extra)],
      registers,
      collect() {
        this.reset();
        for (const [value, n] of [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) setCounter(this, { [label]: value, ...extra }, n);
      },
    });
  // Scale-downs carry the GPU labels too; they are empty for nodes without GPUs, and drydock does not split them out.
  labelled('scaled_down_nodes_total', 'Number of nodes removed by CA.', 'reason', counters.scaledDownNodes, { gpu_resource_name: '', gpu_name: '' });
  labelled('failed_scale_ups_total', 'Number of times scale-up operation has failed.', 'reason', counters.failedScaleUps);
  labelled('evicted_pods_total', 'Number of pods evicted by CA', 'eviction_result', counters.evictedPods);
  labelled('errors_total', 'The number of CA loops failed due to an error.', 'type', counters.errors);
}
