// NodeResourcesBalancedAllocation: balanced_allocation_test.go TestNodeResourcesBalancedAllocation
// (classic std formula; shared/reference/kube-scheduler.md §2.4, §3.4), args validation, a property.
// Upstream's makeNode(name, milliCPU, memory, extended) is written with an explicit "m" for the CPU.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Node, Pod } from '../../src/api/index.js';
import { Code, ConfigError, CycleState } from '../../src/scheduler/framework.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import {
  BalancedAllocation,
  NAME,
  newNodeResourcesBalancedAllocation,
  parseBalancedAllocationArgs,
} from '../../src/scheduler/plugins/balancedallocation.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

function balanced(args?: Json): BalancedAllocation {
  return newNodeResourcesBalancedAllocation({ args, profileName: 'default-scheduler' }) as BalancedAllocation;
}

const makeNodeMilli = (name: string, milliCPU: number, memory: number, extended: Record<string, string> = {}): Node =>
  makeNode(name).capacity({ cpu: `${milliCPU}m`, memory: String(memory), ...extended }).obj();

// The upstream pod specs (NodeName set per case below).
const cpuOnly = (name: string) => makePod(name).req({ cpu: '1000m', memory: '0' }).req({ cpu: '2000m', memory: '0' }); // 3000m / 0
const cpuAndMemory = (name: string) => makePod(name).req({ cpu: '1000m', memory: '2000' }).req({ cpu: '2000m', memory: '3000' }); // 3000m / 5000
const cpuAndMemoryAndGPU = (name: string) => makePod(name).req({ cpu: '1000m', memory: '2000' }).req({ cpu: '2000m', memory: '3000', 'nvidia.com/gpu': '3' });

const withGPU = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
  { name: 'nvidia.com/gpu', weight: 1 },
];

interface Case {
  readonly name: string;
  readonly pod: PodInfo;
  readonly nodes: Node[];
  readonly existing?: Pod[];
  readonly resources?: { name: string; weight: number }[];
  readonly runPreScore?: boolean;
  /** Expected scores, or 'skip' when PreScore must return Skip. */
  readonly want: number[] | 'skip';
}

const cases: Case[] = [
  {
    // B0. A best-effort pod (all configured requests 0) is not scored: PreScore → Skip.
    name: 'nothing scheduled, nothing requested, skip in PreScore',
    pod: makePod('p').info(),
    nodes: [makeNodeMilli('node1', 4000, 10000), makeNodeMilli('node2', 4000, 10000)],
    want: 'skip',
  },
  {
    // B1. node1: cpu 3000/4000 = 0.75, memory 5000/10000 = 0.5 → std |0.75 - 0.5| / 2 = 0.125
    //     → int64((1 - 0.125)·100) = 87 (87.5 truncated).
    //     node2: 3000/6000 = 0.5, 0.5 → std 0 → 100.
    name: 'nothing scheduled, resources requested, differently sized nodes',
    pod: cpuAndMemory('p').info(),
    nodes: [makeNodeMilli('node1', 4000, 10000), makeNodeMilli('node2', 6000, 10000)],
    want: [87, 100],
  },
  {
    // B2. node1 (cpuOnly there): cpu 6000/10000 = 0.6, memory 5000/20000 = 0.25 → std 0.175 → 82 (82.5).
    //     node2 (cpuAndMemory there): 0.6, 10000/20000 = 0.5 → std 0.05 → 95.
    name: 'resources requested, pods scheduled with resources',
    pod: cpuAndMemory('p').info(),
    nodes: [makeNodeMilli('node1', 10000, 20000), makeNodeMilli('node2', 10000, 20000)],
    existing: [cpuOnly('a').node('node1').obj(), cpuAndMemory('b').node('node2').obj()],
    want: [82, 95],
  },
  {
    // B3. node1 82 as above; node2: 0.6, 10000/50000 = 0.2 → std 0.2 → 80.
    name: 'resources requested, pods scheduled with resources, differently sized nodes',
    pod: cpuAndMemory('p').info(),
    nodes: [makeNodeMilli('node1', 10000, 20000), makeNodeMilli('node2', 10000, 50000)],
    existing: [cpuOnly('a').node('node1').obj(), cpuAndMemory('b').node('node2').obj()],
    want: [82, 80],
  },
  {
    // B4. node1: cpu 6000/6000 = 1, memory 0/10000 = 0 → std 0.5 → 50.
    //     node2: 1, 5000/10000 = 0.5 → std 0.25 → 75.
    name: 'requested resources at node capacity',
    pod: cpuOnly('p').info(),
    nodes: [makeNodeMilli('node1', 6000, 10000), makeNodeMilli('node2', 6000, 10000)],
    existing: [cpuOnly('a').node('node1').obj(), cpuAndMemory('b').node('node2').obj()],
    want: [50, 75],
  },
  {
    // B5. Three resources: std = sqrt(Σ(f - mean)² / 3).
    //     node1 (cpuAndMemoryAndGPU there): 3000/3500 = 0.857, 5000/40000 = 0.125, (3+1)/8 = 0.5;
    //       mean 0.494 → std ≈ 0.2989 → int64(70.1) = 70.
    //     node2 (cpuAndMemory there): 0.857, 0.125, (0+1)/8 = 0.125; mean 0.369 → std ≈ 0.345 → 65.
    name: 'include scalar resource on a node for balanced resource allocation',
    pod: makePod('p').req({ memory: '0', 'nvidia.com/gpu': '1' }).info(),
    nodes: [makeNodeMilli('node1', 3500, 40000, { 'nvidia.com/gpu': '8' }), makeNodeMilli('node2', 3500, 40000, { 'nvidia.com/gpu': '8' })],
    existing: [cpuAndMemory('b').node('node2').obj(), cpuAndMemoryAndGPU('a').node('node1').obj()],
    resources: withGPU,
    want: [70, 65],
  },
  {
    // B6. The pod asks no GPU: nvidia.com/gpu is skipped on both nodes (present or not).
    //     3000/3500 = 0.857, 5000/40000 = 0.125 → std 0.366 → int64(63.4) = 63.
    name: 'node without the scalar resource should skip the scalar resource',
    pod: cpuAndMemory('p').info(),
    nodes: [makeNodeMilli('node1', 3500, 40000, { 'nvidia.com/gpu': '8' }), makeNodeMilli('node2', 3500, 40000)],
    resources: withGPU,
    want: [63, 63],
  },
  {
    // Same numbers as B2, computed in Score without PreScore.
    name: 'resources requested, pods scheduled with resources if PreScore not called',
    pod: cpuAndMemory('p').info(),
    nodes: [makeNodeMilli('node1', 10000, 20000), makeNodeMilli('node2', 10000, 20000)],
    existing: [cpuOnly('a').node('node1').obj(), cpuAndMemory('b').node('node2').obj()],
    runPreScore: false,
    want: [82, 95],
  },
];

const scoring = suite('NodeResourcesBalancedAllocation (balanced_allocation_test.go TestNodeResourcesBalancedAllocation)');
for (const c of cases) {
  scoring(c.name, () => {
    const { snapshot } = clusterOf(c.nodes, c.existing ?? []);
    const plugin = balanced(c.resources === undefined ? undefined : { resources: c.resources });
    const state = new CycleState();
    const nodes = Int32Array.from(rows(snapshot, ...c.nodes.map((n) => n.metadata!.name!)));
    if (c.runPreScore !== false) {
      const s = plugin.preScore(state, c.pod, nodes, nodes.length, snapshot);
      if (c.want === 'skip') {
        assert.is(s.code, Code.Skip);
        return;
      }
      assert.is(s.code, Code.Success);
    }
    assert.equal(
      Array.from(nodes, (r) => plugin.score(state, c.pod, r, snapshot)),
      c.want,
    );
  });
}
scoring('actual requests, not the 100m / 200Mi defaults: a pod of request-less containers is best-effort → Skip', () => {
  const { snapshot } = clusterOf([makeNodeMilli('node1', 4000, 10000)]);
  const nodes = Int32Array.from(rows(snapshot, 'node1'));
  assert.is(balanced().preScore(new CycleState(), makePod('p').container().container().info(), nodes, 1, snapshot).code, Code.Skip);
});
scoring('one configured resource with allocatable: std 0 → 100', () => {
  // Only cpu counts (memory allocatable 0 is skipped): n = 1 → std 0 → 100.
  const { snapshot } = clusterOf([makeNode('n').capacity({ cpu: '4' }).obj()]);
  const nodes = Int32Array.from(rows(snapshot, 'n'));
  const plugin = balanced();
  const state = new CycleState();
  const pod = makePod('p').req({ cpu: '1', memory: '1Gi' }).info();
  plugin.preScore(state, pod, nodes, 1, snapshot);
  assert.is(plugin.score(state, pod, nodes[0]!, snapshot), 100);
});
scoring('the plugin name is kube-scheduler\'s', () => {
  assert.is(NAME, 'NodeResourcesBalancedAllocation');
  assert.is(balanced().name, NAME);
});
scoring.run();

const argsSuite = suite('NodeResourcesBalancedAllocationArgs validation (ValidateNodeResourcesBalancedAllocationArgs)');
function configError(args: Json): string {
  try {
    parseBalancedAllocationArgs(args);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
const badArgs: [string, Json, string][] = [
  ['weight other than 1', { resources: [{ name: 'cpu', weight: 2 }] }, 'resources[0].weight: must be 1, got 2'],
  ['weight 0', { resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 0 }] }, 'resources[1].weight: must be 1, got 0'],
  ['duplicate resource', { resources: [{ name: 'cpu', weight: 1 }, { name: 'cpu', weight: 1 }] }, 'resources[1].name: duplicate value "cpu"'],
  ['unknown field', { resource: [] }, 'resource: unknown field (expected one of apiVersion, kind, resources)'],
  ['resources not a list', { resources: 'cpu' }, 'resources: must be a list, got "cpu"'],
];
for (const [name, args, message] of badArgs) {
  argsSuite(name, () => {
    assert.is(configError(args), message);
    assert.throws(() => newNodeResourcesBalancedAllocation({ args, profileName: 'p' }), (e: unknown) => e instanceof ConfigError);
  });
}
argsSuite('defaults: cpu=1, memory=1; an omitted weight is 1', () => {
  assert.equal(parseBalancedAllocationArgs(undefined).resources, [
    { name: 'cpu', weight: 1 },
    { name: 'memory', weight: 1 },
  ]);
  assert.equal(parseBalancedAllocationArgs({ resources: [{ name: 'cpu' }, { name: 'nvidia.com/gpu' }] }).resources, [
    { name: 'cpu', weight: 1 },
    { name: 'nvidia.com/gpu', weight: 1 },
  ]);
});
argsSuite.run();

const props = suite('NodeResourcesBalancedAllocation properties');
props('scores are integers in [0, 100]; with exactly cpu and memory counted they are >= 50', () => {
  const arbReq = fc.record({ cpu: fc.integer({ min: 0, max: 4000 }), mem: fc.integer({ min: 0, max: 4096 }) });
  fc.assert(
    fc.property(
      fc.array(fc.record({ cpu: fc.integer({ min: 1, max: 8000 }), mem: fc.integer({ min: 1, max: 8192 }) }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), arbReq), { maxLength: 6 }),
      arbReq.filter((r) => r.cpu > 0 || r.mem > 0),
      (nodes, existing, incoming) => {
        const names = nodes.map((_, i) => `n${i}`);
        const req = (r: { cpu: number; mem: number }) => ({ cpu: `${r.cpu}m`, memory: String(r.mem) });
        const { snapshot } = clusterOf(
          nodes.map((n, i) => makeNode(names[i]!).capacity({ cpu: `${n.cpu}m`, memory: String(n.mem) }).obj()),
          existing.map(([at, r], j) => makePod(`e${j}`).req(req(r)).node(names[at % nodes.length]!).obj()),
        );
        const pod = makePod('p').req(req(incoming)).info();
        const plugin = balanced();
        const state = new CycleState();
        const rowsOf = Int32Array.from(rows(snapshot, ...names));
        assert.is(plugin.preScore(state, pod, rowsOf, rowsOf.length, snapshot).code, Code.Success);
        for (const r of rowsOf) {
          const s = plugin.score(state, pod, r, snapshot);
          // Two fractions in [0, 1]: std = |f1 - f2| / 2 <= 0.5 → score >= 50.
          assert.ok(Number.isInteger(s) && s >= 50 && s <= 100, `score ${s}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});
props.run();
