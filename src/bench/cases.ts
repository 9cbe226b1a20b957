// kube-scheduler's scheduler_perf workloads (test/integration/scheduler_perf: templates/*, misc/ and
// affinity/ performance-config.yaml), with their node and pod counts and the minimum average throughput
// each must reach upstream (reference: shared/reference/kube-scheduler.md §4.1–4.2).
import type { Json } from '../apiserver/strategy.js';

export interface PodGroup {
  readonly count: number;
  readonly template: (i: number) => Json;
  readonly namespace: string;
}

export interface BenchCase {
  readonly name: string;
  readonly nodes: number;
  readonly node: (i: number) => Json;
  /** Extra nodes (e.g. SchedulingDaemonset's named node). */
  readonly extraNodes?: readonly Json[];
  readonly init: readonly PodGroup[];
  readonly measured: PodGroup;
  /** scheduler_perf's threshold for this workload, pods/s (the minimum average SchedulingThroughput). */
  readonly threshold: number;
  /** Pods created before measuring that stay unschedulable (Unschedulable workload). */
  readonly background?: PodGroup;
  /** What differs from upstream's workload, if anything. */
  readonly note?: string;
}

const ZONE = 'topology.kubernetes.io/zone';

/** templates/node-default.yaml: 4 CPU, 32Gi, 110 pods, Ready. */
function nodeDefault(labels: (i: number) => Record<string, string> = () => ({})) {
  return (i: number): Json => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `scheduler-perf-${i}`, labels: { 'kubernetes.io/hostname': `scheduler-perf-${i}`, ...labels(i) } },
    status: {
      capacity: { pods: '110', cpu: '4', memory: '32Gi' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  });
}

function pod(prefix: string, spec: Json = {}, labels: Record<string, string> = {}, requests: Record<string, string> = { cpu: '100m', memory: '500Mi' }) {
  return (i: number): Json => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${prefix}-${i}`, labels },
    spec: {
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests, limits: requests } }],
      ...spec,
    },
  });
}

/** templates/pod-default.yaml: one pause container, requests = limits = 100m / 500Mi. */
const podDefault = (prefix: string) => pod(prefix);

const antiAffinity = (prefix: string) =>
  pod(prefix, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-0', 'sched-1'] }] } } }, { color: 'green' });

const affinity = (prefix: string) =>
  pod(prefix, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'blue' } }, topologyKey: ZONE, namespaces: ['sched-0', 'sched-1'] }] } } }, { color: 'blue' });

const preferredAffinity = (prefix: string) =>
  pod(prefix, { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { labelSelector: { matchLabels: { color: 'red' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-0', 'sched-1'] } }] } } }, { color: 'red' });

const preferredAntiAffinity = (prefix: string) =>
  pod(prefix, { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { labelSelector: { matchLabels: { color: 'yellow' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-0', 'sched-1'] } }] } } }, { color: 'yellow' });

const nodeAffinity = (prefix: string) =>
  pod(prefix, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone1', 'zone2'] }] }] } } } });

const spreading = (prefix: string, when: 'DoNotSchedule' | 'ScheduleAnyway') =>
  pod(prefix, { topologySpreadConstraints: [{ maxSkew: 5, topologyKey: ZONE, whenUnsatisfiable: when, labelSelector: { matchLabels: { color: 'blue' } } }] }, { color: 'blue' });

/** templates/pod-low-priority.yaml (900m, grace 0) and pod-high-priority.yaml (priority 10, 3000m). */
const lowPriority = (prefix: string) => pod(prefix, { terminationGracePeriodSeconds: 0 }, {}, { cpu: '900m', memory: '500Mi' });
const highPriority = (prefix: string) => pod(prefix, { priorityClassName: 'perf-high' }, {}, { cpu: '3000m', memory: '500Mi' });
/** templates/pod-high-priority-large-cpu.yaml: 9 CPUs never fit a 4-CPU node. */
const largeCpu = (prefix: string) => pod(prefix, { priorityClassName: 'perf-high' }, {}, { cpu: '9', memory: '500Mi' });

/** SchedulingDaemonset: pods pinned by matchFields metadata.name to one node (the PreFilterResult path). */
const daemonsetPod = (prefix: string) =>
  pod(prefix, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['scheduler-perf-node'] }] }] } } } }, {}, { cpu: '1m', memory: '1Mi' });

const zone1 = () => ({ [ZONE]: 'zone1' });
const moons = (i: number) => ({ [ZONE]: `moon-${(i % 3) + 1}` });

export const CASES: readonly BenchCase[] = [
  { name: 'SchedulingBasic', nodes: 5000, node: nodeDefault(), init: [{ count: 1000, template: podDefault('init'), namespace: 'default' }], measured: { count: 10000, template: podDefault('measured'), namespace: 'default' }, threshold: 270 },
  {
    name: 'SchedulingPodAntiAffinity',
    nodes: 5000,
    node: nodeDefault(),
    init: [{ count: 1000, template: antiAffinity('init'), namespace: 'sched-0' }],
    measured: { count: 2000, template: antiAffinity('measured'), namespace: 'sched-1' },
    threshold: 60,
  },
  {
    name: 'SchedulingPodAffinity',
    nodes: 5000,
    node: nodeDefault(zone1),
    init: [{ count: 5000, template: affinity('init'), namespace: 'sched-0' }],
    measured: { count: 5000, template: affinity('measured'), namespace: 'sched-1' },
    threshold: 35,
  },
  {
    name: 'SchedulingPreferredPodAffinity',
    nodes: 5000,
    node: nodeDefault(),
    init: [{ count: 5000, template: preferredAffinity('init'), namespace: 'sched-0' }],
    measured: { count: 5000, template: preferredAffinity('measured'), namespace: 'sched-1' },
    threshold: 90,
  },
  {
    name: 'SchedulingPreferredPodAntiAffinity',
    nodes: 5000,
    node: nodeDefault(),
    init: [{ count: 5000, template: preferredAntiAffinity('init'), namespace: 'sched-0' }],
    measured: { count: 5000, template: preferredAntiAffinity('measured'), namespace: 'sched-1' },
    threshold: 90,
  },
  {
    name: 'SchedulingNodeAffinity',
    nodes: 5000,
    node: nodeDefault(zone1),
    init: [{ count: 5000, template: nodeAffinity('init'), namespace: 'sched-0' }],
    measured: { count: 10000, template: nodeAffinity('measured'), namespace: 'sched-1' },
    threshold: 220,
  },
  {
    name: 'TopologySpreading',
    nodes: 5000,
    node: nodeDefault(moons),
    init: [{ count: 5000, template: podDefault('init'), namespace: 'default' }],
    measured: { count: 5000, template: spreading('measured', 'DoNotSchedule'), namespace: 'default' },
    threshold: 85,
  },
  {
    name: 'PreferredTopologySpreading',
    nodes: 5000,
    node: nodeDefault(moons),
    init: [{ count: 5000, template: podDefault('init'), namespace: 'default' }],
    measured: { count: 5000, template: spreading('measured', 'ScheduleAnyway'), namespace: 'default' },
    threshold: 125,
  },
  {
    name: 'PreemptionBasic',
    nodes: 500,
    node: nodeDefault(),
    init: [{ count: 2000, template: lowPriority('init'), namespace: 'default' }],
    measured: { count: 500, template: highPriority('measured'), namespace: 'default' },
    threshold: 18,
    note: 'backoff waits pass on the virtual clock, so they cost no wall time',
  },
  {
    name: 'Unschedulable',
    nodes: 5000,
    node: nodeDefault(),
    init: [{ count: 100, template: podDefault('init'), namespace: 'default' }],
    background: { count: 200, template: largeCpu('large'), namespace: 'default' },
    measured: { count: 10000, template: podDefault('measured'), namespace: 'default' },
    threshold: 170,
    note: 'the 9-CPU pods are created up front (200), not injected at 5/s during the measurement',
  },
  {
    name: 'MixedSchedulingBasePod',
    nodes: 5000,
    node: nodeDefault(zone1),
    init: [
      { count: 2000, template: podDefault('init-default'), namespace: 'sched-0' },
      { count: 2000, template: affinity('init-affinity'), namespace: 'sched-0' },
      { count: 2000, template: antiAffinity('init-anti'), namespace: 'sched-0' },
      { count: 2000, template: preferredAffinity('init-pref'), namespace: 'sched-0' },
      { count: 2000, template: preferredAntiAffinity('init-pref-anti'), namespace: 'sched-0' },
    ],
    measured: { count: 5000, template: podDefault('measured'), namespace: 'sched-1' },
    threshold: 140,
  },
  {
    name: 'SchedulingDaemonset',
    nodes: 15000,
    node: nodeDefault(),
    extraNodes: [
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'scheduler-perf-node', labels: { 'kubernetes.io/hostname': 'scheduler-perf-node' } },
        status: { capacity: { pods: '30000', cpu: '64', memory: '256Gi' }, conditions: [{ type: 'Ready', status: 'True' }] },
      },
    ],
    init: [],
    measured: { count: 30000, template: daemonsetPod('ds'), namespace: 'default' },
    threshold: 390,
    note: 'all pods pinned to one large named node with matchFields (PreFilterResult narrows the search to it)',
  },
];

/**
 * Ten times Kubernetes' documented limits (kubernetes.io "Considerations for large clusters": no more than
 * 5,000 nodes and 150,000 pods in total): SchedulingBasic's shapes at 50,000 nodes and 1,500,000 pods. Its
 * figures are the wall time and peak memory; SchedulingBasic's threshold gives the ratio a scale.
 */
export const SCALE_CASE: BenchCase = {
  name: 'Scale50kNodes1500kPods',
  nodes: 50_000,
  node: nodeDefault(),
  init: [],
  measured: { count: 1_500_000, template: podDefault('scale'), namespace: 'default' },
  threshold: 270,
  note: "SchedulingBasic's node and pod templates at ten times Kubernetes' documented limits (5,000 nodes, 150,000 pods)",
};

/** The Alibaba trace replay through `drydock simulate` (src/bench/replay.ts). */
export const REPLAY_CASE = 'AlibabaReplay';

/** Every case `drydock bench` runs by default: scheduler_perf's, then the scale case. */
export const ALL_CASES: readonly BenchCase[] = [...CASES, SCALE_CASE];

export function findCase(name: string): BenchCase | undefined {
  return ALL_CASES.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

/** The same workload shrunk by a factor, keeping its shape (for tests and --nodes/--pods). */
export function scaled(c: BenchCase, nodes: number, measuredPods: number): BenchCase {
  const f = nodes / c.nodes;
  return {
    ...c,
    nodes,
    init: c.init.map((g) => ({ ...g, count: Math.max(0, Math.round(g.count * f)) })),
    ...(c.background !== undefined ? { background: { ...c.background, count: Math.max(1, Math.round(c.background.count * f)) } } : {}),
    measured: { ...c.measured, count: measuredPods },
  };
}
