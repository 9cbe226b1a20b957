// The node search's batch paths against the one-node-at-a-time ones they replace:
// - every plugin's filterNodes / scoreNodes answers, row for row, what its filter / score answers;
// - the chunked search (each filter over a chunk's survivors) visits the same nodes, finds the same
//   feasible ones and leaves the same nextStartNodeIndex as a plain node-by-node search written here,
//   pod after pod on random clusters of 120-200 nodes (so the search stops early);
// - the framework's memo of row-pure score sums (RowScoreMemo) picks the nodes full scoring picks, through
//   placements, node changes and dry runs;
// - a PreFilterResult (matchFields metadata.name) narrows the search to its nodes, as findNodesThatFitPod
//   does, and the other nodes are counted as UnschedulableAndUnresolvable in the FailedScheduling message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Node, Pod } from '../../src/api/index.js';
import { buildFrameworks } from '../../src/scheduler/build.js';
import { parseSchedulerConfiguration } from '../../src/scheduler/config.js';
import { CycleState } from '../../src/scheduler/framework.js';
import { makePodInfo, type PodInfo } from '../../src/scheduler/podinfo.js';
import { inTreeRegistry } from '../../src/scheduler/registry.js';
import { numFeasibleNodesToFind, type Framework } from '../../src/scheduler/runtime.js';
import { NodeCache, Snapshot } from '../../src/scheduler/snapshot.js';
import { seededRng } from '../../src/util/rng.js';
import { makeNode, makePod } from './fixtures.js';

const ZONE = 'topology.kubernetes.io/zone';
const CONFIG = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

function defaultFramework(seed: number, percentageOfNodesToScore?: number): Framework {
  const config = parseSchedulerConfiguration(CONFIG, 'default.yaml', inTreeRegistry);
  const options = { rng: seededRng(seed), ...(percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore } : {}) };
  return buildFrameworks(config, inTreeRegistry, options).frameworks.get('default-scheduler')!;
}

interface NodeGen {
  cpu: number;
  memGi: number;
  pods: number;
  zone: number;
  taint: 'none' | 'NoSchedule' | 'PreferNoSchedule';
  unschedulable: boolean;
  image: boolean;
}

interface PodGen {
  cpuMilli: number;
  memMi: number;
  app: 'a' | 'b';
  tolerate: boolean;
  spread: 'none' | 'DoNotSchedule' | 'ScheduleAnyway';
  affinity: 'none' | 'anti' | 'preferred' | 'required';
  nodeName: number | null;
  image: boolean;
  nodeAffinity: 'none' | 'selector' | 'required';
}

const nodeGen: fc.Arbitrary<NodeGen> = fc.record({
  cpu: fc.integer({ min: 1, max: 8 }),
  memGi: fc.integer({ min: 1, max: 16 }),
  pods: fc.integer({ min: 1, max: 6 }),
  zone: fc.integer({ min: 0, max: 2 }),
  taint: fc.constantFrom('none' as const, 'none' as const, 'none' as const, 'NoSchedule' as const, 'PreferNoSchedule' as const),
  unschedulable: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  image: fc.boolean(),
});

const podGen: fc.Arbitrary<PodGen> = fc.record({
  cpuMilli: fc.integer({ min: 100, max: 3000 }),
  memMi: fc.integer({ min: 64, max: 4096 }),
  app: fc.constantFrom('a' as const, 'b' as const),
  tolerate: fc.boolean(),
  spread: fc.constantFrom('none' as const, 'none' as const, 'DoNotSchedule' as const, 'ScheduleAnyway' as const),
  affinity: fc.constantFrom('none' as const, 'none' as const, 'anti' as const, 'preferred' as const, 'required' as const),
  nodeName: fc.option(fc.integer({ min: 0, max: 250 }), { freq: 8 }),
  image: fc.boolean(),
  nodeAffinity: fc.constantFrom('none' as const, 'none' as const, 'selector' as const, 'required' as const),
});

function nodeOf(i: number, g: NodeGen): Node {
  let b = makeNode(`n${i}`).capacity({ cpu: String(g.cpu), memory: `${g.memGi}Gi`, pods: String(g.pods) }).label(ZONE, `z${g.zone}`);
  if (g.taint !== 'none') b = b.taint({ key: 'dedicated', value: 'x', effect: g.taint });
  if (g.unschedulable) b = b.unschedulable();
  if (g.image) b = b.images([{ names: ['example.com/big:1'], sizeBytes: 400 * 1024 * 1024 }]);
  return b.obj();
}

function podOf(name: string, g: PodGen): Pod {
  let b = makePod(name)
    .req({ cpu: `${g.cpuMilli}m`, memory: `${g.memMi}Mi` }, g.image ? 'example.com/big:1' : 'registry.k8s.io/pause:3.10')
    .label('app', g.app);
  if (g.tolerate) b = b.toleration({ key: 'dedicated', operator: 'Exists' });
  if (g.nodeName !== null) b = b.spec({ nodeName: `n${g.nodeName}` });
  const term = { labelSelector: { matchLabels: { app: g.app } }, topologyKey: ZONE };
  const spec: Record<string, unknown> = {};
  if (g.spread !== 'none') spec['topologySpreadConstraints'] = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: g.spread, labelSelector: { matchLabels: { app: g.app } } }];
  if (g.affinity === 'anti') spec['affinity'] = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...term, topologyKey: 'kubernetes.io/hostname' }] } };
  if (g.affinity === 'preferred') spec['affinity'] = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term }] } };
  if (g.affinity === 'required') spec['affinity'] = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
  if (g.nodeAffinity === 'selector') spec['nodeSelector'] = { [ZONE]: 'z1' };
  if (g.nodeAffinity === 'required') {
    const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['z0', 'z2'] }] }] } };
    spec['affinity'] = { ...(spec['affinity'] as object | undefined), nodeAffinity };
  }
  return b.spec(spec).obj();
}

function cluster(nodes: readonly NodeGen[], placed: readonly [PodGen, number][]): { cache: NodeCache; snapshot: Snapshot } {
  const cache = new NodeCache();
  nodes.forEach((g, i) => cache.setNode(nodeOf(i, g)));
  placed.forEach(([g, at], i) => cache.addPod(makePodInfo({ ...podOf(`placed-${i}`, { ...g, nodeName: null }), spec: { ...podOf(`placed-${i}`, { ...g, nodeName: null }).spec, nodeName: `n${at % nodes.length}` } })));
  const snapshot = new Snapshot();
  snapshot.update(cache);
  return { cache, snapshot };
}

/** Runs PreFilter as the framework does and returns the plugins PreFilter did not skip. */
function preFilter(fw: Framework, state: CycleState, pod: PodInfo, snapshot: Snapshot): Set<string> | undefined {
  const skipped = new Set<string>();
  for (const p of fw.plugins.preFilter) {
    const { status } = p.preFilter(state, pod, snapshot);
    if (status.code === 5) skipped.add(p.name);
    else if (status.code !== 0) return undefined; // rejected outright: no node loop to compare
  }
  state.skipFilterPlugins = skipped;
  return skipped;
}

test('filterNodes and scoreNodes answer exactly what filter and score answer, row for row', () => {
  fc.assert(
    fc.property(fc.array(nodeGen, { minLength: 1, maxLength: 24 }), fc.array(fc.tuple(podGen, fc.nat()), { maxLength: 30 }), podGen, (nodes, placed, incoming) => {
      const fw = defaultFramework(1);
      const { snapshot } = cluster(nodes, placed);
      // The snapshot's counts of tainted and unschedulable nodes, which let those filters pass all at once.
      assert.equal([snapshot.taintedRows, snapshot.unschedulableRows], [nodes.filter((g) => g.taint !== 'none').length, nodes.filter((g) => g.unschedulable).length]);
      const pod = makePodInfo(podOf('incoming', { ...incoming, nodeName: incoming.nodeName === null ? null : incoming.nodeName % (nodes.length + 1) }));
      const state = new CycleState();
      const skipped = preFilter(fw, state, pod, snapshot);
      if (skipped === undefined) return;
      const rows = snapshot.order.slice(0, snapshot.numNodes);
      const out = new Int32Array(rows.length);
      let batched = 0;
      for (const f of fw.plugins.filter) {
        if (skipped.has(f.name) || f.filterNodes === undefined) continue;
        batched++;
        out.fill(-1);
        const rejected = f.filterNodes(state, pod, rows, rows.length, snapshot, out);
        // Every row passing may come back as 0 alone, without `out` written.
        if (rejected === 0) rows.forEach((r) => assert.is(f.filter(state, pod, r, snapshot), 0, `${f.name} on ${snapshot.names[r]}: none rejected`));
        else rows.forEach((r, i) => assert.is(out[i], f.filter(state, pod, r, snapshot), `${f.name} on ${snapshot.names[r]}`));
        assert.is(rejected, rows.filter((r) => f.filter(state, pod, r, snapshot) !== 0).length, `${f.name}: the count of rejections`);
      }
      assert.ok(batched >= 3, 'NodeUnschedulable, NodeName, TaintToleration and NodeResourcesFit batch');
      if (incoming.nodeAffinity !== 'none') assert.ok(!skipped.has('NodeAffinity'), 'NodeAffinity filters this pod');
      for (const p of fw.plugins.preScore) p.preScore(state, pod, rows, rows.length, snapshot);
      const scores = new Float64Array(rows.length);
      for (const { plugin } of fw.plugins.score) {
        if (plugin.scoreNodes === undefined) continue;
        scores.fill(-1);
        plugin.scoreNodes(state, pod, rows, rows.length, snapshot, scores);
        rows.forEach((r, i) => assert.is(scores[i], plugin.score(state, pod, r, snapshot), `${plugin.name} on ${snapshot.names[r]}`));
      }
      // uniformScore, when it answers, is the one score every node ends with after NormalizeScore.
      for (const { plugin } of fw.plugins.score) {
        const uniform = plugin.uniformScore?.(state, pod, rows, rows.length, snapshot);
        if (plugin.uniformScore === undefined) continue;
        if (uniform === undefined) {
          uniformAnswers.none++;
          continue;
        }
        uniformAnswers.some++;
        rows.forEach((r, i) => (scores[i] = plugin.score(state, pod, r, snapshot)));
        plugin.normalizeScore?.(state, pod, scores, rows, rows.length, snapshot);
        rows.forEach((r, i) => assert.is(scores[i], uniform, `${plugin.name}: uniform ${uniform}, but ${snapshot.names[r]} scores ${scores[i]}`));
      }
    }),
    { numRuns: 150, seed: 20261128 },
  );
  // Both answers were drawn: clusters with and without taints and images on the nodes.
  assert.ok(uniformAnswers.some > 50 && uniformAnswers.none > 50, JSON.stringify(uniformAnswers));
});

const uniformAnswers = { some: 0, none: 0 };

test('skipping uniform scores changes no choice: pod after pod, the same nodes as explain mode, which scores every plugin', () => {
  fc.assert(
    fc.property(fc.array(nodeGen, { minLength: 2, maxLength: 30 }), fc.array(podGen.map((g) => ({ ...g, nodeName: null })), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 1000 }), (nodes, incoming, seed) => {
      const fast = defaultFramework(seed);
      const full = defaultFramework(seed);
      const { cache, snapshot } = cluster(nodes, []);
      incoming.forEach((g, i) => {
        const pod = makePodInfo(podOf(`p${i}`, g));
        snapshot.update(cache);
        const a = fast.schedulePod(new CycleState(), pod, snapshot);
        const b = full.schedulePod(new CycleState(), pod, snapshot, { preFilter: [], nodes: [], selectedNode: null });
        assert.is(a.kind, b.kind, `pod ${i}`);
        if (a.kind !== 'scheduled' || b.kind !== 'scheduled') return;
        assert.is(a.nodeName, b.nodeName, `pod ${i}: the shortcut and the full scoring choose alike`);
        cache.addPod(makePodInfo({ ...pod.pod, spec: { ...pod.pod.spec, nodeName: a.nodeName } }));
      });
    }),
    { numRuns: 60, seed: 11 },
  );
});

type MemoStep =
  | { kind: 'schedule'; shape: number }
  | { kind: 'resize'; node: number; gen: NodeGen }
  | { kind: 'dryRun'; shape: number; node: number };

const memoStep: fc.Arbitrary<MemoStep> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('schedule' as const), shape: fc.constantFrom(0, 0, 0, 0, 1, 2) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('resize' as const), node: fc.nat(), gen: nodeGen }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dryRun' as const), shape: fc.nat(2), node: fc.nat() }), weight: 1 },
);

test('the row-pure score memo changes no choice: pod after pod, with nodes changing and dry runs, the nodes explain mode (no memo) picks', () => {
  let hits = 0;
  let misses = 0;
  fc.assert(
    fc.property(
      // Roomy nodes, so that most pods have many feasible nodes to score.
      fc.array(nodeGen.map((g) => ({ ...g, pods: g.pods + 30, cpu: g.cpu + 8, memGi: g.memGi + 16 })), { minLength: 2, maxLength: 40 }),
      // Three pod shapes, so that the same inputs come back (the memo is read) and change (it is dropped).
      fc.array(
        podGen.map((g) => ({ ...g, cpuMilli: 10 + (g.cpuMilli % 400), memMi: 16 + (g.memMi % 512), nodeName: null, affinity: 'none' as const, spread: 'none' as const, nodeAffinity: 'none' as const })),
        { minLength: 3, maxLength: 3 },
      ),
      fc.array(memoStep, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 1000 }),
      (nodes, shapes, steps, seed) => {
        const memo = defaultFramework(seed);
        const full = defaultFramework(seed);
        const { cache, snapshot } = cluster(nodes, []);
        steps.forEach((step, i) => {
          if (step.kind === 'resize') {
            // A node changes (taints, unschedulable, capacity), or goes away now and then.
            if (step.gen.zone === 0 && step.gen.cpu === 1) cache.removeNode(`n${step.node % nodes.length}`);
            else cache.setNode(nodeOf(step.node % nodes.length, step.gen));
            return;
          }
          const pod = makePodInfo(podOf(`p${i}`, shapes[step.shape]!));
          snapshot.update(cache);
          const present = Array.from(snapshot.order.subarray(0, snapshot.numNodes));
          assert.equal([snapshot.taintedRows, snapshot.unschedulableRows], [present.filter((r) => snapshot.tainted[r]).length, present.filter((r) => snapshot.unschedulable[r]).length], 'counts after node changes');
          // A preemption-style dry run holds while this pod is scheduled (then it is undone).
          const r = step.kind === 'dryRun' ? snapshot.order[step.node % snapshot.numNodes]! : -1;
          if (step.kind === 'dryRun') snapshot.dryRunAddPod(makePodInfo(podOf(`victim-${i}`, shapes[(step.shape + 1) % 3]!)), r, []);
          const a = memo.schedulePod(new CycleState(), pod, snapshot);
          const b = full.schedulePod(new CycleState(), pod, snapshot, { preFilter: [], nodes: [], selectedNode: null });
          if (step.kind === 'dryRun') snapshot.dryRunRemovePod(makePodInfo(podOf(`victim-${i}`, shapes[(step.shape + 1) % 3]!)), r, []);
          assert.is(a.kind, b.kind, `step ${i}`);
          if (a.kind !== 'scheduled' || b.kind !== 'scheduled') return;
          assert.is(a.nodeName, b.nodeName, `step ${i}: the memo and the full scoring choose alike`);
          if (step.kind === 'schedule') cache.addPod(makePodInfo({ ...pod.pod, spec: { ...pod.pod.spec, nodeName: a.nodeName } }));
        });
        hits += memo.rowMemoHits;
        misses += memo.rowMemoMisses;
      },
    ),
    { numRuns: 150, seed: 20261129 },
  );
  // Both paths ran often: sums read from the memo, and sums computed for changed rows or new inputs.
  assert.ok(hits > 1000 && misses > 1000, `${hits} memo hits, ${misses} misses`);
});

let partialSearches = 0;

/**
 * findNodesThatPassFilters written plainly: from `start`, node by node, every filter PreFilter did not skip
 * until one fails, stopping once `toFind` nodes passed. What the framework must visit and find.
 */
function referenceSearch(fw: Framework, pod: PodInfo, snapshot: Snapshot, start: number): { visited: number; feasible: string[] } | undefined {
  const state = new CycleState();
  const skipped = preFilter(fw, state, pod, snapshot);
  if (skipped === undefined) return undefined;
  const n = snapshot.numNodes;
  const toFind = numFeasibleNodesToFind(0, n);
  const feasible: string[] = [];
  let visited = 0;
  for (let i = 0; i < n && feasible.length < toFind; i++) {
    const r = snapshot.order[(start + i) % n]!;
    visited++;
    if (fw.plugins.filter.every((f) => skipped.has(f.name) || f.filter(state, pod, r, snapshot) === 0)) feasible.push(snapshot.names[r]!);
  }
  return { visited, feasible };
}

test('the chunked search visits, finds and moves on exactly as a node-by-node search', () => {
  fc.assert(
    fc.property(
      fc.array(nodeGen, { minLength: 120, maxLength: 200 }),
      // Small pods, rarely naming a node or zones, so that most nodes fit and the search often stops early.
      fc.array(podGen.map((g) => ({ ...g, cpuMilli: 1 + (g.cpuMilli % 900), memMi: 1 + (g.memMi % 900), nodeName: g.nodeName !== null && g.nodeName % 5 === 0 ? g.nodeName : null, nodeAffinity: g.cpuMilli % 3 === 0 ? g.nodeAffinity : ('none' as const) })), { minLength: 1, maxLength: 25 }),
      fc.integer({ min: 1, max: 1000 }),
      (nodes, incoming, seed) => {
        const fw = defaultFramework(seed, 0);
        const { cache, snapshot } = cluster(nodes, []);
        incoming.forEach((g, i) => {
          const pod = makePodInfo(podOf(`p${i}`, g));
          snapshot.update(cache);
          const start = fw.nextStartNodeIndex;
          const want = referenceSearch(fw, pod, snapshot, start);
          const got = fw.schedulePod(new CycleState(), pod, snapshot);
          if (want === undefined) return; // PreFilter rejected the pod: no search
          assert.is(fw.nextStartNodeIndex, (start + want.visited) % snapshot.numNodes, `pod ${i}: next start`);
          if (want.feasible.length === 0) {
            assert.is(got.kind, 'unschedulable', `pod ${i}`);
            return;
          }
          assert.is(got.kind, 'scheduled', `pod ${i}`);
          if (got.kind !== 'scheduled') return;
          assert.equal([got.evaluatedNodes, got.feasibleNodes], [want.visited, want.feasible.length], `pod ${i}`);
          assert.ok(want.feasible.includes(got.nodeName), `pod ${i}: ${got.nodeName} is one of the feasible nodes`);
          if (want.visited < snapshot.numNodes) partialSearches++;
          cache.addPod(makePodInfo({ ...pod.pod, spec: { ...pod.pod.spec, nodeName: got.nodeName } }));
        });
      },
    ),
    { numRuns: 40, seed: 7 },
  );
  // With 120+ nodes the search stops at 100 feasible ones: the chunks were really cut short, often.
  assert.ok(partialSearches > 100, `${partialSearches} partial searches`);
});

test('a PreFilterResult narrows the search to its nodes; the rest count as unresolvable in the message', () => {
  const nodes = Array.from({ length: 10 }, (_, i) => makeNode(`n${i}`).capacity({ cpu: i === 3 ? '1' : '4', memory: '8Gi' }).obj());
  const cache = new NodeCache();
  for (const n of nodes) cache.setNode(n);
  const snapshot = new Snapshot();
  snapshot.update(cache);
  const fw = defaultFramework(1);
  const pinned = (name: string, cpu: string, to: string[]) =>
    makePodInfo(
      makePod(name)
        .req({ cpu, memory: '1Gi' })
        .spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: to.map((n) => ({ matchFields: [{ key: 'metadata.name', operator: 'In', values: [n] }] })) } } } })
        .obj(),
    );
  // Two allowed nodes (one term each: a field selector takes exactly one value), both fit: 2 visited (not 10), both feasible, and the start index moves by 2.
  const before = fw.nextStartNodeIndex;
  const ok = fw.schedulePod(new CycleState(), pinned('a', '1', ['n7', 'n3']), snapshot);
  assert.is(ok.kind, 'scheduled');
  if (ok.kind === 'scheduled') {
    assert.ok(['n3', 'n7'].includes(ok.nodeName));
    assert.is(ok.evaluatedNodes, 2);
    assert.is(ok.feasibleNodes, 2);
  }
  assert.is(fw.nextStartNodeIndex, (before + 2) % 10);
  // 2 CPUs fit n7 only (n3 has 1): one feasible node, chosen without scoring.
  const one = fw.schedulePod(new CycleState(), pinned('b', '2', ['n7', 'n3']), snapshot);
  assert.equal(one.kind === 'scheduled' ? [one.nodeName, one.evaluatedNodes, one.feasibleNodes] : one.kind, ['n7', 2, 1]);
  // 5 CPUs fit neither: 8 nodes outside the result + 2 too small = 10 in the message.
  const none = fw.schedulePod(new CycleState(), pinned('c', '5', ['n7', 'n3']), snapshot);
  assert.is(none.kind, 'unschedulable');
  if (none.kind === 'unschedulable') {
    assert.is(none.fitError.message(), "0/10 nodes are available: 2 Insufficient cpu, 8 node(s) didn't satisfy plugin(s) [NodeAffinity].");
  }
  // A name that is no node: nothing to search, all 10 excluded.
  const ghost = fw.schedulePod(new CycleState(), pinned('d', '1', ['ghost']), snapshot);
  assert.is(ghost.kind === 'unschedulable' ? ghost.fitError.message() : ghost.kind, "0/10 nodes are available: 10 node(s) didn't satisfy plugin(s) [NodeAffinity].");
});

test.run();
