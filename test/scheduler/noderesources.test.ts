// NodeResourcesFit: Filter (fit_test.go), the three scoring strategies (least_allocated_test.go,
// most_allocated_test.go, requested_to_capacity_ratio_test.go), args validation and properties.
// Vectors: shared/reference/kube-scheduler.md §3.1–3.3. Upstream's Capacity({"cpu": "4000"}) is written
// '4000' here too (4000 cores); only the ratios matter.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Node, Pod } from '../../src/api/index.js';
import { Code, ConfigError, CycleState, reasonOf } from '../../src/scheduler/framework.js';
import { makePodInfo, type PodInfo } from '../../src/scheduler/podinfo.js';
import type { Snapshot } from '../../src/scheduler/snapshot.js';
import {
  COMPOSITE_REASON_SEPARATOR,
  Fit,
  NAME,
  buildBrokenLinearFunction,
  newNodeResourcesFit,
  parseNodeResourcesFitArgs,
} from '../../src/scheduler/plugins/noderesources.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

function fit(args?: Json): Fit {
  return newNodeResourcesFit({ args, profileName: 'default-scheduler' }) as Fit;
}

const leastAllocated = (resources?: { name: string; weight: number }[]) =>
  fit(resources === undefined ? undefined : { scoringStrategy: { type: 'LeastAllocated', resources } });
const mostAllocated = (resources?: { name: string; weight: number }[]) =>
  fit({ scoringStrategy: resources === undefined ? { type: 'MostAllocated' } : { type: 'MostAllocated', resources } });

/** PreScore then Score on every named node, as the upstream tests do. */
function scores(plugin: Fit, pod: PodInfo, snapshot: Snapshot, names: string[], runPreScore = true): number[] {
  const state = new CycleState();
  const nodes = Int32Array.from(rows(snapshot, ...names));
  if (runPreScore) assert.is(plugin.preScore(state, pod, nodes, nodes.length, snapshot).code, Code.Success);
  return Array.from(nodes, (r) => plugin.score(state, pod, r, snapshot));
}

interface FilterOutcome {
  readonly code: Code;
  readonly reasons: readonly string[];
}

/** PreFilter then Filter on one node; the composite reason's text split back into upstream's reasons. */
function filterOn(plugin: Fit, pod: PodInfo, snapshot: Snapshot, name: string): FilterOutcome {
  const state = new CycleState();
  assert.is(plugin.preFilter(state, pod, snapshot).status.code, Code.Success);
  const id = plugin.filter(state, pod, rows(snapshot, name)[0]!, snapshot);
  if (id === 0) return { code: Code.Success, reasons: [] };
  const r = reasonOf(id);
  return { code: r.code, reasons: r.text.split(COMPOSITE_REASON_SEPARATOR) };
}

const node = (name: string, caps: Record<string, string>) => makeNode(name).capacity(caps).obj();

// ---- Filter ----------------------------------------------------------------------------------------

// fit_test.go TestEnoughRequests: node allocatable makeAllocatableResources(10, 20, 32, 5, 20, 5) =
// cpu 10m, memory 20, pods 32, example.com/aaa 5, ephemeral-storage 20, hugepages-2Mi 5; one existing
// pod on it holds the "used" resources.
const ENOUGH_NODE = { cpu: '10m', memory: '20', pods: '32', 'example.com/aaa': '5', 'ephemeral-storage': '20', 'hugepages-2Mi': '5' };

interface FilterCase {
  readonly name: string;
  readonly pod: Pod;
  readonly used: Record<string, string>;
  readonly args?: Json;
  readonly want: FilterOutcome;
}

const FITS: FilterOutcome = { code: Code.Success, reasons: [] };
const unschedulable = (...reasons: string[]): FilterOutcome => ({ code: Code.Unschedulable, reasons });
const unresolvable = (...reasons: string[]): FilterOutcome => ({ code: Code.UnschedulableAndUnresolvable, reasons });
const init = (...requests: Record<string, string>[]) => ({
  initContainers: requests.map((r, i) => ({ name: `init${i}`, image: 'busybox', resources: { requests: r } })),
});

const enoughRequests: FilterCase[] = [
  // pod requests nothing: only the pod count is checked.
  { name: 'no resources requested always fits', pod: makePod('p').obj(), used: { cpu: '10m', memory: '20' }, want: FITS },
  // cpu 1 > 10 - 10 = 0 and memory 1 > 20 - 20 = 0; neither 1 > allocatable, so both resolvable.
  {
    name: 'too many resources fails',
    pod: makePod('p').req({ cpu: '1m', memory: '1' }).obj(),
    used: { cpu: '10m', memory: '20' },
    want: unschedulable('Insufficient cpu', 'Insufficient memory'),
  },
  // max(sum containers 1, init 3) = 3 > 10 - 8 = 2 → cpu; memory max(1, 1) = 1 <= 20 - 19 = 1.
  {
    name: 'too many resources fails due to init container cpu',
    pod: makePod('p').req({ cpu: '1m', memory: '1' }).spec(init({ cpu: '3m', memory: '1' })).obj(),
    used: { cpu: '8m', memory: '19' },
    want: unschedulable('Insufficient cpu'),
  },
  // init containers 3 and 2: the max (3), not the sum, counts.
  {
    name: 'too many resources fails due to highest init container cpu',
    pod: makePod('p').req({ cpu: '1m', memory: '1' }).spec(init({ cpu: '3m', memory: '1' }, { cpu: '2m', memory: '1' })).obj(),
    used: { cpu: '8m', memory: '19' },
    want: unschedulable('Insufficient cpu'),
  },
  // memory max(1, 3) = 3 > 20 - 19 = 1.
  {
    name: 'too many resources fails due to init container memory',
    pod: makePod('p').req({ cpu: '1m', memory: '1' }).spec(init({ cpu: '1m', memory: '3' })).obj(),
    used: { cpu: '9m', memory: '19' },
    want: unschedulable('Insufficient memory'),
  },
  // cpu max(1, 1) = 1 <= 10 - 9; memory 1 <= 20 - 19.
  {
    name: "init container fits because it's the max, not sum, of containers and init containers",
    pod: makePod('p').req({ cpu: '1m', memory: '1' }).spec(init({ cpu: '1m', memory: '1' })).obj(),
    used: { cpu: '9m', memory: '19' },
    want: FITS,
  },
  { name: 'both resources fit', pod: makePod('p').req({ cpu: '1m', memory: '1' }).obj(), used: { cpu: '5m', memory: '5' }, want: FITS },
  // cpu 2 > 10 - 9 = 1.
  {
    name: 'one resource memory fits',
    pod: makePod('p').req({ cpu: '2m', memory: '1' }).obj(),
    used: { cpu: '9m', memory: '5' },
    want: unschedulable('Insufficient cpu'),
  },
  // memory 2 > 20 - 19 = 1.
  {
    name: 'one resource cpu fits',
    pod: makePod('p').req({ cpu: '1m', memory: '2' }).obj(),
    used: { cpu: '5m', memory: '19' },
    want: unschedulable('Insufficient memory'),
  },
  // cpu 5 <= 10 - 5, memory 1 <= 20 - 19: "greater than", not "greater or equal".
  { name: 'equal edge case', pod: makePod('p').req({ cpu: '5m', memory: '1' }).obj(), used: { cpu: '5m', memory: '19' }, want: FITS },
  {
    name: 'equal edge case for init container',
    pod: makePod('p').req({ cpu: '4m', memory: '1' }).spec(init({ cpu: '5m', memory: '1' })).obj(),
    used: { cpu: '5m', memory: '19' },
    want: FITS,
  },
  { name: 'extended resource fits', pod: makePod('p').req({ 'example.com/aaa': '1' }).obj(), used: {}, want: FITS },
  // aaa 10 > 5 - 0 and 10 > allocatable 5: unresolvable (PR #131345).
  {
    name: 'extended resource capacity enforced',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'example.com/aaa': '10' }).obj(),
    used: {},
    want: unresolvable('Insufficient example.com/aaa'),
  },
  // aaa 1 > 5 - 5 = 0, but 1 <= 5: preemption could make room.
  {
    name: 'extended resource allocatable enforced',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'example.com/aaa': '1' }).obj(),
    used: { 'example.com/aaa': '5' },
    want: unschedulable('Insufficient example.com/aaa'),
  },
  // 3 + 3 = 6 > 5 - 2 = 3, and 6 > 5.
  {
    name: 'extended resource allocatable enforced for multiple containers',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'example.com/aaa': '3' }).req({ cpu: '1m', memory: '1', 'example.com/aaa': '3' }).obj(),
    used: { 'example.com/aaa': '2' },
    want: unresolvable('Insufficient example.com/aaa'),
  },
  // init containers 3 and 3 run one at a time: max 3 <= 5 - 2.
  {
    name: 'extended resource allocatable admits multiple init containers',
    pod: makePod('p').spec(init({ cpu: '1m', memory: '1', 'example.com/aaa': '3' }, { cpu: '1m', memory: '1', 'example.com/aaa': '3' })).obj(),
    used: { 'example.com/aaa': '2' },
    want: FITS,
  },
  // The node has no example.com/bbb at all: 1 > 0.
  {
    name: 'extended resource allocatable enforced for unknown resource',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'example.com/bbb': '1' }).obj(),
    used: {},
    want: unresolvable('Insufficient example.com/bbb'),
  },
  {
    name: 'kubernetes.io resource capacity enforced',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'kubernetes.io/something': '10' }).obj(),
    used: {},
    want: unresolvable('Insufficient kubernetes.io/something'),
  },
  // hugepages-2Mi 10 > 5.
  {
    name: 'hugepages resource capacity enforced',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'hugepages-2Mi': '10' }).obj(),
    used: {},
    want: unresolvable('Insufficient hugepages-2Mi'),
  },
  // 3 + 3 = 6 > 5 - 2 = 3.
  {
    name: 'hugepages resource allocatable enforced for multiple containers',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'hugepages-2Mi': '3' }).req({ cpu: '1m', memory: '1', 'hugepages-2Mi': '3' }).obj(),
    used: { 'hugepages-2Mi': '2' },
    want: unresolvable('Insufficient hugepages-2Mi'),
  },
  {
    name: 'skip checking ignored extended resource',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'example.com/bbb': '1' }).obj(),
    used: {},
    args: { ignoredResources: ['example.com/bbb'] },
    want: FITS,
  },
  // (1 + 3m overhead) = 4 <= 10 - 5; (1 + 13) = 14 <= 20 - 5.
  {
    name: 'resources + pod overhead fits',
    pod: makePod('p').req({ cpu: '1m', memory: '1' }).spec({ overhead: { cpu: '3m', memory: '13' } }).obj(),
    used: { cpu: '5m', memory: '5' },
    want: FITS,
  },
  // memory 1 + 15 = 16 > 20 - 5 = 15.
  {
    name: 'requests + overhead does not fit for memory',
    pod: makePod('p').req({ cpu: '1m', memory: '1' }).spec({ overhead: { cpu: '1m', memory: '15' } }).obj(),
    used: { cpu: '5m', memory: '5' },
    want: unschedulable('Insufficient memory'),
  },
  // example.com is ignored as a group; kubernetes.io/something is not extended, so it is still checked.
  {
    name: 'skip checking ignored extended resource via resource groups',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'example.com/bbb': '1', 'kubernetes.io/something': '1' }).obj(),
    used: {},
    args: { ignoredResourceGroups: ['example.com'] },
    want: unresolvable('Insufficient kubernetes.io/something'),
  },
  // aaa 0 is skipped even though the node's aaa is overcommitted (6 > 5).
  {
    name: 'skip checking extended resource request with quantity zero via resource groups',
    pod: makePod('p').req({ cpu: '1m', memory: '1', 'example.com/aaa': '0' }).obj(),
    used: { 'example.com/aaa': '6' },
    want: FITS,
  },
  {
    name: 'skip checking resource request with quantity zero',
    pod: makePod('p').req({ 'example.com/aaa': '1' }).obj(),
    used: { cpu: '20m', memory: '30', 'example.com/aaa': '1' },
    want: FITS,
  },
];

const filterSuite = suite('NodeResourcesFit Filter (fit_test.go TestEnoughRequests)');
for (const c of enoughRequests) {
  filterSuite(c.name, () => {
    const { snapshot } = clusterOf([node('n', ENOUGH_NODE)], [makePod('used').req(c.used).node('n').obj()]);
    assert.equal(filterOn(fit(c.args), makePodInfo(c.pod), snapshot, 'n'), c.want);
  });
}
filterSuite.run();


const notEnough = suite('NodeResourcesFit Filter: pod count (fit_test.go TestNotEnoughRequests)');
// Node allocatable (10m, 20, pods 1) with one pod on it: 1 + 1 > 1 whatever the pod asks.
const notEnoughCases: { name: string; pod: Pod; used: Record<string, string> }[] = [
  { name: "even without specified resources, predicate fails when there's no space for additional pod", pod: makePod('p').obj(), used: { cpu: '10m', memory: '20' } },
  { name: "even if both resources fit, predicate fails when there's no space for additional pod", pod: makePod('p').req({ cpu: '1m', memory: '1' }).obj(), used: { cpu: '5m', memory: '5' } },
  { name: "even for equal edge case, predicate fails when there's no space for additional pod", pod: makePod('p').req({ cpu: '5m', memory: '1' }).obj(), used: { cpu: '5m', memory: '19' } },
  {
    name: "even for equal edge case, predicate fails when there's no space for additional pod due to init container",
    pod: makePod('p').req({ cpu: '5m', memory: '1' }).spec(init({ cpu: '5m', memory: '1' })).obj(),
    used: { cpu: '5m', memory: '19' },
  },
];
for (const c of notEnoughCases) {
  notEnough(c.name, () => {
    const { snapshot } = clusterOf([node('n', { cpu: '10m', memory: '20', pods: '1' })], [makePod('used').req(c.used).node('n').obj()]);
    assert.equal(filterOn(fit(), makePodInfo(c.pod), snapshot, 'n'), unschedulable('Too many pods'));
  });
}
notEnough.run();

const storage = suite('NodeResourcesFit Filter: ephemeral-storage (fit_test.go TestStorageRequests)');
const storageCases: { name: string; pod: Pod; used: Record<string, string>; want: FilterOutcome }[] = [
  { name: 'empty storage requested, and pod fits', pod: makePod('p').req({ cpu: '1m', memory: '1' }).obj(), used: { cpu: '2m', memory: '10' }, want: FITS },
  // 25 > 20 - 0 and 25 > allocatable 20.
  {
    name: 'storage ephemeral local storage request exceeds allocatable',
    pod: makePod('p').req({ 'ephemeral-storage': '25' }).obj(),
    used: { cpu: '2m', memory: '2' },
    want: unresolvable('Insufficient ephemeral-storage'),
  },
  // 5 <= 20 - 10.
  {
    name: 'ephemeral local storage is sufficient',
    pod: makePod('p').req({ 'ephemeral-storage': '5' }).obj(),
    used: { cpu: '2m', memory: '2', 'ephemeral-storage': '10' },
    want: FITS,
  },
  { name: 'pod fits', pod: makePod('p').req({ 'ephemeral-storage': '10' }).obj(), used: { cpu: '2m', memory: '2' }, want: FITS },
  // 15 > 20 - 10 = 10 but 15 <= 20: resolvable.
  {
    name: 'ephemeral-storage short only because of another pod (drydock)',
    pod: makePod('p').req({ 'ephemeral-storage': '15' }).obj(),
    used: { 'ephemeral-storage': '10' },
    want: unschedulable('Insufficient ephemeral-storage'),
  },
];
for (const c of storageCases) {
  storage(c.name, () => {
    const { snapshot } = clusterOf([node('n', ENOUGH_NODE)], [makePod('used').req(c.used).node('n').obj()]);
    assert.equal(filterOn(fit(), makePodInfo(c.pod), snapshot, 'n'), c.want);
  });
}
storage.run();

const composite = suite('NodeResourcesFit Filter: composite reasons and unresolvable nodes');

composite('every insufficient resource of a node is reported, in upstream order, in one reason', () => {
  // Node pods 1 with one pod on it; the pod overflows cpu, memory, ephemeral-storage and example.com/aaa
  // (each <= allocatable, so only "Unschedulable": preemption could make room for all of them).
  const { snapshot } = clusterOf(
    [node('n', { cpu: '4', memory: '4Gi', 'ephemeral-storage': '10Gi', pods: '1', 'example.com/aaa': '2', 'example.com/bbb': '2' })],
    [makePod('used').req({ cpu: '3', memory: '3Gi', 'ephemeral-storage': '9Gi', 'example.com/aaa': '2' }).node('n').obj()],
  );
  const pod = makePod('p').req({ cpu: '2', memory: '2Gi', 'ephemeral-storage': '2Gi', 'example.com/aaa': '1', 'example.com/bbb': '1' }).info();
  assert.equal(
    filterOn(fit(), pod, snapshot, 'n'),
    unschedulable('Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage', 'Insufficient example.com/aaa'),
  );
});

composite('the same combination maps to the same reason id on every node and pod', () => {
  const { snapshot } = clusterOf(
    [node('a', { cpu: '1', memory: '1Gi' }), node('b', { cpu: '1', memory: '1Gi' })],
    [],
  );
  const plugin = fit();
  const ids = ['a', 'b'].map((n) => {
    const state = new CycleState();
    const pod = makePod(`p-${n}`).req({ cpu: '500m', memory: '2Gi', 'example.com/x': '1' }).info();
    plugin.preFilter(state, pod, snapshot);
    return plugin.filter(state, pod, rows(snapshot, n)[0]!, snapshot);
  });
  assert.ok(ids[0]! > 0);
  assert.is(ids[0], ids[1]);
  assert.is(reasonOf(ids[0]!).text, 'Insufficient memory\nInsufficient example.com/x');
});

composite('request above the whole allocatable → UnschedulableAndUnresolvable (PR #131345)', () => {
  // cpu 5 > allocatable 4: even an empty node cannot take the pod.
  const { snapshot } = clusterOf([node('n', { cpu: '4', memory: '8Gi' })]);
  assert.equal(filterOn(fit(), makePod('p').req({ cpu: '5' }).info(), snapshot, 'n'), unresolvable('Insufficient cpu'));
});

composite('request above what is left but within allocatable → Unschedulable (preemption may help)', () => {
  // 3 > 4 - 2 = 2, but 3 <= 4.
  const { snapshot } = clusterOf([node('n', { cpu: '4', memory: '8Gi' })], [makePod('used').req({ cpu: '2' }).node('n').obj()]);
  assert.equal(filterOn(fit(), makePod('p').req({ cpu: '3' }).info(), snapshot, 'n'), unschedulable('Insufficient cpu'));
});

composite('one unresolvable resource makes the whole composite unresolvable', () => {
  // cpu 5 > 4 (unresolvable); memory 6Gi > 8Gi - 4Gi (resolvable): fit.go keeps both reasons, code from either.
  const { snapshot } = clusterOf([node('n', { cpu: '4', memory: '8Gi' })], [makePod('used').req({ memory: '4Gi' }).node('n').obj()]);
  assert.equal(filterOn(fit(), makePod('p').req({ cpu: '5', memory: '6Gi' }).info(), snapshot, 'n'), unresolvable('Insufficient cpu', 'Insufficient memory'));
});

composite('an extended resource beyond allocatable alongside "Too many pods" is unresolvable', () => {
  const { snapshot } = clusterOf([node('n', { cpu: '4', pods: '0', 'nvidia.com/gpu': '1' })]);
  assert.equal(filterOn(fit(), makePod('p').req({ 'nvidia.com/gpu': '2' }).info(), snapshot, 'n'), unresolvable('Too many pods', 'Insufficient nvidia.com/gpu'));
});

composite('a pod with no requests fits a full node; only the pod count can stop it', () => {
  // Every resource of the node is requested already; the pod asks nothing, so only len(pods)+1 > pods counts.
  const full = { cpu: '4', memory: '8Gi', 'ephemeral-storage': '10Gi', 'example.com/aaa': '2' };
  const { snapshot } = clusterOf(
    [node('roomy', { ...full, pods: '110' }), node('crowded', { ...full, pods: '1' })],
    [makePod('u1').req(full).node('roomy').obj(), makePod('u2').req(full).node('crowded').obj()],
  );
  const pod = makePod('p').container().info(); // a container without requests: actual requests all 0
  assert.equal(filterOn(fit(), pod, snapshot, 'roomy'), FITS);
  assert.equal(filterOn(fit(), pod, snapshot, 'crowded'), unschedulable('Too many pods'));
});

composite('drydock.io/gpu-milli is not checked as a scalar resource (the GPU plugin owns it)', () => {
  const { snapshot } = clusterOf([node('n', { cpu: '4', 'drydock.io/gpu-milli': '0' })]);
  assert.equal(filterOn(fit(), makePod('p').req({ cpu: '1', 'drydock.io/gpu-milli': '500' }).info(), snapshot, 'n'), FITS);
});

composite('Filter without PreFilter is an Error (fit_test.go TestPreFilterDisabled)', () => {
  const { snapshot } = clusterOf([node('n', { cpu: '4' })]);
  const id = fit().filter(new CycleState(), makePod('p').info(), 0, snapshot);
  assert.is(reasonOf(id).code, Code.Error);
  assert.is(reasonOf(id).text, 'error reading "PreFilterNodeResourcesFit" from cycleState: not found');
});

composite('the plugin name is kube-scheduler\'s', () => {
  assert.is(NAME, 'NodeResourcesFit');
  assert.is(fit().name, 'NodeResourcesFit');
});
composite.run();

// ---- scoring ---------------------------------------------------------------------------------------

interface ScoreCase {
  readonly name: string;
  readonly nodes: Node[];
  readonly existing?: Pod[];
  readonly pod: PodInfo;
  readonly want: number[];
}

function runScoreCases(title: string, make: (c: ScoreCase) => Fit, cases: (ScoreCase & { args?: { name: string; weight: number }[] })[]): void {
  const s = suite(title);
  for (const c of cases) {
    s(c.name, () => {
      const { snapshot } = clusterOf(c.nodes, c.existing ?? []);
      const names = c.nodes.map((n) => n.metadata!.name!);
      assert.equal(scores(make(c), c.pod, snapshot, names), c.want);
    });
  }
  s.run();
}

const EXT = 'abc.com/xyz';
const extendedResourceSet = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
  { name: EXT, weight: 1 },
];
const req3000x5000 = () => makePod('p').req({ cpu: '1000', memory: '2000' }).req({ cpu: '2000', memory: '3000' }).info();

// §3.1 — least_allocated_test.go TestLeastAllocatedScoringStrategy (default weights cpu=1, memory=1).
const leastCases: (ScoreCase & { args?: { name: string; weight: number }[] })[] = [
  {
    // (4000-0)·100/4000 = 100, (10000-0)·100/10000 = 100 → (100+100)/2 = 100 on both nodes.
    name: 'nothing scheduled, nothing requested',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '4000', memory: '10000' })],
    pod: makePod('p').info(),
    want: [100, 100],
  },
  {
    // L1. node1: (4000-3000)·100/4000 = 25, (10000-5000)·100/10000 = 50 → (25+50)/2 = 37 (integer division).
    //     node2: (6000-3000)·100/6000 = 50, 50 → 50.
    name: 'nothing scheduled, resources requested, differently sized nodes',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })],
    pod: req3000x5000(),
    want: [37, 50],
  },
  {
    // Pods without containers add nothing, even to the non-zero requests → 100, 100.
    name: 'no resources requested, pods scheduled',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '4000', memory: '10000' })],
    existing: [makePod('a').node('node1').obj(), makePod('b').node('node1').obj(), makePod('c').node('node2').obj(), makePod('d').node('node2').obj()],
    pod: makePod('p').info(),
    want: [100, 100],
  },
  {
    // L2. node1: cpu (10000-6000)·100/10000 = 40, memory (20000-0)·100/20000 = 100 → (40+100)/2 = 70.
    //     node2: cpu 40, memory (20000-5000)·100/20000 = 75 → (40+75)/2 = 57.
    name: 'no resources requested, pods scheduled with resources',
    nodes: [node('node1', { cpu: '10000', memory: '20000' }), node('node2', { cpu: '10000', memory: '20000' })],
    existing: [
      makePod('a').node('node1').req({ cpu: '3000', memory: '0' }).obj(),
      makePod('b').node('node1').req({ cpu: '3000', memory: '0' }).obj(),
      makePod('c').node('node2').req({ cpu: '3000', memory: '0' }).obj(),
      makePod('d').node('node2').req({ cpu: '3000', memory: '5000' }).obj(),
    ],
    pod: makePod('p').info(),
    want: [70, 57],
  },
  {
    // L3. node1: cpu 40, memory (20000-5000)·100/20000 = 75 → 57. node2: 40, (20000-10000)·100/20000 = 50 → 45.
    name: 'resources requested, pods scheduled with resources',
    nodes: [node('node1', { cpu: '10000', memory: '20000' }), node('node2', { cpu: '10000', memory: '20000' })],
    existing: [makePod('a').node('node1').req({ cpu: '3000', memory: '0' }).obj(), makePod('b').node('node2').req({ cpu: '3000', memory: '5000' }).obj()],
    pod: req3000x5000(),
    want: [57, 45],
  },
  {
    // L4. node1 57 as above; node2: 40, (50000-10000)·100/50000 = 80 → (40+80)/2 = 60.
    name: 'resources requested, pods scheduled with resources, differently sized nodes',
    nodes: [node('node1', { cpu: '10000', memory: '20000' }), node('node2', { cpu: '10000', memory: '50000' })],
    existing: [makePod('a').node('node1').req({ cpu: '3000', memory: '0' }).obj(), makePod('b').node('node2').req({ cpu: '3000', memory: '5000' }).obj()],
    pod: req3000x5000(),
    want: [57, 60],
  },
  {
    // L5. cpu 3000+3000 = 6000 > 4000 → 0. node1 memory: explicit "0" stays 0 → 100 → (0+100)/2 = 50.
    //     node2 memory (10000-5000)·100/10000 = 50 → (0+50)/2 = 25.
    name: 'requested resources exceed node capacity',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '4000', memory: '10000' })],
    existing: [makePod('a').node('node1').req({ cpu: '3000', memory: '0' }).obj(), makePod('b').node('node2').req({ cpu: '3000', memory: '5000' }).obj()],
    pod: makePod('p').req({ cpu: '3000', memory: '0' }).info(),
    want: [50, 25],
  },
  {
    // Allocatable 0 for both resources: both skipped, weightSum 0 → 0.
    name: 'zero node resources, pods scheduled with resources',
    nodes: [makeNode('node1').obj(), makeNode('node2').obj()],
    existing: [makePod('a').node('node1').req({ cpu: '3000', memory: '0' }).obj(), makePod('b').node('node2').req({ cpu: '3000', memory: '5000' }).obj()],
    pod: makePod('p').info(),
    want: [0, 0],
  },
  {
    // L6. node1: (25·1 + 50·2) / (1+2) = 125/3 = 41. node2: (50·1 + 50·2)/3 = 50.
    name: 'nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })],
    pod: req3000x5000(),
    args: [
      { name: 'memory', weight: 2 },
      { name: 'cpu', weight: 1 },
    ],
    want: [41, 50],
  },
  {
    // The pod does not request abc.com/xyz: it is skipped → (50+50)/2 = 50 on both.
    name: 'bypass extended resource if the pod does not request',
    nodes: [node('node1', { cpu: '6000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000', [EXT]: '4' })],
    pod: req3000x5000(),
    args: extendedResourceSet,
    want: [50, 50],
  },
  {
    // L7. cpu and memory 50 each; xyz node1 (4-2)·100/4 = 50, node2 (10-2)·100/10 = 80.
    //     node1 (50+50+50)/3 = 50; node2 (50+50+80)/3 = 60.
    name: 'honor extended resource if the pod requests',
    nodes: [node('node1', { cpu: '6000', memory: '10000', [EXT]: '4' }), node('node2', { cpu: '6000', memory: '10000', [EXT]: '10' })],
    pod: makePod('p').req({ cpu: '3000', memory: '5000', [EXT]: '2' }).info(),
    args: extendedResourceSet,
    want: [50, 60],
  },
  {
    // L8. xyz (weight 2) not requested → skipped on both; cpu (6000-3000)·100/6000 = 50,
    //     memory (10000-4000)·100/10000 = 60 → (50·1 + 60·1)/(1+1) = 55.
    name: "if the node doesn't have a resource",
    nodes: [node('node1', { cpu: '6000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000', [EXT]: '4' })],
    pod: makePod('p').req({ cpu: '3000', memory: '4000' }).info(),
    args: [
      { name: EXT, weight: 2 },
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
    ],
    want: [55, 55],
  },
];
runScoreCases('NodeResourcesFit LeastAllocated (least_allocated_test.go TestLeastAllocatedScoringStrategy)', (c) => leastAllocated((c as { args?: { name: string; weight: number }[] }).args), leastCases);

// §3.2 — most_allocated_test.go TestMostAllocatedScoringStrategy.
const mostCases: (ScoreCase & { args?: { name: string; weight: number }[] })[] = [
  {
    // 0·100/4000 = 0, 0·100/10000 = 0 → 0.
    name: 'nothing scheduled, nothing requested',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '4000', memory: '10000' })],
    pod: makePod('p').info(),
    want: [0, 0],
  },
  {
    // M1. node1: 3000·100/4000 = 75, 5000·100/10000 = 50 → (75+50)/2 = 62. node2: 50, 50 → 50.
    name: 'nothing scheduled, resources requested, differently sized nodes',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })],
    pod: req3000x5000(),
    want: [62, 50],
  },
  {
    // M2. node1: 6000·100/10000 = 60, 0 → 30. node2: 60, 5000·100/20000 = 25 → (60+25)/2 = 42.
    name: 'no resources requested, pods scheduled with resources',
    nodes: [node('node1', { cpu: '10000', memory: '20000' }), node('node2', { cpu: '10000', memory: '20000' })],
    existing: [
      makePod('a').node('node1').req({ cpu: '3000', memory: '0' }).obj(),
      makePod('b').node('node1').req({ cpu: '3000', memory: '0' }).obj(),
      makePod('c').node('node2').req({ cpu: '3000', memory: '0' }).obj(),
      makePod('d').node('node2').req({ cpu: '3000', memory: '5000' }).obj(),
    ],
    pod: makePod('p').info(),
    want: [30, 42],
  },
  {
    // M3. node1: 60, 5000·100/20000 = 25 → 42. node2: 60, 10000·100/20000 = 50 → 55.
    name: 'resources requested, pods scheduled with resources',
    nodes: [node('node1', { cpu: '10000', memory: '20000' }), node('node2', { cpu: '10000', memory: '20000' })],
    existing: [makePod('a').node('node1').req({ cpu: '3000', memory: '0' }).obj(), makePod('b').node('node2').req({ cpu: '3000', memory: '5000' }).obj()],
    pod: req3000x5000(),
    want: [42, 55],
  },
  {
    // M4. pod 2000+3000 = 5000 cpu, 4000+5000 = 9000 memory.
    //     node1: 5000·100/5000 = 100, 9000·100/10000 = 90 → 95. node2: 5000·100/10000 = 50, 9000·100/9000 = 100 → 75.
    name: 'resources requested equal node capacity',
    nodes: [node('node1', { cpu: '5000', memory: '10000' }), node('node2', { cpu: '10000', memory: '9000' })],
    pod: makePod('p').req({ cpu: '2000', memory: '4000' }).req({ cpu: '3000', memory: '5000' }).info(),
    want: [95, 75],
  },
  {
    // M5. node1: (75·1 + 50·2)/3 = 175/3 = 58. node2: (50 + 100)/3 = 50.
    name: 'nothing scheduled, resources requested, differently sized nodes (memory weight 2)',
    nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })],
    pod: req3000x5000(),
    args: [
      { name: 'memory', weight: 2 },
      { name: 'cpu', weight: 1 },
    ],
    want: [58, 50],
  },
  {
    // M6. Containers without requests count 100m / 200Mi (non-zero defaults).
    //     node1: cpu 100m·3 = 300m > 250m → clamped → 100; memory 600Mi·100/1000Mi = 60 → (100+60)/2 = 80.
    //     node2: cpu 100m·100/250m = 40; memory 200Mi·100/1000Mi = 20 → (40+20)/2 = 30.
    name: 'no resources requested, pods scheduled, nonzero request for resource',
    nodes: [node('node1', { cpu: '250m', memory: '1000Mi' }), node('node2', { cpu: '250m', memory: '1000Mi' })],
    existing: [makePod('a').node('node1').container().obj(), makePod('b').node('node1').container().obj()],
    pod: makePod('p').container().info(),
    want: [80, 30],
  },
  {
    // Not requested → skipped: (50+50)/2 = 50.
    name: 'bypass extended resource if the pod does not request',
    nodes: [node('node1', { cpu: '6000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000', [EXT]: '4' })],
    pod: req3000x5000(),
    args: extendedResourceSet,
    want: [50, 50],
  },
  {
    // M7. xyz node1 2·100/4 = 50 → (50+50+50)/3 = 50; node2 2·100/10 = 20 → (50+50+20)/3 = 40.
    name: 'honor extended resource if the pod request',
    nodes: [node('node1', { cpu: '6000', memory: '10000', [EXT]: '4' }), node('node2', { cpu: '6000', memory: '10000', [EXT]: '10' })],
    pod: makePod('p').req({ cpu: '3000', memory: '5000', [EXT]: '2' }).info(),
    args: extendedResourceSet,
    want: [50, 40],
  },
  {
    // xyz skipped; cpu 3000·100/6000 = 50, memory 4000·100/10000 = 40 → (50+40)/2 = 45.
    name: "if the node doesn't have a resource",
    nodes: [node('node1', { cpu: '6000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000', [EXT]: '4' })],
    pod: makePod('p').req({ cpu: '3000', memory: '4000' }).info(),
    args: [
      { name: EXT, weight: 2 },
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
    ],
    want: [45, 45],
  },
];
runScoreCases('NodeResourcesFit MostAllocated (most_allocated_test.go TestMostAllocatedScoringStrategy)', (c) => mostAllocated((c as { args?: { name: string; weight: number }[] }).args), mostCases);

// §3.3 — requested_to_capacity_ratio_test.go.
const rtcr = (resources: { name: string; weight: number }[], shape: { utilization: number; score: number }[]) =>
  fit({ scoringStrategy: { type: 'RequestedToCapacityRatio', resources, requestedToCapacityRatio: { shape } } });
const defaultResources = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];
const leastShape = [
  { utilization: 0, score: 10 },
  { utilization: 100, score: 0 },
];
runScoreCases(
  'NodeResourcesFit RequestedToCapacityRatio (TestRequestedToCapacityRatioScoringStrategy, shape {0:10, 100:0})',
  () => rtcr(defaultResources, leastShape),
  [
    {
      // Nothing requested: utilization 0 → f(0) = 10·10 = 100 for both resources → round(100) = 100.
      name: 'nothing scheduled, nothing requested (default - least requested nodes have priority)',
      nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '4000', memory: '10000' })],
      existing: [makePod('a').node('node1').obj(), makePod('b').node('node1').obj()],
      pod: makePod('p').info(),
      want: [100, 100],
    },
    {
      // node1: cpu 3000·100/4000 = 75 → f = 100 + (0-100)·(75-0)/(100-0) = 25; memory 50 → 50;
      //        round((25+50)/2 = 37.5) = 38 — math.Round, where LeastAllocated's integer division gives 37.
      // node2: cpu 50 → 50, memory 50 → 50 → 50.
      name: 'nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)',
      nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })],
      existing: [makePod('a').node('node1').obj(), makePod('b').node('node1').obj()],
      pod: req3000x5000(),
      want: [38, 50],
    },
    {
      // Same utilizations, but from existing pods: 38, 50.
      name: 'no resources requested, pods scheduled with resources (default - least requested nodes have priority)',
      nodes: [node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })],
      existing: [makePod('a').node('node1').req({ cpu: '3000', memory: '5000' }).obj(), makePod('b').node('node2').req({ cpu: '3000', memory: '5000' }).obj()],
      pod: makePod('p').info(),
      want: [38, 50],
    },
  ],
);

// Bin packing: shape {0:0, 100:1} → scores 0..10 after the ×10 scaling; resource intel.com/foo only.
// makeNode(name, 4000 milli-CPU, 10000·1024·1024 bytes, {intel.com/foo: n}).
const binNode = (name: string, ext: Record<string, string>) => node(name, { cpu: '4', memory: String(10000 * 1024 * 1024), ...ext });
const binShape = [
  { utilization: 0, score: 0 },
  { utilization: 100, score: 1 },
];
runScoreCases(
  'NodeResourcesFit RequestedToCapacityRatio bin packing (TestResourceBinPackingSingleExtended)',
  () => rtcr([{ name: 'intel.com/foo', weight: 1 }], binShape),
  [
    {
      // The pod asks no intel.com/foo: the only resource is skipped, weightSum 0 → 0.
      name: 'nothing scheduled, nothing requested',
      nodes: [binNode('node1', { 'intel.com/foo': '8' }), binNode('node2', { 'intel.com/foo': '4' })],
      pod: makePod('p').info(),
      want: [0, 0],
    },
    {
      // node1: (0+2)·100/8 = 25 → f(25) = 0 + (10-0)·25/100 = 2 (integer) → 2.
      // node2: (0+2)·100/4 = 50 → f(50) = 5 → 5. (An unassigned existing pod counts nowhere.)
      name: 'resources requested, pods scheduled with less resources',
      nodes: [binNode('node1', { 'intel.com/foo': '8' }), binNode('node2', { 'intel.com/foo': '4' })],
      existing: [makePod('a').obj()],
      pod: makePod('p').req({ 'intel.com/foo': '2' }).info(),
      want: [2, 5],
    },
    {
      // node2 already holds foo 2: (2+2)·100/4 = 100 → f(100) = 10.
      name: 'resources requested, pods scheduled with resources, on node with existing pod running',
      nodes: [binNode('node1', { 'intel.com/foo': '8' }), binNode('node2', { 'intel.com/foo': '4' })],
      existing: [makePod('a').req({ 'intel.com/foo': '2' }).node('node2').obj()],
      pod: makePod('p').req({ 'intel.com/foo': '2' }).info(),
      want: [2, 10],
    },
    {
      // foo 4: node1 4·100/8 = 50 → 5; node2 4·100/4 = 100 → 10.
      name: 'resources requested, pods scheduled with more resources',
      nodes: [binNode('node1', { 'intel.com/foo': '8' }), binNode('node2', { 'intel.com/foo': '4' })],
      existing: [makePod('a').obj()],
      pod: makePod('p').req({ 'intel.com/foo': '4' }).info(),
      want: [5, 10],
    },
  ],
);

const multi = [
  { name: 'intel.com/foo', weight: 3 },
  { name: 'intel.com/bar', weight: 5 },
];
runScoreCases(
  'NodeResourcesFit RequestedToCapacityRatio bin packing (TestResourceBinPackingMultipleExtended, foo·3 bar·5)',
  () => rtcr(multi, binShape),
  [
    {
      name: 'nothing scheduled, nothing requested',
      nodes: [binNode('node1', { 'intel.com/foo': '8', 'intel.com/bar': '4' }), binNode('node2', { 'intel.com/foo': '4', 'intel.com/bar': '8' })],
      pod: makePod('p').info(),
      want: [0, 0],
    },
    {
      // node1: foo 2/8 = 25% → 2, bar 2/4 = 50% → 5 → round((2·3 + 5·5)/8 = 3.875) = 4.
      // node2: foo 50% → 5, bar 25% → 2 → round((5·3 + 2·5)/8 = 3.125) = 3.
      name: 'resources requested, pods scheduled with less resources',
      nodes: [binNode('node1', { 'intel.com/foo': '8', 'intel.com/bar': '4' }), binNode('node2', { 'intel.com/foo': '4', 'intel.com/bar': '8' })],
      existing: [makePod('a').obj()],
      pod: makePod('p').req({ 'intel.com/foo': '2', 'intel.com/bar': '2' }).info(),
      want: [4, 3],
    },
    {
      // node2 holds foo 4, bar 2: foo (4+2)/4 > 1 → utilization 100 → 10; bar (2+2)/8 = 50% → 5
      // → round((10·3 + 5·5)/8 = 6.875) = 7.
      name: 'resources requested, pods scheduled with resources, on node with existing pod running',
      nodes: [binNode('node1', { 'intel.com/foo': '8', 'intel.com/bar': '4' }), binNode('node2', { 'intel.com/foo': '4', 'intel.com/bar': '8' })],
      existing: [makePod('a').req({ 'intel.com/foo': '4', 'intel.com/bar': '2' }).node('node2').obj()],
      pod: makePod('p').req({ 'intel.com/foo': '2', 'intel.com/bar': '2' }).info(),
      want: [4, 7],
    },
    {
      // node1: foo 4/8 → 5, bar 2/4 → 5 → (15+25)/8 = 5. node2: foo 4/4 → 10, bar 2/8 → 2 → (30+10)/8 = 5.
      name: 'resources requested, pods scheduled with more resources',
      nodes: [binNode('node1', { 'intel.com/foo': '8', 'intel.com/bar': '4' }), binNode('node2', { 'intel.com/foo': '4', 'intel.com/bar': '8' })],
      existing: [makePod('a').obj()],
      pod: makePod('p').req({ 'intel.com/foo': '4', 'intel.com/bar': '2' }).info(),
      want: [5, 5],
    },
  ],
);

const broken = suite('BuildBrokenLinearFunction (requested_to_capacity_ratio_test.go TestBrokenLinearFunction)');
const brokenCases: { points: { utilization: number; score: number }[]; at: [number, number][] }[] = [
  {
    // (10,1)-(90,9): f(p) = 1 + (9-1)·(p-10)/(90-10), integer: f(15) = 1 + 40/80 = 1, f(19) = 1 + 72/80 = 1,
    // f(20) = 1 + 80/80 = 2, f(89) = 1 + 632/80 = 8, f(90) = 9; flat outside the points.
    points: [
      { utilization: 10, score: 1 },
      { utilization: 90, score: 9 },
    ],
    at: [[-10, 1], [0, 1], [9, 1], [10, 1], [15, 1], [19, 1], [20, 2], [89, 8], [90, 9], [99, 9], [100, 9], [110, 9]],
  },
  {
    // (0,2)-(40,10)-(100,0): f(20) = 2 + 8·20/40 = 6, f(30) = 2 + 8·30/40 = 8,
    // f(70) = 10 + (0-10)·30/60 = 10 - 5 = 5 (Go truncates toward zero).
    points: [
      { utilization: 0, score: 2 },
      { utilization: 40, score: 10 },
      { utilization: 100, score: 0 },
    ],
    at: [[-10, 2], [0, 2], [20, 6], [30, 8], [40, 10], [70, 5], [100, 0], [110, 0]],
  },
  {
    points: [
      { utilization: 0, score: 2 },
      { utilization: 40, score: 2 },
      { utilization: 100, score: 2 },
    ],
    at: [[-10, 2], [0, 2], [20, 2], [30, 2], [40, 2], [70, 2], [100, 2], [110, 2]],
  },
];
brokenCases.forEach((c, i) => {
  broken(`case_${i}`, () => {
    const f = buildBrokenLinearFunction(c.points);
    for (const [p, want] of c.at) assert.is(f(p), want, `f(${p})`);
  });
});
broken('a falling segment truncates toward zero like Go, not floor (drydock)', () => {
  // (40,100)-(100,0): f(75) = 100 + (0-100)·35/60 = 100 + trunc(-58.33) = 42 (floor would give 41).
  const f = buildBrokenLinearFunction([
    { utilization: 40, score: 100 },
    { utilization: 100, score: 0 },
  ]);
  assert.is(f(75), 42);
});
broken.run();

const misc = suite('NodeResourcesFit scoring details');
misc('Score without PreScore computes the request list on the spot (fit.go Score)', () => {
  const { snapshot } = clusterOf([node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })]);
  assert.equal(scores(leastAllocated(), req3000x5000(), snapshot, ['node1', 'node2'], false), [37, 50]);
});
misc('defaults: no args means LeastAllocated over cpu=1, memory=1', () => {
  const { snapshot } = clusterOf([node('node1', { cpu: '4000', memory: '10000' }), node('node2', { cpu: '6000', memory: '10000' })]);
  assert.equal(scores(fit(), req3000x5000(), snapshot, ['node1', 'node2']), [37, 50]);
});
misc('ephemeral-storage scores from actual requests on both sides', () => {
  // (100 - (40 + 10))·100/100 = 50 with weight 1 over ephemeral-storage only.
  const { snapshot } = clusterOf([node('n', { cpu: '4', 'ephemeral-storage': '100' })], [makePod('a').req({ 'ephemeral-storage': '40' }).node('n').obj()]);
  const plugin = leastAllocated([{ name: 'ephemeral-storage', weight: 1 }]);
  assert.equal(scores(plugin, makePod('p').req({ 'ephemeral-storage': '10' }).info(), snapshot, ['n']), [50]);
});
misc('integer arithmetic stays exact beyond 2^53 intermediate products (drydock)', () => {
  // 1 PiB of ephemeral storage: (2^50 - 1)·100 exceeds 2^53; floor((2^50-1)·100 / 2^50) = 99.
  const { snapshot } = clusterOf([node('n', { cpu: '4', 'ephemeral-storage': String(2 ** 50) })]);
  const plugin = leastAllocated([{ name: 'ephemeral-storage', weight: 1 }]);
  assert.equal(scores(plugin, makePod('p').req({ 'ephemeral-storage': '1' }).info(), snapshot, ['n']), [99]);
});
misc.run();

// ---- args --------------------------------------------------------------------------------------------

const argsSuite = suite('NodeResourcesFitArgs validation');

function configError(args: Json): string {
  try {
    parseNodeResourcesFitArgs(args);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const badArgs: [string, Json, string][] = [
  [
    'resource with negative weight',
    { scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'memory', weight: -1 }, { name: 'cpu', weight: 1 }] } },
    'scoringStrategy.resources[0].weight: must be in the range 1-100, got -1',
  ],
  [
    'resource weight larger than MaxNodeScore',
    { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'memory', weight: 1 }, { name: 'cpu', weight: 101 }] } },
    'scoringStrategy.resources[1].weight: must be in the range 1-100, got 101',
  ],
  ['weight that is not an integer', { scoringStrategy: { resources: [{ name: 'cpu', weight: 1.5 }] } }, 'scoringStrategy.resources[0].weight: must be an integer, got 1.5'],
  [
    'unknown strategy',
    { scoringStrategy: { type: 'Balanced' } },
    'scoringStrategy.type: unsupported value "Balanced" (expected one of LeastAllocated, MostAllocated, RequestedToCapacityRatio)',
  ],
  [
    'RequestedToCapacityRatio without a shape',
    { scoringStrategy: { type: 'RequestedToCapacityRatio' } },
    'scoringStrategy.requestedToCapacityRatio: required when type is RequestedToCapacityRatio (a shape of {utilization, score} points)',
  ],
  [
    'empty shape',
    { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [] } } },
    'scoringStrategy.requestedToCapacityRatio.shape: at least one point must be specified',
  ],
  [
    'shape not increasing',
    {
      scoringStrategy: {
        type: 'RequestedToCapacityRatio',
        requestedToCapacityRatio: { shape: [{ utilization: 50, score: 1 }, { utilization: 50, score: 2 }] },
      },
    },
    'scoringStrategy.requestedToCapacityRatio.shape[1].utilization: values must be sorted in increasing order, got 50 after 50',
  ],
  [
    'shape utilization out of range',
    { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 1 }, { utilization: 101, score: 2 }] } } },
    'scoringStrategy.requestedToCapacityRatio.shape[1].utilization: must be in the range 0-100, got 101',
  ],
  [
    'shape score out of range',
    { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 11 }] } } },
    'scoringStrategy.requestedToCapacityRatio.shape[0].score: must be in the range 0-10, got 11',
  ],
  [
    'negative shape score',
    { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: -1 }] } } },
    'scoringStrategy.requestedToCapacityRatio.shape[0].score: must be in the range 0-10, got -1',
  ],
  ['resource group with a slash', { ignoredResourceGroups: ['example.com/aaa'] }, 'ignoredResourceGroups[0]: resource group name can\'t contain \'/\', got "example.com/aaa"'],
  ['unknown field', { scoringStrategy: { type: 'LeastAllocated', weights: [] } }, 'scoringStrategy.weights: unknown field (expected one of type, resources, requestedToCapacityRatio)'],
  ['resource without a name', { scoringStrategy: { resources: [{ weight: 1 }] } }, 'scoringStrategy.resources[0].name: must be a non-empty string, got undefined'],
];
for (const [name, args, message] of badArgs) {
  argsSuite(name, () => {
    assert.is(configError(args), message);
    assert.throws(() => newNodeResourcesFit({ args, profileName: 'p' }), (e: unknown) => e instanceof ConfigError);
  });
}
argsSuite('defaults (v1 defaults.go): LeastAllocated, cpu=1, memory=1; omitted weights are 1', () => {
  assert.equal(parseNodeResourcesFitArgs(undefined), {
    ignoredResources: [],
    ignoredResourceGroups: [],
    scoringStrategy: { type: 'LeastAllocated', resources: defaultResources },
  });
  assert.equal(parseNodeResourcesFitArgs({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu' }] } }).scoringStrategy.resources, [{ name: 'cpu', weight: 1 }]);
  assert.equal(parseNodeResourcesFitArgs({ scoringStrategy: { type: 'MostAllocated', resources: [] } }).scoringStrategy.resources, defaultResources);
});
argsSuite('a valid RequestedToCapacityRatio config is accepted as given', () => {
  const args = parseNodeResourcesFitArgs({
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'NodeResourcesFitArgs',
    scoringStrategy: { type: 'RequestedToCapacityRatio', resources: [{ name: 'nvidia.com/gpu', weight: 100 }], requestedToCapacityRatio: { shape: binShape } },
  });
  assert.equal(args.scoringStrategy, { type: 'RequestedToCapacityRatio', resources: [{ name: 'nvidia.com/gpu', weight: 100 }], requestedToCapacityRatio: { shape: binShape } });
});
argsSuite.run();

// ---- queueing hints ----------------------------------------------------------------------------------

const hints = suite('NodeResourcesFit queueing hints (fit_test.go Test_isSchedulableAfterNodeChange / AfterPodEvent)');
hints('node events: added and big enough → Queue; too small → QueueSkip; grown in a requested resource → Queue', () => {
  const [podEvents, nodeEvents] = fit().eventsToRegister();
  const pod = makePod('p').req({ cpu: '2', memory: '1Gi' }).info();
  const small = node('n', { cpu: '1', memory: '4Gi' });
  const big = node('n', { cpu: '4', memory: '4Gi' });
  const bigger = node('n', { cpu: '8', memory: '4Gi' });
  const moreMemory = node('n', { cpu: '4', memory: '8Gi' });
  assert.is(nodeEvents!.hint!(pod, undefined, big as unknown as Json), 'Queue');
  assert.is(nodeEvents!.hint!(pod, undefined, small as unknown as Json), 'QueueSkip');
  assert.is(nodeEvents!.hint!(pod, big as unknown as Json, bigger as unknown as Json), 'Queue');
  assert.is(nodeEvents!.hint!(pod, big as unknown as Json, big as unknown as Json), 'QueueSkip');
  assert.is(nodeEvents!.hint!(pod, big as unknown as Json, moreMemory as unknown as Json), 'Queue');
  // Deleting an assigned pod may free room; deleting a pending one cannot.
  const assigned = makePod('a').req({ cpu: '1' }).node('n').obj();
  const pending = makePod('b').req({ cpu: '1' }).obj();
  assert.is(podEvents!.hint!(pod, assigned as unknown as Json, undefined), 'Queue');
  assert.is(podEvents!.hint!(pod, pending as unknown as Json, undefined), 'QueueSkip');
});
hints.run();

// ---- properties -------------------------------------------------------------------------------------

interface Req {
  readonly cpu: number;
  readonly mem: number;
  readonly eph: number;
  readonly foo: number;
}
const arbReq: fc.Arbitrary<Req> = fc.record({
  cpu: fc.integer({ min: 0, max: 4000 }),
  mem: fc.integer({ min: 0, max: 4096 }),
  eph: fc.integer({ min: 0, max: 100 }),
  foo: fc.integer({ min: 0, max: 3 }),
});
const arbNode = fc.record({
  cpu: fc.integer({ min: 0, max: 8000 }),
  mem: fc.integer({ min: 0, max: 8192 }),
  eph: fc.integer({ min: 0, max: 200 }),
  foo: fc.integer({ min: 0, max: 4 }),
  pods: fc.integer({ min: 0, max: 4 }),
});

/** Requests as a container's resources.requests; zero amounts are left out (then non-zero defaults apply). */
function requestsOf(r: Req): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.cpu > 0) out['cpu'] = `${r.cpu}m`;
  if (r.mem > 0) out['memory'] = String(r.mem);
  if (r.eph > 0) out['ephemeral-storage'] = String(r.eph);
  if (r.foo > 0) out['example.com/foo'] = String(r.foo);
  return out;
}

const props = suite('NodeResourcesFit properties');
props('Filter passes iff every requested resource fits; reasons and code match a direct computation', () => {
  fc.assert(
    fc.property(fc.array(arbNode, { minLength: 1, maxLength: 5 }), fc.array(fc.tuple(fc.nat(), arbReq), { maxLength: 8 }), arbReq, (nodes, existing, incoming) => {
      const names = nodes.map((_, i) => `n${i}`);
      const { snapshot } = clusterOf(
        nodes.map((n, i) =>
          node(names[i]!, { cpu: `${n.cpu}m`, memory: String(n.mem), 'ephemeral-storage': String(n.eph), 'example.com/foo': String(n.foo), pods: String(n.pods) }),
        ),
        existing.map(([at, r], j) => makePod(`e${j}`).req(requestsOf(r)).node(names[at % nodes.length]!).obj()),
      );
      const pod = makePod('p').req(requestsOf(incoming)).info();
      const plugin = fit();
      nodes.forEach((n, i) => {
        // The reference: fit.go fitsRequest written out plainly over the generated numbers.
        const mine = existing.filter(([at]) => at % nodes.length === i).map(([, r]) => r);
        const used = mine.reduce((a, r) => ({ cpu: a.cpu + r.cpu, mem: a.mem + r.mem, eph: a.eph + r.eph, foo: a.foo + r.foo }), { cpu: 0, mem: 0, eph: 0, foo: 0 });
        const reasons: string[] = [];
        let unresolvableNode = false;
        if (mine.length + 1 > n.pods) reasons.push('Too many pods');
        const check = (want: number, alloc: number, inUse: number, text: string) => {
          if (want > 0 && want > alloc - inUse) {
            reasons.push(text);
            if (want > alloc) unresolvableNode = true;
          }
        };
        check(incoming.cpu, n.cpu, used.cpu, 'Insufficient cpu');
        check(incoming.mem, n.mem, used.mem, 'Insufficient memory');
        check(incoming.eph, n.eph, used.eph, 'Insufficient ephemeral-storage');
        check(incoming.foo, n.foo, used.foo, 'Insufficient example.com/foo');
        const want: FilterOutcome =
          reasons.length === 0 ? FITS : { code: unresolvableNode ? Code.UnschedulableAndUnresolvable : Code.Unschedulable, reasons };
        assert.equal(filterOn(plugin, pod, snapshot, names[i]!), want);
      });
    }),
    { numRuns: 200 },
  );
});

props('LeastAllocated, MostAllocated and RequestedToCapacityRatio scores are integers in [0, 100]', () => {
  const arbShape = fc
    .uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 })
    .chain((us) => fc.tuple(...us.sort((a, b) => a - b).map((u) => fc.record({ utilization: fc.constant(u), score: fc.integer({ min: 0, max: 10 }) }))));
  const arbResources = fc.uniqueArray(
    fc.record({ name: fc.constantFrom('cpu', 'memory', 'ephemeral-storage', 'example.com/foo'), weight: fc.integer({ min: 1, max: 100 }) }),
    { minLength: 1, maxLength: 4, selector: (r) => r.name },
  );
  fc.assert(
    fc.property(fc.array(arbNode, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), arbReq), { maxLength: 8 }), arbReq, arbResources, arbShape, (nodes, existing, incoming, resources, shape) => {
      const names = nodes.map((_, i) => `n${i}`);
      const { snapshot } = clusterOf(
        nodes.map((n, i) => node(names[i]!, { cpu: `${n.cpu}m`, memory: String(n.mem), 'ephemeral-storage': String(n.eph), 'example.com/foo': String(n.foo) })),
        existing.map(([at, r], j) => makePod(`e${j}`).req(requestsOf(r)).node(names[at % nodes.length]!).obj()),
      );
      const pod = makePod('p').req(requestsOf(incoming)).info();
      for (const plugin of [leastAllocated(resources), mostAllocated(resources), rtcr(resources, shape)]) {
        for (const s of scores(plugin, pod, snapshot, names)) {
          assert.ok(Number.isInteger(s) && s >= 0 && s <= 100, `score ${s}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});
props.run();

const zeroWeight = suite('NodeResourcesFit args defaulting');
zeroWeight('a weight of 0 is defaulted to 1 before validation (config/v1 SetDefaults_NodeResourcesFitArgs)', () => {
  // least_allocated_test.go rejects weight 0 only because its test bypasses defaulting; a config file with
  // weight 0 is accepted by kube-scheduler, as it is here.
  const args = parseNodeResourcesFitArgs({ scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'memory', weight: 1 }, { name: 'cpu', weight: 0 }] } });
  assert.equal(args.scoringStrategy.resources.map((r) => [r.name, r.weight]), [['memory', 1], ['cpu', 1]]);
});
zeroWeight.run();
