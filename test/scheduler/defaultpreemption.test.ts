// DefaultPreemption (PostFilter): victims, reprieve, PDBs, the node-choice order, messages and the dry run's
// bookkeeping. Cases name the upstream test they come from (k/k pkg/scheduler/framework/plugins/
// defaultpreemption/default_preemption_test.go: TestPostFilter, TestSelectBestCandidate ...). The filter is a
// test-local stand-in for NodeResourcesFit (pods, cpu, memory), so these tests do not depend on that plugin.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Json } from '../../src/apiserver/strategy.js';
import type { Node, Pod } from '../../src/api/index.js';
import {
  Code,
  ConfigError,
  CycleState,
  reason,
  type ClusterAccess,
  type FilterRunner,
  type PluginHandle,
} from '../../src/scheduler/framework.js';
import { makePodInfo, type PodInfo } from '../../src/scheduler/podinfo.js';
import {
  DEFAULT_PREEMPTION_ARGS,
  DefaultPreemption,
  MSG_NOT_HELPFUL,
  MSG_PREEMPTION_POLICY_NEVER,
  MSG_TERMINATING_ON_NOMINATED_NODE,
  NAME,
  calculateNumCandidates,
  compilePodDisruptionBudgets,
  explainPreemption,
  filterPodsWithPDBViolation,
  isPreemptionResult,
  newDefaultPreemption,
  parseDefaultPreemptionArgs,
  type PreemptionExplanation,
} from '../../src/scheduler/plugins/defaultpreemption.js';
import type { Snapshot } from '../../src/scheduler/snapshot.js';
import { seededRng, type Rng } from '../../src/util/rng.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

// ---- a test-local filter: NodeResourcesFit's checks on pods, cpu and memory (fit.go fitsRequest order) ----

const TOO_MANY_PODS = reason('Too many pods');
const INSUFFICIENT_CPU = reason('Insufficient cpu');
const INSUFFICIENT_MEMORY = reason('Insufficient memory');
const NODE_AFFINITY = reason("node(s) didn't match Pod's node affinity/selector", Code.UnschedulableAndUnresolvable);

function fit(pod: PodInfo, r: number, s: Snapshot): number {
  if (s.podCount[r]! + 1 > s.allocPods[r]!) return TOO_MANY_PODS;
  if (pod.cpu > 0 && s.allocCpu[r]! < pod.cpu + s.reqCpu[r]!) return INSUFFICIENT_CPU;
  if (pod.memory > 0 && s.allocMemory[r]! < pod.memory + s.reqMemory[r]!) return INSUFFICIENT_MEMORY;
  return 0;
}

/** PreFilter-extension bookkeeping a plugin would keep in the CycleState (cloneable, as upstream's states are). */
class ExtCounter {
  added = 0;
  removed = 0;
  clone(): ExtCounter {
    const c = new ExtCounter();
    c.added = this.added;
    c.removed = this.removed;
    return c;
  }
}
const EXT_KEY = 'PreFilterTestExt';

interface TestRunner extends FilterRunner {
  filterCalls: number;
  seenSkip: Set<ReadonlySet<string> | undefined>;
  extCalls: number;
}

/** Filters: `unresolvable` nodes fail as UnschedulableAndUnresolvable (a node-affinity stand-in), then fit(). */
function testRunner(unresolvable: readonly string[] = []): TestRunner {
  const bad = new Set(unresolvable);
  const runner: TestRunner = {
    filterCalls: 0,
    seenSkip: new Set(),
    extCalls: 0,
    runFilterPlugins(state, pod, node, snapshot) {
      runner.filterCalls++;
      runner.seenSkip.add(state.skipFilterPlugins);
      if (bad.has(snapshot.names[node]!)) return NODE_AFFINITY;
      return fit(pod, node, snapshot);
    },
    // No nominator here: with no nominated pods the two runs are the same.
    runFilterPluginsWithNominatedPods(state, pod, node, snapshot) {
      return runner.runFilterPlugins(state, pod, node, snapshot);
    },
    runPreFilterExtensionAddPod(state) {
      runner.extCalls++;
      const c = state.read<ExtCounter>(EXT_KEY);
      if (c) c.added++;
    },
    runPreFilterExtensionRemovePod(state) {
      runner.extCalls++;
      const c = state.read<ExtCounter>(EXT_KEY);
      if (c) c.removed++;
    },
  };
  return runner;
}

class FakeCluster implements ClusterAccess {
  pdbs: Json[] = [];
  readonly nominated = new Map<string, PodInfo[]>();
  readonly devices = new Map<string, number[]>();
  readonly evicted: string[] = [];
  podDisruptionBudgets(): readonly Json[] {
    return this.pdbs;
  }
  nominatedPods(nodeName: string): readonly PodInfo[] {
    return this.nominated.get(nodeName) ?? [];
  }
  devicesOf(podKey: string): readonly number[] {
    return this.devices.get(podKey) ?? [];
  }
  async evict(victim: PodInfo, _preemptor: PodInfo): Promise<void> {
    this.evicted.push(victim.key);
  }
  async bind(): Promise<void> {
    throw new Error('not used by preemption');
  }
}

/** A fixed offset, to show the circular walk. */
const fixedRng = (offset: number): Rng => ({ next: () => 0, int: (n) => offset % n });

interface RunSpec {
  nodes: Node[];
  pods?: Pod[];
  preemptor: PodInfo;
  pdbs?: Json[];
  args?: Json;
  rng?: Rng;
  unresolvable?: string[];
  cluster?: FakeCluster;
  state?: CycleState;
  /** Overrides the reason ids the filters would give (by node name). */
  reasons?: Record<string, number>;
}

function run(spec: RunSpec) {
  const { snapshot } = clusterOf(spec.nodes, spec.pods ?? []);
  const runner = testRunner(spec.unresolvable);
  const cluster = spec.cluster ?? new FakeCluster();
  cluster.pdbs = spec.pdbs ?? [];
  const handle: PluginHandle = { args: spec.args, profileName: 'default-scheduler', rng: spec.rng ?? seededRng(1), filterRunner: () => runner, cluster };
  const plugin = newDefaultPreemption(handle) as DefaultPreemption;
  const state = spec.state ?? new CycleState();
  const reasonOfNode = new Int32Array(snapshot.capacity);
  for (let i = 0; i < snapshot.numNodes; i++) {
    const r = snapshot.order[i]!;
    reasonOfNode[r] = spec.reasons?.[snapshot.names[r]!] ?? runner.runFilterPlugins(state, spec.preemptor, r, snapshot);
  }
  runner.filterCalls = 0;
  const { status, result } = plugin.postFilter(state, spec.preemptor, snapshot, { reasonOfNode });
  return { status, result, explain: explainPreemption(result.decision), snapshot, cluster, runner, state };
}

const victimsOf = (e: PreemptionExplanation, node: string): string[] => e.candidates.find((c) => c.node === node)?.victims.map((v) => v.pod.slice('default/'.length)) ?? [];

// Upstream's sizes (default_preemption_test.go): smallRes 100m/100, mediumRes 200m/200, largeRes 300m/300,
// veryLargeRes 500m/500; priorities neg -100, low 0, mid 100, high 1000, veryHigh 10000.
const small = { cpu: '100m', memory: '100' };
const medium = { cpu: '200m', memory: '200' };
const large = { cpu: '300m', memory: '300' };
const veryLarge = { cpu: '500m', memory: '500' };
const NEG = -100;
const LOW = 0;
const MID = 100;
const HIGH = 1000;
const VERY_HIGH = 10000;
/** epochTime1..6 of upstream are 1..6 ns after the epoch; drydock's start times are ms, so seconds here. */
const t = (n: number) => `1970-01-01T00:00:0${n}Z`;

const node = (name: string, res: Record<string, string>) => makeNode(name).capacity(res).obj();
const pod = (name: string, on: string, priority: number, res: Record<string, string> = {}, start = t(0)) =>
  makePod(name).priority(priority).req(res).node(on).startTime(start).obj();
const onePod = { pods: '1' };

// ---- args -------------------------------------------------------------------------------------------

const args = suite('args and the number of candidates');

args('defaults are 10% and 100 (SetDefaults_DefaultPreemptionArgs)', () => {
  assert.equal(parseDefaultPreemptionArgs(undefined), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
  assert.equal(parseDefaultPreemptionArgs({ minCandidateNodesPercentage: 0 }), { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 100 });
  assert.equal(parseDefaultPreemptionArgs({ kind: 'DefaultPreemptionArgs', minCandidateNodesAbsolute: 0 }), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 0 });
});

args('calculateNumCandidates: max(nodes * pct / 100, abs), capped at the nodes (default_preemption.go)', () => {
  const table: [number, number, number, number][] = [
    // [potential nodes, pct, abs, n]
    [5000, 10, 100, 500], // 5000 * 10 / 100 = 500 > 100
    [500, 10, 100, 100], // 500 * 10 / 100 = 50 < 100 → 100
    [50, 10, 100, 50], // max(5, 100) = 100, capped at 50 nodes
    [1234, 10, 100, 123], // 12340 / 100 = 123.4 → 123 (integer division)
    [10, 0, 3, 3], // 0 → abs 3
    [10, 100, 0, 10],
    [7, 10, 0, 0], // 70 / 100 = 0, abs 0: no candidate can be kept (upstream quirk, see "candidate list capacity")
  ];
  for (const [nodes, pct, abs, want] of table) {
    assert.is(calculateNumCandidates(nodes, { minCandidateNodesPercentage: pct, minCandidateNodesAbsolute: abs }), want, `${nodes} nodes, ${pct}%, abs ${abs}`);
  }
});

args('bad args fail at start-up with the field path and upstream wording (ValidateDefaultPreemptionArgs)', () => {
  const table: [Json | undefined, string][] = [
    [{ minCandidateNodesPercentage: 101 }, 'minCandidateNodesPercentage: Invalid value: 101: not in valid range [0, 100]'],
    [{ minCandidateNodesPercentage: -1 }, 'minCandidateNodesPercentage: Invalid value: -1: not in valid range [0, 100]'],
    [{ minCandidateNodesAbsolute: -5 }, 'minCandidateNodesAbsolute: Invalid value: -5: not in valid range [0, inf)'],
    [
      { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 },
      'minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute; ' +
        'minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage',
    ],
    [{ minCandidateNodesPercentage: '10' }, 'minCandidateNodesPercentage: Invalid value: "10": must be a 32-bit integer'],
    [{ minCandidateNodesAbsolute: 1.5 }, 'minCandidateNodesAbsolute: Invalid value: 1.5: must be a 32-bit integer'],
    [{ minCandidateNodes: 5 }, 'minCandidateNodes: unknown field (DefaultPreemptionArgs has minCandidateNodesPercentage and minCandidateNodesAbsolute)'],
  ];
  for (const [given, message] of table) {
    try {
      newDefaultPreemption({ args: given, profileName: 'default-scheduler' });
      assert.unreachable(`accepted ${JSON.stringify(given)}`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as Error).message, message);
    }
  }
  const plugin = newDefaultPreemption({ args: undefined, profileName: 'default-scheduler' }) as DefaultPreemption;
  assert.is(plugin.name, NAME);
  assert.is(NAME, 'DefaultPreemption');
  assert.equal(plugin.args, DEFAULT_PREEMPTION_ARGS);
});

args('the dry run checks n = max(potential * 10%, 100) nodes: 5000 → 500, 500 → 100, 50 → 50', () => {
  for (const [count, want] of [
    [5000, 500],
    [500, 100],
    [50, 50],
  ] as const) {
    const nodes: Node[] = [];
    const pods: Pod[] = [];
    for (let i = 0; i < count; i++) {
      nodes.push(node(`n${i}`, { cpu: '1' }));
      pods.push(pod(`v${i}`, `n${i}`, LOW, { cpu: '1' }));
    }
    // Every node is full (1 + 1 > 1 cpu) and every node is a non-violating candidate, so the dry run stops
    // after exactly n candidates.
    const { explain } = run({ nodes, pods, preemptor: makePod('p').priority(HIGH).req({ cpu: '1' }).info() });
    assert.is(explain.potentialNodes, count);
    assert.is(explain.candidatesWanted, want);
    assert.is(explain.dryRun.length, want);
    assert.is(explain.candidates.length, want);
    assert.is(explain.code, 'Success');
  }
});

// ---- victims and reprieve -------------------------------------------------------------------------------

const victims = suite('victims (SelectVictimsOnNode)');

victims('pod with higher priority can be made schedulable (TestPostFilter)', () => {
  const { status, result, cluster } = run({
    nodes: [node('node1', onePod)],
    pods: [pod('p1', 'node1', LOW)],
    preemptor: makePod('p').priority(HIGH).info(),
  });
  assert.is(status.code, Code.Success);
  assert.is(result.nominatedNodeName, 'node1');
  assert.equal(cluster.evicted, ['default/p1']);
});

victims('lowest-priority victims go first, and only as many as needed (reprieve)', () => {
  // node 4 cpu: h (1000) 1 cpu, a (30) 1, b (20) 1, c (10) 1 → full. Preemptor (500) asks 2 cpu.
  // Take a, b, c off: 1 + 2 = 3 <= 4 fits. Reprieve by importance: a (30): 1 + 1 + 2 = 4 <= 4 stays;
  // b (20): 5 > 4 → victim; c (10): 5 > 4 → victim. h is never a potential victim (1000 > 500).
  const { status, explain, cluster } = run({
    nodes: [node('node1', { cpu: '4' })],
    pods: [pod('c', 'node1', 10, { cpu: '1' }), pod('h', 'node1', 1000, { cpu: '1' }), pod('a', 'node1', 30, { cpu: '1' }), pod('b', 'node1', 20, { cpu: '1' })],
    preemptor: makePod('p').priority(500).req({ cpu: '2' }).info(),
  });
  assert.is(status.code, Code.Success);
  assert.equal(victimsOf(explain, 'node1'), ['b', 'c']); // most important first
  assert.equal(cluster.evicted, ['default/b', 'default/c']);
});

victims('among equal priorities the pod started later goes first (MoreImportantPod: earlier start is more important)', () => {
  // 2 cpu node, x and y 1 cpu each, same priority; x started at t2, y at t1. Preemptor needs 1 cpu.
  // Reprieve y first (older = more important): 1 + 1 = 2 fits, stays; x: 3 > 2 → victim.
  const { explain } = run({
    nodes: [node('node1', { cpu: '2' })],
    pods: [pod('x', 'node1', LOW, { cpu: '1' }, t(2)), pod('y', 'node1', LOW, { cpu: '1' }, t(1))],
    preemptor: makePod('p').priority(HIGH).req({ cpu: '1' }).info(),
  });
  assert.equal(victimsOf(explain, 'node1'), ['x']);
});

victims('equal-priority pods are never victims (TestPostFilter "pod with tied priority is still unschedulable")', () => {
  const { status, result, cluster } = run({
    nodes: [node('node1', onePod)],
    pods: [pod('p1', 'node1', LOW)],
    preemptor: makePod('p').priority(LOW).info(),
  });
  assert.is(status.code, Code.Unschedulable);
  assert.equal(status.reasons, ['0/1 nodes are available: 1 No preemption victims found for incoming pod.']);
  assert.is(result.nominatedNodeName, ''); // cleared, as NewPostFilterResultWithNominatedNode("")
  assert.equal(cluster.evicted, []);

  // An equal-priority pod stays even when evicting it would be the only way: e (100) 1 cpu stays, l (0) goes,
  // 1 + 2 = 3 > 2 cpu → the node is not a candidate.
  const mixed = run({
    nodes: [node('node1', { cpu: '2' })],
    pods: [pod('e', 'node1', MID, { cpu: '1' }), pod('l', 'node1', LOW, { cpu: '1' })],
    preemptor: makePod('p').priority(MID).req({ cpu: '2' }).info(),
  });
  assert.equal(mixed.status.reasons, ['0/1 nodes are available: 1 Insufficient cpu.']);
});

victims('no candidates: messages as upstream (TestPostFilter "no candidate nodes found ..." cases)', () => {
  const nodeRes = { cpu: '200m', memory: '400' };
  // "no enough resource after removing low priority pods": 300m > 200m on both nodes.
  let out = run({
    nodes: [node('node1', nodeRes), node('node2', nodeRes)],
    pods: [pod('p1', 'node1', LOW), pod('p2', 'node2', LOW)],
    preemptor: makePod('p').priority(HIGH).req(large).info(),
  });
  assert.equal(out.status.reasons, ['0/2 nodes are available: 2 Insufficient cpu.']);
  // "mixed reasons": node1 and node3 hold only a high-priority pod; node2 is too small.
  out = run({
    nodes: [node('node1', onePod), node('node2', nodeRes), node('node3', onePod)],
    pods: [pod('p1', 'node1', HIGH), pod('p2', 'node2', LOW), pod('p3', 'node3', HIGH)],
    preemptor: makePod('p').priority(HIGH).req(large).info(),
  });
  assert.equal(out.status.reasons, ['0/3 nodes are available: 1 Insufficient cpu, 2 No preemption victims found for incoming pod.']);
  assert.is(out.result.nominatedNodeName, '');
  // "2 UnschedulableAndUnresolvable nodes and 2 nodes don't have enough CPU": node3 and node4 are never dry-run.
  out = run({
    nodes: [node('node1', nodeRes), node('node2', nodeRes), node('node3', nodeRes), node('node4', nodeRes)],
    pods: [pod('p1', 'node1', LOW), pod('p2', 'node2', LOW)],
    preemptor: makePod('p').priority(HIGH).req(large).info(),
    unresolvable: ['node3', 'node4'],
  });
  assert.equal(out.status.reasons, ['0/4 nodes are available: 2 Insufficient cpu, 2 Preemption is not helpful for scheduling.']);
  assert.equal(out.explain.dryRun.map((d) => d.node).sort(), ['node1', 'node2']); // walk starts at the random offset
});

victims('UnschedulableAndUnresolvable nodes are not candidates, however good (TestPostFilter "respect filteredNodesStatuses")', () => {
  // node1 would need only a priority-0 victim, but its filter status is UnschedulableAndUnresolvable.
  let out = run({
    nodes: [node('node1', onePod), node('node2', onePod)],
    pods: [pod('low', 'node1', LOW), pod('mid', 'node2', MID)],
    preemptor: makePod('p').priority(HIGH).info(),
    unresolvable: ['node1'],
  });
  assert.is(out.result.nominatedNodeName, 'node2');
  assert.equal(out.explain.dryRun.map((d) => d.node), ['node2']);
  assert.is(out.explain.potentialNodes, 1);
  // All nodes unresolvable: "1 Preemption is not helpful for scheduling".
  out = run({ nodes: [node('node1', onePod)], pods: [pod('p1', 'node1', LOW)], preemptor: makePod('p').priority(HIGH).info(), unresolvable: ['node1'] });
  assert.equal(out.status.reasons, [`0/1 nodes are available: 1 ${MSG_NOT_HELPFUL}.`]);
  assert.is(out.result.nominatedNodeName, '');
  assert.is(out.explain.dryRun.length, 0);
});

victims('a node where the pod fits without evicting anything is an error, but does not block other candidates', () => {
  // TestPostFilter "one failed with TestPlugin and the other pass" analogue: node1 is reported Unschedulable
  // although the pod fits there untouched (e.g. a nominated pod made it fail), so SelectVictimsOnNode returns
  // no victims → "expected at least one victim pod on node". node2 is a real candidate.
  const nodes = [node('node1', { cpu: '2' }), node('node2', { cpu: '1' })];
  const pods = [pod('a', 'node1', LOW, { cpu: '1' }), pod('b', 'node2', LOW, { cpu: '1' })];
  const preemptor = makePod('p').priority(HIGH).req({ cpu: '1' }).info();
  let out = run({ nodes, pods, preemptor, reasons: { node1: INSUFFICIENT_CPU } });
  assert.is(out.result.nominatedNodeName, 'node2');
  assert.equal(out.explain.dryRun.find((d) => d.node === 'node1')?.reasons, ['expected at least one victim pod on node "node1"']);
  // Alone, the error is the answer, with the nomination left as it is.
  out = run({ nodes: [nodes[0]!], pods: [pods[0]!], preemptor, reasons: { node1: INSUFFICIENT_CPU } });
  assert.is(out.status.code, Code.Error);
  assert.equal(out.status.reasons, ['expected at least one victim pod on node "node1"']);
  assert.not.ok('nominatedNodeName' in out.result);
});

// ---- PodDisruptionBudgets -------------------------------------------------------------------------------

const pdbs = suite('PodDisruptionBudgets');

const pdb = (name: string, selector: unknown, disruptionsAllowed: number, extra: Record<string, unknown> = {}): Json => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'default' },
  spec: selector === undefined ? {} : { selector },
  status: { disruptionsAllowed, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...extra },
});

pdbs('filterPodsWithPDBViolation: decrements a copy of each matching budget; < 0 violates', () => {
  const web = (name: string, ns = 'default') => makePod(name).namespace(ns).label('app', 'web').info();
  const budgets = compilePodDisruptionBudgets([
    pdb('web', { matchLabels: { app: 'web' } }, 1),
    pdb('everything', {}, 0), // empty selector matches nothing
    pdb('nothing', undefined, 0), // absent selector matches nothing
    pdb('invalid', { matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, 0), // invalid: matches nothing
  ]);
  assert.equal(budgets.map((b) => b.name), ['web']);
  const pods = [web('w1'), web('w2'), web('w3', 'other'), makePod('unlabelled').info(), web('w4')];
  const { violating, nonViolating } = filterPodsWithPDBViolation(pods, (p) => p, budgets);
  // w1: 1 → 0 fine; w2: 0 → -1 violates; w3 is in another namespace; unlabelled matches nothing; w4: -2 violates.
  assert.equal(violating.map((p) => p.name), ['w2', 'w4']);
  assert.equal(nonViolating.map((p) => p.name), ['w1', 'w3', 'unlabelled']);
  // A pod already in status.disruptedPods does not use the budget again.
  const disrupted = compilePodDisruptionBudgets([pdb('web', { matchLabels: { app: 'web' } }, 0, { disruptedPods: { w1: '2026-11-28T00:00:00Z' } })]);
  const split = filterPodsWithPDBViolation([web('w1'), web('w2')], (p) => p, disrupted);
  assert.equal(split.violating.map((p) => p.name), ['w2']);
});

pdbs('reprieve tries PDB-violating victims first, so the protected pod stays when one eviction suffices', () => {
  // 2 cpu node: g (10, guarded by a PDB with 0 allowed) and f (20, free), 1 cpu each; preemptor 1 cpu.
  // By importance f would be reprieved first and g evicted; PDB-violating g is reprieved first instead:
  // 1 + 1 = 2 fits → g stays; f: 3 > 2 → victim. 0 violations.
  const { explain } = run({
    nodes: [node('node1', { cpu: '2' })],
    pods: [makePod('g').priority(10).label('app', 'db').req({ cpu: '1' }).node('node1').obj(), pod('f', 'node1', 20, { cpu: '1' })],
    preemptor: makePod('p').priority(HIGH).req({ cpu: '1' }).info(),
    pdbs: [pdb('db', { matchLabels: { app: 'db' } }, 0)],
  });
  assert.equal(victimsOf(explain, 'node1'), ['f']);
  assert.is(explain.candidates[0]!.pdbViolations, 0);
});

pdbs('PDB-protected pods are spared when another candidate exists (criterion 1: fewest PDB violations)', () => {
  // node1's only victim g (priority 0) is guarded (0 allowed) → 1 violation; node2's victim f (priority 50)
  // is free → 0 violations. Criterion 2 would prefer node1 (0 < 50), but criterion 1 decides first.
  const { result, explain, cluster } = run({
    nodes: [node('node1', onePod), node('node2', onePod)],
    pods: [makePod('g').priority(LOW).label('app', 'db').node('node1').obj(), pod('f', 'node2', 50)],
    preemptor: makePod('p').priority(HIGH).info(),
    pdbs: [pdb('db', { matchLabels: { app: 'db' } }, 0)],
  });
  assert.is(result.nominatedNodeName, 'node2');
  assert.is(explain.choice?.decidedBy, 'fewest PDB violations');
  assert.equal(explain.candidates.map((c) => [c.node, c.pdbViolations]), [['node2', 0], ['node1', 1]]); // non-violating first
  assert.equal(cluster.evicted, ['default/f']);
});

pdbs('when every candidate violates, the one with the fewest violations wins', () => {
  // Budget 0 for app=web. node1 (2 cpu): w1, w2 (priority 0, 1 cpu each) both must go for a 2 cpu pod → 2
  // violations. node2 (2 cpu): w3 (priority 5, 2 cpu) → 1 violation. Criterion 2 would pick node1 (0 < 5).
  const web = (name: string, on: string, prio: number, cpu: string) => makePod(name).priority(prio).label('app', 'web').req({ cpu }).node(on).obj();
  const { result, explain } = run({
    nodes: [node('node1', { cpu: '2' }), node('node2', { cpu: '2' })],
    pods: [web('w1', 'node1', 0, '1'), web('w2', 'node1', 0, '1'), web('w3', 'node2', 5, '2')],
    preemptor: makePod('p').priority(HIGH).req({ cpu: '2' }).info(),
    pdbs: [pdb('web', { matchLabels: { app: 'web' } }, 0)],
  });
  assert.is(result.nominatedNodeName, 'node2');
  assert.is(explain.choice?.decidedBy, 'fewest PDB violations');
  assert.equal(explain.candidates.map((c) => [c.node, c.pdbViolations]).sort(), [['node1', 2], ['node2', 1]]);
});

pdbs('TestPostFilter "pod can be made schedulable on minHighestPriority node": equal violations, lower victim wins', () => {
  // node1: p1 (high, PDB allowing MaxInt32) + p2 (low, PDB 100% minAvailable → 0 allowed); node2: p3 (mid, 0 allowed).
  // node1 loses both (1 violation, highest victim 1000); node2 loses p3 (1 violation, highest 100) → node2.
  const labelled = (name: string, on: string, prio: number, v: string) => makePod(name).priority(prio).label('test.kubernetes.io/is-violating-pdb', v).node(on).obj();
  const { result, explain } = run({
    nodes: [node('node1', onePod), node('node2', onePod)],
    pods: [labelled('p1', 'node1', HIGH, 'non-violating'), labelled('p2', 'node1', LOW, 'violating'), labelled('p3', 'node2', MID, 'violating')],
    preemptor: makePod('p').priority(VERY_HIGH).info(),
    pdbs: [
      pdb('violating-pdb', { matchLabels: { 'test.kubernetes.io/is-violating-pdb': 'violating' } }, 0),
      pdb('non-violating-pdb', { matchLabels: { 'test.kubernetes.io/is-violating-pdb': 'non-violating' } }, 2147483647),
    ],
  });
  assert.is(result.nominatedNodeName, 'node2');
  assert.is(explain.choice?.decidedBy, 'lowest highest-victim priority');
});

// ---- node choice (pickOneNodeForPreemption), one test per criterion --------------------------------------

const choice = suite('node choice (pickOneNodeForPreemption)');

/** TestSelectBestCandidate's harness: nodes of veryLargeRes (500m / 500), the preemptor asks veryLargeRes. */
function best(names: string[], pods: Pod[], preemptorPriority = HIGH, rng?: Rng) {
  return run({
    nodes: names.map((n) => node(n, veryLarge)),
    pods,
    preemptor: makePod('p').priority(preemptorPriority).req(veryLarge).info(),
    ...(rng ? { rng } : {}),
  });
}

choice('criterion 2: node with min highest priority pod is picked (TestSelectBestCandidate)', () => {
  // Every lower-priority pod must go (500m node, 500m pod). Highest victim: node1 mid, node2 mid, node3 low.
  const { explain } = best(
    ['node1', 'node2', 'node3'],
    [
      pod('p1.1', 'node1', MID, medium),
      pod('p1.2', 'node1', MID, large),
      pod('p2.1', 'node2', MID, medium),
      pod('p2.2', 'node2', LOW, medium),
      pod('p3.1', 'node3', LOW, medium),
      pod('p3.2', 'node3', LOW, medium),
    ],
  );
  assert.is(explain.choice?.node, 'node3');
  assert.is(explain.choice?.decidedBy, 'lowest highest-victim priority');
  assert.equal(explain.choice?.rounds.map((r) => r.kept.length), [3, 1]); // all tie on PDBs, then node3 alone
});

choice('criterion 3: same highest priority, minimum sum of adjusted priorities (TestSelectBestCandidate)', () => {
  // Sums with +2^31 each: node1 mid+mid = 2·(100 + 2^31); node2 mid+low = (100 + 2^31) + (0 + 2^31), the smallest;
  // node3 mid+mid.
  const { explain } = best(
    ['node1', 'node2', 'node3'],
    [
      pod('p1.1', 'node1', MID, medium),
      pod('p1.2', 'node1', MID, large),
      pod('p2.1', 'node2', MID, large),
      pod('p2.2', 'node2', LOW, medium),
      pod('p3.1', 'node3', MID, medium),
      pod('p3.2', 'node3', MID, medium),
    ],
  );
  assert.is(explain.choice?.node, 'node2');
  assert.is(explain.choice?.decidedBy, 'smallest sum of victim priorities');
  const sums = Object.fromEntries(explain.candidates.map((c) => [c.node, c.sumPriorities]));
  assert.equal(sums, { node1: 2 * (100 + 2 ** 31), node2: 100 + 2 ** 31 + 2 ** 31, node3: 2 * (100 + 2 ** 31) });
});

choice('criterion 3 counts every victim: "sum of adjusted priorities is considered" (TestSelectBestCandidate)', () => {
  // Raw sums would be node1 100-100-100 = -100 (smallest) but adjusted: node1 3 victims → 100 - 200 + 3·2^31;
  // node2 2 victims → 0 + 2·2^31 (smallest); node3 3 victims → 0 + 3·2^31.
  const { explain } = best(
    ['node1', 'node2', 'node3'],
    [
      pod('p1.1', 'node1', MID, small),
      pod('p1.2', 'node1', NEG, small),
      pod('p1.3', 'node1', NEG, small),
      pod('p2.1', 'node2', MID, large),
      pod('p2.2', 'node2', NEG, medium),
      pod('p3.1', 'node3', MID, medium),
      pod('p3.2', 'node3', NEG, small),
      pod('p3.3', 'node3', LOW, small),
    ],
  );
  assert.is(explain.choice?.node, 'node2');
  assert.is(explain.choice?.decidedBy, 'smallest sum of victim priorities');
});

choice('criteria 2 then 3: "non-overlapping lowest high priority, sum priorities, and number of pods" (TestSelectBestCandidate)', () => {
  // node2's victim is high (1000) → out at criterion 2; node1 (3 victims, 100 + 3·2^31) beats node3
  // (100 + 4·2^31) and node4 (200 + 4·2^31) on the sum.
  const { explain } = best(
    ['node1', 'node2', 'node3', 'node4'],
    [
      pod('p1.1', 'node1', MID, small),
      pod('p1.2', 'node1', LOW, small),
      pod('p1.3', 'node1', LOW, small),
      pod('p2.1', 'node2', HIGH, large),
      pod('p3.1', 'node3', MID, medium),
      pod('p3.2', 'node3', LOW, small),
      pod('p3.3', 'node3', LOW, small),
      pod('p3.4', 'node3', LOW, medium),
      pod('p4.1', 'node4', MID, medium),
      pod('p4.2', 'node4', MID, small),
      pod('p4.3', 'node4', MID, small),
      pod('p4.4', 'node4', NEG, small),
    ],
    VERY_HIGH,
  );
  assert.is(explain.choice?.node, 'node1');
  assert.is(explain.choice?.decidedBy, 'smallest sum of victim priorities');
  // kept lists are in dry-run order (from the random offset), so compare them sorted.
  assert.equal(explain.choice?.rounds.map((r) => [...r.kept].sort()), [
    ['node1', 'node2', 'node3', 'node4'],
    ['node1', 'node3', 'node4'],
    ['node1'],
  ]);
});

choice('criterion 4: equal highest priority and equal adjusted sum, fewer victims wins', () => {
  // With the +2^31 adjustment the sums tie only if a victim has priority -2^31 (adjusted 0):
  // node1: one victim of priority 0 → sum 2^31; node2: victims 0 and -2147483648 → 2^31 + 0 = 2^31.
  // Highest priority 0 on both; node1 has 1 victim, node2 has 2 → node1.
  const { explain } = best(
    ['node2', 'node1'],
    [pod('a', 'node2', 0, medium), pod('b', 'node2', -2147483648, large), pod('c', 'node1', 0, veryLarge)],
  );
  assert.is(explain.choice?.node, 'node1');
  assert.is(explain.choice?.decidedBy, 'fewest victims');
  assert.equal(explain.candidates.map((c) => c.sumPriorities), [2 ** 31, 2 ** 31]);
});

choice('criterion 5: latest start time of the highest-priority victims (TestSelectBestCandidate, three cases)', () => {
  const cases: [string, Pod[], string][] = [
    [
      // "different start time for each node's pod": node1 t2, node2 t3, node3 t1 → node2 (latest).
      'same priority, same number of victims, different start time for each node',
      [
        pod('p1.1', 'node1', MID, medium, t(2)),
        pod('p1.2', 'node1', MID, medium, t(2)),
        pod('p2.1', 'node2', MID, medium, t(3)),
        pod('p2.2', 'node2', MID, medium, t(3)),
        pod('p3.1', 'node3', MID, medium, t(1)),
        pod('p3.2', 'node3', MID, medium, t(1)),
      ],
      'node2',
    ],
    [
      // Earliest per node: node1 min(t4, t2) = t2, node2 min(t5, t1) = t1, node3 min(t3, t6) = t3 → node3.
      'same priority, same number of victims, different start time for all pods',
      [
        pod('p1.1', 'node1', MID, medium, t(4)),
        pod('p1.2', 'node1', MID, medium, t(2)),
        pod('p2.1', 'node2', MID, medium, t(5)),
        pod('p2.2', 'node2', MID, medium, t(1)),
        pod('p3.1', 'node3', MID, medium, t(3)),
        pod('p3.2', 'node3', MID, medium, t(6)),
      ],
      'node3',
    ],
    [
      // Only the mid-priority victims count: node1 t2, node2 t6, node3 t5 → node2.
      'different priority, same number of victims, different start time for all pods',
      [
        pod('p1.1', 'node1', LOW, medium, t(4)),
        pod('p1.2', 'node1', MID, medium, t(2)),
        pod('p2.1', 'node2', MID, medium, t(6)),
        pod('p2.2', 'node2', LOW, medium, t(1)),
        pod('p3.1', 'node3', LOW, medium, t(3)),
        pod('p3.2', 'node3', MID, medium, t(5)),
      ],
      'node2',
    ],
  ];
  for (const [name, pods, want] of cases) {
    const { explain } = best(['node1', 'node2', 'node3'], pods);
    assert.is(explain.choice?.node, want, name);
    assert.is(explain.choice?.decidedBy, 'latest start time of the highest-priority victims', name);
  }
});

choice('criterion 6: a full tie goes to the first candidate in dry-run order, which starts at the random offset', () => {
  // TestSelectBestCandidate "a pod that fits on both nodes" (either node is valid upstream). Here: the walk
  // starts at potential[offset], so offset 0 → node1, offset 1 → node2.
  const pods = [pod('p1', 'node1', MID, large), pod('p2', 'node2', MID, large)];
  for (const [offset, want] of [
    [0, 'node1'],
    [1, 'node2'],
  ] as const) {
    const { explain } = best(['node1', 'node2'], pods, HIGH, fixedRng(offset));
    assert.is(explain.offset, offset);
    assert.is(explain.choice?.node, want);
    assert.is(explain.choice?.decidedBy, 'first candidate');
    assert.is(explain.choice?.rounds.length, 5);
  }
});

choice('determinism: the same seed gives the same offset, candidates and choice', () => {
  const nodes = Array.from({ length: 30 }, (_, i) => node(`n${i}`, { cpu: '1' }));
  const pods = nodes.map((_, i) => pod(`v${i}`, `n${i}`, LOW, { cpu: '1' }));
  const preemptor = makePod('p').priority(HIGH).req({ cpu: '1' }).info();
  const args = { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 5 }; // n = max(3, 5) = 5 of 30
  const a = run({ nodes, pods, preemptor, args, rng: seededRng(42) }).explain;
  const b = run({ nodes, pods, preemptor, args, rng: seededRng(42) }).explain;
  assert.equal(a, b);
  assert.is(a.offset, seededRng(42).int(30));
  assert.equal(a.dryRun.map((d) => d.node), [0, 1, 2, 3, 4].map((i) => `n${(a.offset + i) % 30}`));
  assert.is(a.choice?.node, `n${a.offset}`); // all tie: the first one checked
});

// ---- the dry run ----------------------------------------------------------------------------------------

const dryRun = suite('dry run (DryRunPreemption)');

dryRun('stops once >= 1 non-violating candidate and n candidates are found; the list holds at most n per kind', () => {
  // n = 2 (abs 2, pct 0). Order from offset 0: v1, v2, v3 violate a PDB, nv4 does not.
  // v1 → violating [v1]; v2 → [v1, v2]; v3 → over the capacity of 2, dropped; nv4 → non-violating [nv4]:
  // 1 + 2 >= 2 and one non-violating → stop. Candidates: non-violating first.
  const guarded = (name: string, on: string) => makePod(name).priority(LOW).label('app', 'web').node(on).obj();
  const { explain } = run({
    nodes: ['v1', 'v2', 'v3', 'nv4', 'nv5'].map((n) => node(n, onePod)),
    pods: [guarded('a', 'v1'), guarded('b', 'v2'), guarded('c', 'v3'), pod('d', 'nv4', LOW), pod('e', 'nv5', LOW)],
    preemptor: makePod('p').priority(HIGH).info(),
    pdbs: [pdb('web', { matchLabels: { app: 'web' } }, 0)],
    args: { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 2 },
    rng: fixedRng(0),
  });
  assert.is(explain.candidatesWanted, 2);
  assert.equal(explain.dryRun.map((d) => [d.node, d.outcome]), [
    ['v1', 'candidate'],
    ['v2', 'candidate'],
    ['v3', 'over-limit'],
    ['nv4', 'candidate'],
  ]);
  assert.equal(explain.candidates.map((c) => c.node), ['nv4', 'v1', 'v2']);
  assert.is(explain.choice?.node, 'nv4');
});

dryRun('walks circularly from the offset: offset 3 of 4 checks node4 then node1', () => {
  const { explain } = run({
    nodes: ['node1', 'node2', 'node3', 'node4'].map((n) => node(n, onePod)),
    pods: ['node1', 'node2', 'node3', 'node4'].map((n, i) => pod(`v${i + 1}`, n, LOW)),
    preemptor: makePod('p').priority(HIGH).info(),
    args: { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 2 },
    rng: fixedRng(3),
  });
  assert.equal(explain.dryRun.map((d) => d.node), ['node4', 'node1']);
});

dryRun('the snapshot is byte-for-byte unchanged afterwards (columns, GPU devices, counters, pods arrays)', () => {
  const gpuNode = (name: string) => makeNode(name).capacity({ cpu: '4', memory: '8Gi', 'nvidia.com/gpu': '4', 'example.com/foo': '10' }).obj();
  const gpuPod = (name: string, on: string, prio: number, devices: string) =>
    makePod(name).priority(prio).req({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '2', 'example.com/foo': '3' }).annotation('drydock.io/gpu-devices', devices).node(on).obj();
  const podList = [
    gpuPod('g1', 'node1', 10, '0,1'),
    gpuPod('g2', 'node1', 20, '2,3'),
    pod('c1', 'node1', 30, { cpu: '1', memory: '1Gi' }),
    gpuPod('g3', 'node2', 10, '0,1'),
    pod('c2', 'node2', 5000, { cpu: '2', memory: '1Gi' }),
    gpuPod('g4', 'node3', 2000, '1,2'),
  ];
  const cluster = new FakeCluster();
  cluster.devices.set('default/g1', [0, 1]);
  cluster.devices.set('default/g2', [2, 3]);
  cluster.devices.set('default/g3', [0, 1]);
  cluster.devices.set('default/g4', [1, 2]);
  const nodes = [gpuNode('node1'), gpuNode('node2'), gpuNode('node3')];
  // Build the snapshot first, take the "before" picture, then run postFilter on the very same snapshot.
  const { snapshot } = clusterOf(nodes, podList);
  const counter = snapshot.podCounts('test/low', (p) => p.priority < 1000);
  const picture = () => {
    const cols: [string, ArrayBufferView][] = [
      ['reqCpu', snapshot.reqCpu],
      ['reqMemory', snapshot.reqMemory],
      ['reqEphemeral', snapshot.reqEphemeral],
      ['nonZeroCpu', snapshot.nonZeroCpu],
      ['nonZeroMemory', snapshot.nonZeroMemory],
      ['podCount', snapshot.podCount],
      ['gpuUsedMilli', snapshot.gpuUsedMilli],
      ['scalar foo', snapshot.scalar('example.com/foo').req],
      ['scalar gpu', snapshot.scalar('nvidia.com/gpu').req],
      ['counter', counter],
    ];
    return cols.map(([name, c]) => [name, Array.from(new Uint8Array(c.buffer, c.byteOffset, c.byteLength))] as const);
  };
  const before = picture();
  const podsBefore = [...snapshot.pods];
  assert.ok(before.find(([n]) => n === 'gpuUsedMilli')![1].some((b) => b !== 0), 'GPU devices are accounted');

  const runner = testRunner();
  const handle: PluginHandle = { args: undefined, profileName: 'default-scheduler', rng: seededRng(7), filterRunner: () => runner, cluster };
  const plugin = newDefaultPreemption(handle) as DefaultPreemption;
  // A 4-cpu pod: node1 must lose g1, g2 and c1 (1 + 1 + 1 cpu); node2 keeps c2 (5000) → 2 + 4 > 4, rejected;
  // node3's only pod outranks the preemptor (2000 > 1000) → no victims.
  const preemptor = makePod('p').priority(1000).req({ cpu: '4' }).info();
  const reasonOfNode = new Int32Array(snapshot.capacity);
  for (const r of rows(snapshot, 'node1', 'node2', 'node3')) reasonOfNode[r] = INSUFFICIENT_CPU;
  const { status, result } = plugin.postFilter(new CycleState(), preemptor, snapshot, { reasonOfNode });
  assert.is(status.code, Code.Success);
  assert.is(result.nominatedNodeName, 'node1');
  assert.equal(result.victims.map((v) => v.name), ['c1', 'g2', 'g1']);

  assert.equal(picture(), before);
  for (let r = 0; r < snapshot.rows; r++) assert.ok(snapshot.pods[r] === podsBefore[r], `pods array of row ${r} restored by reference`);
});

dryRun('dry runs use a clone of the CycleState (PreFilter extensions see it, the original is untouched)', () => {
  const state = new CycleState();
  state.write(EXT_KEY, new ExtCounter());
  const skip = new Set(['SomeFilterSkippedInPreFilter']);
  state.skipFilterPlugins = skip;
  const { runner } = run({
    nodes: [node('node1', { cpu: '2' })],
    pods: [pod('a', 'node1', LOW, { cpu: '1' }), pod('b', 'node1', LOW, { cpu: '1' })],
    preemptor: makePod('p').priority(HIGH).req({ cpu: '1' }).info(),
    state,
  });
  // RemovePod a, b; reprieve a: AddPod a (fits, stays); reprieve b: AddPod b, RemovePod b → 5 calls,
  assert.is(runner.extCalls, 5);
  // but only on the clone: the original counter is still at zero.
  const original = state.read<ExtCounter>(EXT_KEY)!;
  assert.equal([original.added, original.removed], [0, 0]);
  // The clone keeps skipFilterPlugins (upstream's CycleState.Clone copies SkipFilterPlugins).
  assert.equal([...runner.seenSkip], [skip]);
});

// ---- eligibility and what postFilter does ------------------------------------------------------------

const eligibility = suite('eligibility and actions');

/** A pod object with status fields the builder has no setter for. */
function withStatus(p: Pod, status: Record<string, unknown>, metadata: Record<string, unknown> = {}): Pod {
  return { ...p, metadata: { ...p.metadata, ...metadata }, status: { ...p.status, ...status } } as Pod;
}

eligibility('preemptionPolicy Never: not eligible, nomination untouched, nothing evicted', () => {
  const { status, result, cluster, runner } = run({
    nodes: [node('node1', onePod)],
    pods: [pod('p1', 'node1', LOW)],
    preemptor: makePod('p').priority(HIGH).spec({ preemptionPolicy: 'Never' }).info(),
  });
  assert.is(status.code, Code.Unschedulable);
  assert.equal(status.reasons, [MSG_PREEMPTION_POLICY_NEVER]);
  assert.is(MSG_PREEMPTION_POLICY_NEVER, 'not eligible due to preemptionPolicy=Never.');
  assert.not.ok('nominatedNodeName' in result);
  assert.equal(cluster.evicted, []);
  assert.is(runner.filterCalls, 0);
});

eligibility('a terminating victim on the nominated node makes the pod wait (PodEligibleToPreemptOthers)', () => {
  const preemptorObj = withStatus(makePod('p').priority(HIGH).obj(), { nominatedNodeName: 'node1' });
  const deleting = { deletionTimestamp: '2026-11-28T00:01:00Z' };
  const byScheduler = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
  const cases: [string, Pod, Code][] = [
    ['victim terminating because of preemption', withStatus(pod('v', 'node1', LOW), byScheduler, deleting), Code.Unschedulable],
    ['deleted by someone else (no DisruptionTarget): eligible', withStatus(pod('v', 'node1', LOW), {}, deleting), Code.Success],
    ['DisruptionTarget without deletionTimestamp: eligible', withStatus(pod('v', 'node1', LOW), byScheduler), Code.Success],
  ];
  for (const [name, victim, want] of cases) {
    const { status, result, cluster } = run({ nodes: [node('node1', onePod)], pods: [victim], preemptor: makePodInfo(preemptorObj) });
    assert.is(status.code, want, name);
    if (want === Code.Unschedulable) {
      assert.equal(status.reasons, [MSG_TERMINATING_ON_NOMINATED_NODE], name);
      assert.not.ok('nominatedNodeName' in result, name);
    } else {
      assert.is(result.nominatedNodeName, 'node1', name);
      // A victim already being deleted gets no second API call (prepareCandidate skips it).
      assert.equal(cluster.evicted, victim.metadata?.deletionTimestamp === undefined ? ['default/v'] : [], name);
    }
  }
  // The nominated node now fails as UnschedulableAndUnresolvable: preempt elsewhere regardless.
  const out = run({
    nodes: [node('node1', onePod), node('node2', onePod)],
    pods: [withStatus(pod('v', 'node1', LOW), byScheduler, deleting), pod('w', 'node2', LOW)],
    preemptor: makePodInfo(preemptorObj),
    unresolvable: ['node1'],
  });
  assert.is(out.result.nominatedNodeName, 'node2');
});

eligibility('postFilter evicts the victims and reports lower-priority pods nominated to the node', async () => {
  const cluster = new FakeCluster();
  const lower = makePod('lower').priority(5).info();
  const higher = makePod('higher').priority(HIGH + 1).info();
  const same = makePod('same').priority(HIGH).info();
  cluster.nominated.set('node1', [lower, higher, same]);
  const { status, result } = run({
    nodes: [node('node1', onePod)],
    pods: [pod('v', 'node1', LOW)],
    preemptor: makePod('p').priority(HIGH).info(),
    cluster,
  });
  assert.is(status.code, Code.Success);
  assert.ok(isPreemptionResult(result));
  assert.equal(result.victims.map((v) => v.key), ['default/v']);
  assert.equal(cluster.evicted, ['default/v']); // called synchronously by postFilter
  assert.equal(result.lowerPriorityNominatedPods.map((p) => p.name), ['lower']); // strictly lower only
  await result.evictions;
});

eligibility('a failed eviction rejects result.evictions (and is not an unhandled rejection when ignored)', async () => {
  const cluster = new FakeCluster();
  cluster.evict = async () => {
    throw new Error('pods "v" is forbidden');
  };
  const { result } = run({ nodes: [node('node1', onePod)], pods: [pod('v', 'node1', LOW)], preemptor: makePod('p').priority(HIGH).info(), cluster });
  try {
    await result.evictions;
    assert.unreachable('eviction failure was swallowed');
  } catch (err) {
    assert.is((err as Error).message, 'pods "v" is forbidden');
  }
});

eligibility('explainPreemption is plain JSON with the dry run, candidates and the reason for the choice', () => {
  const { explain } = run({
    nodes: [node('node1', onePod), node('node2', onePod)],
    pods: [pod('a', 'node1', MID, {}, t(1)), pod('b', 'node2', LOW, {}, t(2))],
    preemptor: makePod('p').priority(HIGH).info(),
    rng: fixedRng(0),
  });
  assert.equal(JSON.parse(JSON.stringify(explain)), explain);
  assert.equal(explain, {
    preemptor: 'default/p',
    priority: HIGH,
    code: 'Success',
    message: '',
    nominatedNodeName: 'node2',
    nodes: 2,
    potentialNodes: 2,
    offset: 0,
    candidatesWanted: 2, // max(2 * 10 / 100 = 0, 100) = 100, capped at 2
    dryRun: [
      { node: 'node1', outcome: 'candidate', reasons: [], victims: [{ pod: 'default/a', priority: MID, startTime: '1970-01-01T00:00:01.000Z' }], pdbViolations: 0 },
      { node: 'node2', outcome: 'candidate', reasons: [], victims: [{ pod: 'default/b', priority: LOW, startTime: '1970-01-01T00:00:02.000Z' }], pdbViolations: 0 },
    ],
    candidates: [
      {
        node: 'node1',
        victims: [{ pod: 'default/a', priority: MID, startTime: '1970-01-01T00:00:01.000Z' }],
        pdbViolations: 0,
        highestPriority: MID,
        sumPriorities: MID + 2 ** 31,
        earliestStartOfHighest: '1970-01-01T00:00:01.000Z',
      },
      {
        node: 'node2',
        victims: [{ pod: 'default/b', priority: LOW, startTime: '1970-01-01T00:00:02.000Z' }],
        pdbViolations: 0,
        highestPriority: LOW,
        sumPriorities: 2 ** 31,
        earliestStartOfHighest: '1970-01-01T00:00:02.000Z',
      },
    ],
    choice: {
      node: 'node2',
      decidedBy: 'lowest highest-victim priority',
      rounds: [
        { criterion: 'fewest PDB violations', kept: ['node1', 'node2'] },
        { criterion: 'lowest highest-victim priority', kept: ['node2'] },
      ],
    },
  });
});

for (const s of [args, victims, pdbs, choice, dryRun, eligibility]) s.run();
