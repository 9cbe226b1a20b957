// PodTopologySpread: upstream's filter and score vectors (podtopologyspread/filtering_test.go,
// scoring_test.go; shared/reference/kube-scheduler.md §2.9, §3.7), args validation, preemption's
// AddPod/RemovePod, and a property test against a plain reimplementation that scans every pod.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { LabelSelector, Node, Pod, Service, TopologySpreadConstraint } from '../../src/api/index.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { Code, ConfigError, CycleState, codeNames, reasonOf } from '../../src/scheduler/framework.js';
import { makePodInfo, type PodInfo } from '../../src/scheduler/podinfo.js';
import { NodeCache, Snapshot } from '../../src/scheduler/snapshot.js';
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  NAME,
  PodTopologySpread,
  defaultSelectorFromWorkloads,
  newPodTopologySpread,
  ownerTemplateSelector,
  parsePodTopologySpreadArgs,
  topologyNormalizingWeight,
} from '../../src/scheduler/plugins/podtopologyspread.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

// upstream: fooSelector = st.MakeLabelSelector().Exists("foo").Obj(), barSelector likewise.
const fooSelector: LabelSelector = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };
const barSelector: LabelSelector = { matchExpressions: [{ key: 'bar', operator: 'Exists' }] };
const HOST = 'kubernetes.io/hostname';
const ZONE_KEY = 'topology.kubernetes.io/zone';

function spread(maxSkew: number, topologyKey: string, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway', labelSelector?: LabelSelector, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable, ...(labelSelector !== undefined ? { labelSelector } : {}), ...extra };
}

function plugin(args?: Json): PodTopologySpread {
  return newPodTopologySpread({ args, profileName: 'test' }) as PodTopologySpread;
}

/** A node with exactly these labels (the fixture adds kubernetes.io/hostname; upstream's st.MakeNode does not). */
function nodeWith(name: string, labels: Record<string, string>): Node {
  const n = makeNode(name).obj();
  return { ...n, metadata: { ...n.metadata, labels } };
}

/** An assigned pod with labels, e.g. pod('p-a1', 'node-a', {foo: ''}). */
function pod(name: string, node: string, labels: Record<string, string> = { foo: '' }, namespace = 'default'): Pod {
  let b = makePod(name).namespace(namespace).node(node);
  for (const [k, v] of Object.entries(labels)) b = b.label(k, v);
  return b.obj();
}

function terminating(p: Pod): Pod {
  return { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-11-28T00:00:10Z' } };
}

function incoming(constraints: TopologySpreadConstraint[], labels: Record<string, string> = { foo: '' }, spec: Record<string, unknown> = {}): PodInfo {
  let b = makePod('p').spec({ topologySpreadConstraints: constraints, ...spec });
  for (const [k, v] of Object.entries(labels)) b = b.label(k, v);
  return b.info();
}

/** PreFilter + Filter on every node: the status code name per node, as upstream's wantStatusCode maps. */
function filterCodes(pl: PodTopologySpread, p: PodInfo, snapshot: Snapshot, names: string[], state = new CycleState()): Record<string, string> {
  const pre = pl.preFilter(state, p, snapshot);
  assert.ok(pre.status.code === Code.Success || pre.status.code === Code.Skip, `PreFilter: ${pre.status.reasons.join(', ')}`);
  const out: Record<string, string> = {};
  for (const [i, r] of rows(snapshot, ...names).entries()) {
    const id = pre.status.code === Code.Skip ? 0 : pl.filter(state, p, r);
    out[names[i]!] = codeNames[reasonOf(id).code];
  }
  return out;
}

/** PreScore + Score + NormalizeScore over the feasible nodes; undefined when PreScore skips. */
function scores(pl: PodTopologySpread, p: PodInfo, snapshot: Snapshot, feasible: string[]): { raw: number[]; normalized: Record<string, number> } | undefined {
  const state = new CycleState();
  const nodes = Int32Array.from(rows(snapshot, ...feasible));
  const st = pl.preScore(state, p, nodes, nodes.length, snapshot);
  if (st.code === Code.Skip) return undefined;
  assert.is(st.code, Code.Success, st.reasons.join(', '));
  const s = new Float64Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) s[i] = pl.score(state, p, nodes[i]!);
  const raw = Array.from(s);
  pl.normalizeScore(state, p, s, nodes, nodes.length);
  const normalized: Record<string, number> = {};
  feasible.forEach((n, i) => (normalized[n] = s[i]!));
  return { raw, normalized };
}

// ---- Score (scoring_test.go TestPodTopologySpreadScore; reference §3.7) --------------------------------------

const score = suite('PodTopologySpread Score: upstream vectors (§3.7)');

const w4 = topologyNormalizingWeight(4); // ln 6 = 1.7918
const w3 = topologyNormalizingWeight(3); // ln 5 = 1.6094
const w2 = topologyNormalizingWeight(2); // ln 4 = 1.3863

score('topologyNormalizingWeight is ln(size + 2)', () => {
  assert.ok(Math.abs(w4 - 1.791759) < 1e-6);
  assert.ok(Math.abs(w3 - 1.609438) < 1e-6);
  assert.ok(Math.abs(w2 - 1.386294) < 1e-6);
});

const fourNodes = ['node-a', 'node-b', 'node-c', 'node-d'];
const podsOn = (counts: Record<string, number>, labels: Record<string, string> = { foo: '' }): Pod[] =>
  Object.entries(counts).flatMap(([node, n]) => Array.from({ length: n }, (_, i) => pod(`p-${node.slice(-1)}${i + 1}`, node, labels)));

score('"one constraint on node, all 4 nodes are candidates": 2/1/0/3, maxSkew 1 → 20/60/100/0', () => {
  const { snapshot } = clusterOf(fourNodes.map((n) => makeNode(n).obj()), podsOn({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }));
  const r = scores(plugin(), incoming([spread(1, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, fourNodes)!;
  // raw = round(cnt · ln 6 + 0): round(3.58) = 4, round(1.79) = 2, 0, round(5.38) = 5
  assert.equal(r.raw, [4, 2, 0, 5]);
  // min 0, max 5: 100·(5+0−4)/5 = 20, 100·3/5 = 60, 100·5/5 = 100, 100·0/5 = 0
  assert.equal(r.normalized, { 'node-a': 20, 'node-b': 60, 'node-c': 100, 'node-d': 0 });
});

score('"… maxSkew=2": 2/1/0/3 → raw 5/3/1/6 → 33/66/100/16', () => {
  const { snapshot } = clusterOf(fourNodes.map((n) => makeNode(n).obj()), podsOn({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }));
  const r = scores(plugin(), incoming([spread(2, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, fourNodes)!;
  // raw = round(cnt · 1.79 + 1): round(4.58) = 5, round(2.79) = 3, 1, round(6.38) = 6
  assert.equal(r.raw, [5, 3, 1, 6]);
  // min 1, max 6: 100·(7−5)/6 = 33, 100·4/6 = 66, 100·6/6 = 100, 100·1/6 = 16 (integer division)
  assert.equal(r.normalized, { 'node-a': 33, 'node-b': 66, 'node-c': 100, 'node-d': 16 });
});

score('"… maxSkew=3": 4/3/2/1 → raw 9/7/6/4 → 44/66/77/100', () => {
  const { snapshot } = clusterOf(fourNodes.map((n) => makeNode(n).obj()), podsOn({ 'node-a': 4, 'node-b': 3, 'node-c': 2, 'node-d': 1 }));
  const r = scores(plugin(), incoming([spread(3, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, fourNodes)!;
  // raw = round(cnt · 1.79 + 2): round(9.17) = 9, round(7.38) = 7, round(5.58) = 6, round(3.79) = 4
  assert.equal(r.raw, [9, 7, 6, 4]);
  // min 4, max 9: 100·(13−9)/9 = 44, 100·6/9 = 66, 100·7/9 = 77, 100·9/9 = 100
  assert.equal(r.normalized, { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 });
});

score('"system defaulting, nodes don\'t have zone, pods match service": same 44/66/77/100', () => {
  const { snapshot } = clusterOf(fourNodes.map((n) => makeNode(n).obj()), podsOn({ 'node-a': 4, 'node-b': 3, 'node-c': 2, 'node-d': 1 }));
  const pl = plugin(); // defaultingType System: {hostname, maxSkew 3}, {zone, maxSkew 5}
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { foo: '' } } } as Service;
  pl.setDefaultSelectorSource((p) => defaultSelectorFromWorkloads(p, { services: () => [svc], controllerSelector: () => undefined }));
  const p = makePod('p').label('foo', '').info();
  const r = scores(pl, p, snapshot, fourNodes)!;
  // No node has a zone label: under system defaults they are not ignored (they form zone ""), but the zone
  // constraint adds nothing to a node without the label, so only hostname counts: same as maxSkew 3 above.
  assert.equal(r.raw, [9, 7, 6, 4]);
  assert.equal(r.normalized, { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 });
});

score('"one constraint on node, 3 out of 4 nodes are candidates": 4/2/1/~3~ → 33/83/100', () => {
  const names = ['node-a', 'node-b', 'node-x', 'node-y'];
  const { snapshot } = clusterOf(names.map((n) => makeNode(n).obj()), podsOn({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }));
  const r = scores(plugin(), incoming([spread(1, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, ['node-a', 'node-b', 'node-x'])!;
  // size = 3 candidates → ln 5 = 1.61: round(6.44) = 6, round(3.22) = 3, round(1.61) = 2
  assert.equal(r.raw, [6, 3, 2]);
  // min 2, max 6: 100·(8−6)/6 = 33, 100·5/6 = 83, 100·6/6 = 100
  assert.equal(r.normalized, { 'node-a': 33, 'node-b': 83, 'node-x': 100 });
});

score('"… one node doesn\'t match topology key": 4/?2?/1/~3~ → 16/0/100', () => {
  const nodes = [makeNode('node-a').obj(), nodeWith('node-b', { n: 'node-b' }), makeNode('node-x').obj(), makeNode('node-y').obj()];
  const { snapshot } = clusterOf(nodes, podsOn({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }));
  const r = scores(plugin(), incoming([spread(1, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, ['node-a', 'node-b', 'node-x'])!;
  // node-b is ignored (no hostname label): size = 3 − 1 = 2 → ln 4 = 1.39: round(5.55) = 6, 0, round(1.39) = 1
  assert.equal(r.raw, [6, 0, 1]);
  // ignored → 0; min 1, max 6: 100·(7−6)/6 = 16, 100·(7−1)/6 = 100
  assert.equal(r.normalized, { 'node-a': 16, 'node-b': 0, 'node-x': 100 });
});

const zoneNodes = () => [
  makeNode('node-a').label('zone', 'zone1').obj(),
  makeNode('node-b').label('zone', 'zone1').obj(),
  makeNode('node-x').label('zone', 'zone2').obj(),
  makeNode('node-y').label('zone', 'zone2').obj(),
];

score('"one constraint on zone, 3 out of 4 nodes are candidates": zone1 = 6, zone2 = 4 (node-y counted) → 75/75/100', () => {
  const { snapshot } = clusterOf(zoneNodes(), podsOn({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }));
  const r = scores(plugin(), incoming([spread(1, 'zone', 'ScheduleAnyway', fooSelector)]), snapshot, ['node-a', 'node-b', 'node-x'])!;
  // 2 zones → ln 4: zone1 round(6 · 1.39) = round(8.32) = 8, zone2 round(4 · 1.39) = round(5.55) = 6
  assert.equal(r.raw, [8, 8, 6]);
  // min 6, max 8: 100·(14−8)/8 = 75, 100·(14−6)/8 = 100
  assert.equal(r.normalized, { 'node-a': 75, 'node-b': 75, 'node-x': 100 });
});

score('"two Constraints on zone and node, 2 out of 4 nodes are candidates": 2/~1~/2/~4~ → 100/63', () => {
  const { snapshot } = clusterOf(zoneNodes(), podsOn({ 'node-a': 2, 'node-b': 1, 'node-x': 2, 'node-y': 4 }));
  const p = incoming([spread(1, 'zone', 'ScheduleAnyway', fooSelector), spread(1, HOST, 'ScheduleAnyway', fooSelector)]);
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-x'])!;
  // zone: zone1 = 3, zone2 = 6, ln 4; hostname: 2 candidates, ln 4.
  // node-a: 3·1.39 + 2·1.39 = 6.93 → 7; node-x: 6·1.39 + 2·1.39 = 11.09 → 11
  assert.equal(r.raw, [7, 11]);
  // min 7, max 11: 100·(18−7)/11 = 100, 100·(18−11)/11 = 63
  assert.equal(r.normalized, { 'node-a': 100, 'node-x': 63 });
});

score('"two Constraints on zone, 2 out of 4 nodes are candidates" (foo and bar selectors) → 85/100', () => {
  const nodes = zoneNodes();
  const existing = [
    pod('p-a1', 'node-a', { foo: '', bar: '' }),
    pod('p-a2', 'node-a', { foo: '' }),
    pod('p-b1', 'node-b', { foo: '', bar: '' }),
    pod('p-y1', 'node-y', { foo: '' }),
    pod('p-y2', 'node-y', { foo: '', bar: '' }),
    pod('p-y3', 'node-y', { foo: '' }),
  ];
  const { snapshot } = clusterOf(nodes, existing);
  const p = incoming([spread(1, 'zone', 'ScheduleAnyway', fooSelector), spread(1, 'zone', 'ScheduleAnyway', barSelector)], { foo: '', bar: '' });
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-x'])!;
  // foo: zone1 = 3, zone2 = 3; bar: zone1 = 2, zone2 = 1; both ln 4.
  // node-a: (3 + 2)·1.39 = 6.93 → 7; node-x: (3 + 1)·1.39 = 5.55 → 6
  assert.equal(r.raw, [7, 6]);
  // min 6, max 7: 100·(13−7)/7 = 85, 100·(13−6)/7 = 100
  assert.equal(r.normalized, { 'node-a': 85, 'node-x': 100 });
});

score('"two Constraints on zone and node, with different labelSelectors" → 60/20/100/60', () => {
  const existing = [pod('p-a1', 'node-a', { foo: '' }), pod('p-b1', 'node-b', { foo: '', bar: '' }), pod('p-y1', 'node-y', { foo: '' }), pod('p-y2', 'node-y', { bar: '' })];
  const { snapshot } = clusterOf(zoneNodes(), existing);
  const p = incoming([spread(1, 'zone', 'ScheduleAnyway', fooSelector), spread(1, HOST, 'ScheduleAnyway', barSelector)], { foo: '', bar: '' });
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-b', 'node-x', 'node-y'])!;
  // zone foo: 2/2/1/1 (ln 4 = 1.39); node bar: 0/1/0/1 (ln 6 = 1.79)
  // a: 2.77 → 3; b: 2.77 + 1.79 = 4.56 → 5; x: 1.39 → 1; y: 1.39 + 1.79 = 3.18 → 3
  assert.equal(r.raw, [3, 5, 1, 3]);
  // min 1, max 5: 100·(6−3)/5 = 60, 100·1/5 = 20, 100·5/5 = 100, 60
  assert.equal(r.normalized, { 'node-a': 60, 'node-b': 20, 'node-x': 100, 'node-y': 60 });
});

score('"… with different labelSelectors, some nodes have 0 pods" → 100/60/40/0', () => {
  const existing = [pod('p-b1', 'node-b', { bar: '' }), pod('p-x1', 'node-x', { foo: '' }), pod('p-y1', 'node-y', { foo: '', bar: '' })];
  const { snapshot } = clusterOf(zoneNodes(), existing);
  const p = incoming([spread(1, 'zone', 'ScheduleAnyway', fooSelector), spread(1, HOST, 'ScheduleAnyway', barSelector)], { foo: '', bar: '' });
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-b', 'node-x', 'node-y'])!;
  // zone foo: 0/0/2/2; node bar: 0/1/0/1. a: 0; b: 1.79 → 2; x: 2.77 → 3; y: 2.77 + 1.79 = 4.56 → 5
  assert.equal(r.raw, [0, 2, 3, 5]);
  // min 0, max 5: 100·5/5 = 100, 100·3/5 = 60, 100·2/5 = 40, 0
  assert.equal(r.normalized, { 'node-a': 100, 'node-b': 60, 'node-x': 40, 'node-y': 0 });
});

score('"… with different labelSelectors, 3 out of 4 nodes are candidates" → 50/25/100', () => {
  const existing = [pod('p-a1', 'node-a', { foo: '' }), pod('p-b1', 'node-b', { foo: '', bar: '' }), pod('p-y1', 'node-y', { foo: '' }), pod('p-y2', 'node-y', { bar: '' })];
  const { snapshot } = clusterOf(zoneNodes(), existing);
  const p = incoming([spread(1, 'zone', 'ScheduleAnyway', fooSelector), spread(1, HOST, 'ScheduleAnyway', barSelector)], { foo: '', bar: '' });
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-b', 'node-x'])!;
  // zone foo: zone1 2, zone2 1 (node-y counted), ln 4; node bar over 3 candidates, ln 5 = 1.61
  // a: 2.77 → 3; b: 2.77 + 1.61 = 4.38 → 4; x: 1.39 → 1
  assert.equal(r.raw, [3, 4, 1]);
  // min 1, max 4: 100·(5−3)/4 = 50, 100·1/4 = 25, 100·4/4 = 100
  assert.equal(r.normalized, { 'node-a': 50, 'node-b': 25, 'node-x': 100 });
});

score('"existing pods in a different namespace do not count" → 100/33', () => {
  const existing = [pod('p-a1', 'node-a', { foo: '' }, 'ns1'), pod('p-a2', 'node-a'), pod('p-b1', 'node-b'), pod('p-b2', 'node-b')];
  const { snapshot } = clusterOf([makeNode('node-a').obj(), makeNode('node-b').obj()], existing);
  const r = scores(plugin(), incoming([spread(1, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, ['node-a', 'node-b'])!;
  // ln 4: a 1 pod → round(1.39) = 1; b 2 pods → round(2.77) = 3. min 1 max 3: 100·3/3 = 100, 100·1/3 = 33
  assert.equal(r.raw, [1, 3]);
  assert.equal(r.normalized, { 'node-a': 100, 'node-b': 33 });
});

score('"terminating Pods should be excluded" → 100/0', () => {
  const existing = [terminating(pod('p-a', 'node-a')), pod('p-b', 'node-b')];
  const { snapshot } = clusterOf([makeNode('node-a').obj(), makeNode('node-b').obj()], existing);
  const r = scores(plugin(), incoming([spread(1, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, ['node-a', 'node-b'])!;
  // a 0, b round(1.39) = 1; min 0 max 1: 100·1/1 = 100, 100·0/1 = 0
  assert.equal(r.raw, [0, 1]);
  assert.equal(r.normalized, { 'node-a': 100, 'node-b': 0 });
});

const abcNodes = (taintC = false) => [
  makeNode('node-a').label('node', 'node-a').label('foo', '').obj(),
  makeNode('node-b').label('node', 'node-b').label('foo', '').obj(),
  taintC ? makeNode('node-c').label('node', 'node-c').taint({ key: 'taint', value: '', effect: 'NoSchedule' }).obj() : makeNode('node-c').label('node', 'node-c').obj(),
];
const abcPods = () => podsOn({ 'node-a': 2, 'node-b': 1, 'node-c': 1 });

score('"minDomains has no effect when ScheduleAnyway": 2/2/1, maxSkew 2 → 75/75/100', () => {
  const { snapshot } = clusterOf(abcNodes(), podsOn({ 'node-a': 2, 'node-b': 2, 'node-c': 1 }));
  const p = incoming([spread(2, 'node', 'ScheduleAnyway', fooSelector, { minDomains: 10 })]);
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-b', 'node-c'])!;
  // 3 domains → ln 5 = 1.61: round(2·1.61 + 1) = round(4.22) = 4, 4, round(2.61) = 3
  assert.equal(r.raw, [4, 4, 3]);
  // min 3, max 4: 100·(7−4)/4 = 75, 75, 100·4/4 = 100
  assert.equal(r.normalized, { 'node-a': 75, 'node-b': 75, 'node-c': 100 });
});

score('"NodeAffinityPolicy honoed with labelSelectors": node-c\'s pod not counted → 0/33/100', () => {
  const { snapshot } = clusterOf(abcNodes(), abcPods());
  const p = incoming([spread(1, 'node', 'ScheduleAnyway', fooSelector)], { foo: '' }, { nodeSelector: { foo: '' } });
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-b', 'node-c'])!;
  // counts 2/1/0 (node-c fails the nodeSelector), ln 5: round(3.22) = 3, round(1.61) = 2, 0
  assert.equal(r.raw, [3, 2, 0]);
  // min 0, max 3: 100·0/3 = 0, 100·1/3 = 33, 100·3/3 = 100
  assert.equal(r.normalized, { 'node-a': 0, 'node-b': 33, 'node-c': 100 });
});

score('"NodeAffinityPolicy ignored with labelSelectors": 2/1/1 → 66/100/100', () => {
  const { snapshot } = clusterOf(abcNodes(), abcPods());
  const p = incoming([spread(1, 'node', 'ScheduleAnyway', fooSelector, { nodeAffinityPolicy: 'Ignore' })], { foo: '' }, { nodeSelector: { foo: '' } });
  const r = scores(plugin(), p, snapshot, ['node-a', 'node-b', 'node-c'])!;
  // raw 3/2/2; min 2, max 3: 100·(5−3)/3 = 66, 100·3/3 = 100, 100
  assert.equal(r.raw, [3, 2, 2]);
  assert.equal(r.normalized, { 'node-a': 66, 'node-b': 100, 'node-c': 100 });
});

score('"NodeAffinityPolicy honoed with nodeAffinity" → 0/33/100', () => {
  const { snapshot } = clusterOf(abcNodes(), abcPods());
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'foo', operator: 'In', values: [''] }] }] } } };
  const p = incoming([spread(1, 'node', 'ScheduleAnyway', fooSelector)], { foo: '' }, { affinity });
  assert.equal(scores(plugin(), p, snapshot, ['node-a', 'node-b', 'node-c'])!.normalized, { 'node-a': 0, 'node-b': 33, 'node-c': 100 });
});

score('"NodeTaintsPolicy honored": the tainted node-c is not counted → 0/33/100; "ignored" → 66/100/100', () => {
  const { snapshot } = clusterOf(abcNodes(true), abcPods());
  const honor = incoming([spread(1, 'node', 'ScheduleAnyway', fooSelector, { nodeTaintsPolicy: 'Honor' })]);
  assert.equal(scores(plugin(), honor, snapshot, ['node-a', 'node-b', 'node-c'])!.normalized, { 'node-a': 0, 'node-b': 33, 'node-c': 100 });
  const ignore = incoming([spread(1, 'node', 'ScheduleAnyway', fooSelector)]);
  assert.equal(scores(plugin(), ignore, snapshot, ['node-a', 'node-b', 'node-c'])!.normalized, { 'node-a': 66, 'node-b': 100, 'node-c': 100 });
});

score('no existing pods / equal counts / null selector: every candidate 100 (maxScore 0)', () => {
  const { snapshot } = clusterOf([makeNode('node-a').obj(), makeNode('node-b').obj()], [pod('p-a1', 'node-a'), pod('p-b1', 'node-b')]);
  // equal counts 1/1: raw 1/1, min = max = 1: 100·(1+1−1)/1 = 100 each
  assert.equal(scores(plugin(), incoming([spread(1, HOST, 'ScheduleAnyway', fooSelector)]), snapshot, ['node-a', 'node-b'])!.normalized, { 'node-a': 100, 'node-b': 100 });
  // an absent selector (labels.Nothing) counts nothing: raw 0/0, max 0 → 100
  assert.equal(scores(plugin(), incoming([spread(1, HOST, 'ScheduleAnyway')]), snapshot, ['node-a', 'node-b'])!.normalized, { 'node-a': 100, 'node-b': 100 });
});

score('TestPreScoreSkip: no soft constraints, or defaults whose selector source finds nothing → Skip', () => {
  const { snapshot } = clusterOf([makeNode('node-a').obj(), makeNode('node-b').obj()]);
  assert.is(scores(plugin({ defaultingType: 'List' }), makePod('p').info(), snapshot, ['node-a', 'node-b']), undefined);
  const pl = plugin({ defaultingType: 'List', defaultConstraints: [{ maxSkew: 2, topologyKey: 'planet', whenUnsatisfiable: 'ScheduleAnyway' }] });
  pl.setDefaultSelectorSource(() => undefined);
  assert.is(scores(pl, makePod('p').label('foo', 'bar').info(), snapshot, ['node-a', 'node-b']), undefined);
  // A pod with only DoNotSchedule constraints has nothing to score either.
  assert.is(scores(plugin(), incoming([spread(1, HOST, 'DoNotSchedule', fooSelector)]), snapshot, ['node-a', 'node-b']), undefined);
});

score.run();

// ---- Filter (filtering_test.go TestSingleConstraint / TestMultipleConstraints / minDomains / policies) --------

const filter = suite('PodTopologySpread Filter');

const nodeZoneNodes = () => [
  makeNode('node-a').label('zone', 'zone1').label('node', 'node-a').obj(),
  makeNode('node-b').label('zone', 'zone1').label('node', 'node-b').obj(),
  makeNode('node-x').label('zone', 'zone2').label('node', 'node-x').obj(),
  makeNode('node-y').label('zone', 'zone2').label('node', 'node-y').obj(),
];
const abxy = ['node-a', 'node-b', 'node-x', 'node-y'];
const spread2103 = () => podsOn({ 'node-a': 2, 'node-b': 1, 'node-y': 3 });

filter('"no existing pods": every node fits (0 + 1 − 0 = 1 ≤ 1)', () => {
  const { snapshot } = clusterOf(nodeZoneNodes());
  const got = filterCodes(plugin(), incoming([spread(1, 'zone', 'DoNotSchedule', fooSelector)]), snapshot, abxy);
  assert.equal(got, { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Success' });
});

filter('"existing pods in a different namespace do not count": zone1 0, zone2 2 → zone2 skew 2 + 1 − 0 = 3 > 1', () => {
  const existing = [pod('p-a1', 'node-a', { foo: '' }, 'ns1'), pod('p-b1', 'node-a', { foo: '' }, 'ns2'), pod('p-x1', 'node-x'), pod('p-y1', 'node-y')];
  const { snapshot } = clusterOf(nodeZoneNodes(), existing);
  const got = filterCodes(plugin(), incoming([spread(1, 'zone', 'DoNotSchedule', fooSelector)]), snapshot, abxy);
  assert.equal(got, { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Unschedulable', 'node-y': 'Unschedulable' });
});

filter('"pods spread across zones as 3/3, all nodes fit": 3 + 1 − 3 = 1 ≤ 1', () => {
  const { snapshot } = clusterOf(nodeZoneNodes(), spread2103());
  const got = filterCodes(plugin(), incoming([spread(1, 'zone', 'DoNotSchedule', fooSelector)]), snapshot, abxy);
  assert.equal(got, { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Success' });
});

filter('"… as 1/2 due to absence of label \'zone\' on node-b": missing label is UnschedulableAndUnresolvable', () => {
  const nodes = nodeZoneNodes();
  nodes[1] = nodeWith('node-b', { zon: 'zone1', node: 'node-b' });
  const { snapshot } = clusterOf(nodes, podsOn({ 'node-a': 1, 'node-b': 1, 'node-x': 1, 'node-y': 1 }));
  const pl = plugin();
  const p = incoming([spread(1, 'zone', 'DoNotSchedule', fooSelector)]);
  // node-b (no zone) is not counted: zone1 1, zone2 2, min 1. a: 1+1−1 = 1 ok; x, y: 2+1−1 = 2 > 1
  assert.equal(filterCodes(pl, p, snapshot, abxy), { 'node-a': 'Success', 'node-b': 'UnschedulableAndUnresolvable', 'node-x': 'Unschedulable', 'node-y': 'Unschedulable' });
  const state = new CycleState();
  pl.preFilter(state, p, snapshot);
  const [a, b, x] = rows(snapshot, 'node-a', 'node-b', 'node-x');
  assert.is(pl.filter(state, p, a!), 0);
  assert.is(reasonOf(pl.filter(state, p, b!)).text, ERR_REASON_NODE_LABEL_NOT_MATCH);
  assert.is(reasonOf(pl.filter(state, p, x!)).text, ERR_REASON_CONSTRAINTS_NOT_MATCH);
  assert.is(ERR_REASON_NODE_LABEL_NOT_MATCH, "node(s) didn't match pod topology spread constraints (missing required label)");
});

filter('"pod cannot be scheduled as all nodes don\'t have label \'rack\'"', () => {
  const { snapshot } = clusterOf(nodeZoneNodes().slice(0, 1));
  assert.equal(filterCodes(plugin(), incoming([spread(1, 'rack', 'DoNotSchedule', fooSelector)]), snapshot, ['node-a']), { 'node-a': 'UnschedulableAndUnresolvable' });
});

filter('"pods spread across nodes as 2/1/0/3, only node-x fits" (maxSkew 1); maxSkew 2: node-b and node-x', () => {
  const { snapshot } = clusterOf(nodeZoneNodes(), spread2103());
  // min 0: a 2+1 = 3, b 1+1 = 2, x 0+1 = 1, y 3+1 = 4
  assert.equal(filterCodes(plugin(), incoming([spread(1, 'node', 'DoNotSchedule', fooSelector)]), snapshot, abxy), {
    'node-a': 'Unschedulable',
    'node-b': 'Unschedulable',
    'node-x': 'Success',
    'node-y': 'Unschedulable',
  });
  assert.equal(filterCodes(plugin(), incoming([spread(2, 'node', 'DoNotSchedule', fooSelector)]), snapshot, abxy), {
    'node-a': 'Unschedulable',
    'node-b': 'Success',
    'node-x': 'Success',
    'node-y': 'Unschedulable',
  });
});

filter('"… but pod doesn\'t match itself": selfMatchNum 0, so 2/1/0/3 with maxSkew 1 lets node-b in (1 + 0 − 0)', () => {
  const { snapshot } = clusterOf(nodeZoneNodes(), spread2103());
  const got = filterCodes(plugin(), incoming([spread(1, 'node', 'DoNotSchedule', fooSelector)], { bar: '' }), snapshot, abxy);
  assert.equal(got, { 'node-a': 'Unschedulable', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Unschedulable' });
});

filter('nodeAffinityPolicy Honor (default) vs Ignore: "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3"', () => {
  const { snapshot } = clusterOf(nodeZoneNodes(), spread2103());
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node', operator: 'In', values: ['node-a', 'node-y'] }] }] } } };
  // Honor: only node-a and node-y count: domains {a: 2, y: 3}, min 2. a: 2+1−2 = 1 ok; y: 3+1−2 = 2 > 1;
  // b and x are not eligible domains (matchNum 0): 0+1−2 < 1 ok (NodeAffinity's filter rejects them).
  const honor = incoming([spread(1, 'node', 'DoNotSchedule', fooSelector)], { foo: '' }, { affinity });
  assert.equal(filterCodes(plugin(), honor, snapshot, abxy), { 'node-a': 'Success', 'node-b': 'Success', 'node-x': 'Success', 'node-y': 'Unschedulable' });
  // Ignore: all four count (2/1/0/3, min 0): only node-x fits.
  const ignore = incoming([spread(1, 'node', 'DoNotSchedule', fooSelector, { nodeAffinityPolicy: 'Ignore' })], { foo: '' }, { affinity });
  assert.equal(filterCodes(plugin(), ignore, snapshot, abxy), { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Success', 'node-y': 'Unschedulable' });
});

filter('nodeTaintsPolicy Honor: a tainted node the pod does not tolerate is not a domain', () => {
  const nodes = abcNodes(true);
  const { snapshot } = clusterOf(nodes, podsOn({ 'node-a': 1, 'node-b': 2 }));
  const names = ['node-a', 'node-b', 'node-c'];
  // Ignore (default): counts 1/2/0, min 0: a 1+1 = 2 > 1, b 3 > 1, c 1 ok
  assert.equal(filterCodes(plugin(), incoming([spread(1, 'node', 'DoNotSchedule', fooSelector)]), snapshot, names), {
    'node-a': 'Unschedulable',
    'node-b': 'Unschedulable',
    'node-c': 'Success',
  });
  // Honor: node-c is out, domains {a: 1, b: 2}, min 1: a 1+1−1 = 1 ok, b 2+1−1 = 2 > 1, c 0+1−1 = 0 ok
  assert.equal(filterCodes(plugin(), incoming([spread(1, 'node', 'DoNotSchedule', fooSelector, { nodeTaintsPolicy: 'Honor' })]), snapshot, names), {
    'node-a': 'Success',
    'node-b': 'Unschedulable',
    'node-c': 'Success',
  });
  // Honor, but the pod tolerates the taint: node-c counts again (as Ignore).
  const tolerant = makePod('p').label('foo', '').toleration({ key: 'taint', operator: 'Exists' }).spec({ topologySpreadConstraints: [spread(1, 'node', 'DoNotSchedule', fooSelector, { nodeTaintsPolicy: 'Honor' })] }).info();
  assert.equal(filterCodes(plugin(), tolerant, snapshot, names), { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-c': 'Success' });
});

filter('minDomains: fewer eligible domains than minDomains make the global minimum 0', () => {
  const { snapshot } = clusterOf(abcNodes(), podsOn({ 'node-a': 2, 'node-b': 2, 'node-c': 1 }));
  const names = ['node-a', 'node-b', 'node-c'];
  // minDomains 1 (default): 3 domains, min 1: a 2+1−1 = 2 ≤ 2, b 2, c 1 → all fit
  assert.equal(filterCodes(plugin(), incoming([spread(2, 'node', 'DoNotSchedule', fooSelector)]), snapshot, names), { 'node-a': 'Success', 'node-b': 'Success', 'node-c': 'Success' });
  // minDomains 3 = 3 domains: still min 1 → all fit
  assert.equal(filterCodes(plugin(), incoming([spread(2, 'node', 'DoNotSchedule', fooSelector, { minDomains: 3 })]), snapshot, names), { 'node-a': 'Success', 'node-b': 'Success', 'node-c': 'Success' });
  // minDomains 4 > 3 domains: min treated as 0: a 2+1−0 = 3 > 2, b 3 > 2, c 1+1 = 2 ok
  assert.equal(filterCodes(plugin(), incoming([spread(2, 'node', 'DoNotSchedule', fooSelector, { minDomains: 4 })]), snapshot, names), {
    'node-a': 'Unschedulable',
    'node-b': 'Unschedulable',
    'node-c': 'Success',
  });
});

filter('"terminating Pods should be excluded": node-a\'s terminating pod does not count', () => {
  const { snapshot } = clusterOf([makeNode('node-a').label('node', 'node-a').obj(), makeNode('node-b').label('node', 'node-b').obj()], [terminating(pod('p-a', 'node-a')), pod('p-b', 'node-b')]);
  // a 0+1−0 = 1 ok; b 1+1−0 = 2 > 1
  assert.equal(filterCodes(plugin(), incoming([spread(1, 'node', 'DoNotSchedule', fooSelector)]), snapshot, ['node-a', 'node-b']), { 'node-a': 'Success', 'node-b': 'Unschedulable' });
});

filter('TestMultipleConstraints "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]": only node-x', () => {
  const { snapshot } = clusterOf(nodeZoneNodes(), spread2103());
  const p = incoming([spread(1, 'zone', 'DoNotSchedule', fooSelector), spread(1, 'node', 'DoNotSchedule', fooSelector)]);
  assert.equal(filterCodes(plugin(), p, snapshot, abxy), { 'node-a': 'Unschedulable', 'node-b': 'Unschedulable', 'node-x': 'Success', 'node-y': 'Unschedulable' });
});

filter('matchLabelKeys narrows the selector to pods with the incoming pod\'s value', () => {
  const existing = [pod('p-a1', 'node-a', { foo: '', rev: 'r1' }), pod('p-a2', 'node-a', { foo: '', rev: 'r1' }), pod('p-b1', 'node-b', { foo: '', rev: 'r2' })];
  const { snapshot } = clusterOf(nodeZoneNodes(), existing);
  // Without matchLabelKeys: 2/1/0/0, min 0 → a (3) and b (2) fail. With rev = r2: 0/1/0/0 → only b fails.
  assert.equal(filterCodes(plugin(), incoming([spread(1, 'node', 'DoNotSchedule', fooSelector)], { foo: '', rev: 'r2' }), snapshot, abxy), {
    'node-a': 'Unschedulable',
    'node-b': 'Unschedulable',
    'node-x': 'Success',
    'node-y': 'Success',
  });
  assert.equal(filterCodes(plugin(), incoming([spread(1, 'node', 'DoNotSchedule', fooSelector, { matchLabelKeys: ['rev'] })], { foo: '', rev: 'r2' }), snapshot, abxy), {
    'node-a': 'Success',
    'node-b': 'Unschedulable',
    'node-x': 'Success',
    'node-y': 'Success',
  });
});

filter('a pod without DoNotSchedule constraints: PreFilter skips', () => {
  const { snapshot } = clusterOf(nodeZoneNodes());
  assert.is(plugin().preFilter(new CycleState(), incoming([spread(1, 'zone', 'ScheduleAnyway', fooSelector)]), snapshot).status.code, Code.Skip);
  assert.is(plugin().preFilter(new CycleState(), makePod('p').info(), snapshot).status.code, Code.Skip);
});

filter('AddPod / RemovePod update a clone of the state (preemption dry runs); the original is untouched', () => {
  const { snapshot } = clusterOf(nodeZoneNodes(), spread2103());
  const pl = plugin();
  const p = incoming([spread(1, 'node', 'DoNotSchedule', fooSelector)]);
  const state = new CycleState();
  pl.preFilter(state, p, snapshot);
  const [a, b, x, y] = rows(snapshot, ...abxy) as [number, number, number, number];
  const dry = state.clone();
  // Remove one pod from node-a (2 → 1) and add one to node-x (0 → 1): 1/1/1/3, min 1.
  // a: 1+1−1 = 1 ok; b: 1 ok; x: 1 ok; y: 3+1−1 = 3 > 1
  pl.removePod(dry, p, makePodInfo(pod('p-a1', 'node-a')), a, snapshot);
  pl.addPod(dry, p, makePodInfo(pod('new', 'node-x')), x, snapshot);
  assert.equal([a, b, x, y].map((r) => pl.filter(dry, p, r) === 0), [true, true, true, false]);
  // The original state still sees 2/1/0/3 (only node-x fits).
  assert.equal([a, b, x, y].map((r) => pl.filter(state, p, r) === 0), [false, false, true, false]);
  // A pod of another namespace, or one not matching the selector, changes nothing.
  const other = state.clone();
  pl.addPod(other, p, makePodInfo(pod('ns-pod', 'node-x', { foo: '' }, 'ns1')), x, snapshot);
  pl.addPod(other, p, makePodInfo(pod('bar-pod', 'node-x', { bar: '' })), x, snapshot);
  assert.is(pl.filter(other, p, x), 0);
  // The global minimum stays exact: adding to the only minimum domain raises it (recomputed) ...
  const min = state.clone();
  pl.addPod(min, p, makePodInfo(pod('n1', 'node-x')), x, snapshot); // 2/1/1/3: min 0 → 1
  assert.is(pl.filter(min, p, b), 0); // b: 1+1−1 = 1 ≤ 1 (with a stale min 0 it would be 2)
  // ... and removing below it lowers it.
  pl.removePod(min, p, makePodInfo(pod('p-b1', 'node-b')), b, snapshot); // 2/0/1/3: min 0
  assert.is.not(pl.filter(min, p, x), 0); // x: 1+1−0 = 2 > 1
});

filter.run();

// ---- args, default selectors, hints ---------------------------------------------------------------------------

const config = suite('PodTopologySpread args and default constraints');

config('defaults: defaultingType System, no defaultConstraints (v1/defaults.go)', () => {
  assert.equal(parsePodTopologySpreadArgs(undefined), { defaultConstraints: [], defaultingType: 'System' });
  const list = parsePodTopologySpreadArgs({ defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE_KEY, whenUnsatisfiable: 'DoNotSchedule' }] });
  assert.is(list.defaultConstraints.length, 1);
  assert.is(plugin().name, NAME);
});

config('ValidatePodTopologySpreadArgs: each problem names its field', () => {
  const bad = (args: Json, expected: string) => {
    try {
      parsePodTopologySpreadArgs(args);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.ok((err as Error).message.startsWith(expected), (err as Error).message);
      return;
    }
    assert.unreachable(`accepted ${JSON.stringify(args)}`);
  };
  const c = (fields: Record<string, unknown>) => ({ defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE_KEY, whenUnsatisfiable: 'ScheduleAnyway', ...fields }] });
  bad(c({ maxSkew: 0 }), 'defaultConstraints[0].maxSkew: must be an integer greater than 0, got 0');
  bad(c({ maxSkew: -1 }), 'defaultConstraints[0].maxSkew:');
  bad(c({ topologyKey: '' }), 'defaultConstraints[0].topologyKey: required');
  bad(c({ topologyKey: 'no spaces' }), 'defaultConstraints[0].topologyKey: "no spaces" is not a valid label key');
  bad(c({ whenUnsatisfiable: 'Sometimes' }), 'defaultConstraints[0].whenUnsatisfiable: supported values: "DoNotSchedule", "ScheduleAnyway", got "Sometimes"');
  bad(c({ whenUnsatisfiable: '' }), 'defaultConstraints[0].whenUnsatisfiable: required');
  bad(c({ labelSelector: { matchLabels: { a: 'b' } } }), 'defaultConstraints[0].labelSelector: forbidden: constraint must not define a selector');
  bad(c({ nodeTaintsPolicy: 'Maybe' }), 'defaultConstraints[0].nodeTaintsPolicy:');
  bad({ defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }, { maxSkew: 2, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }] }, 'defaultConstraints[1]: duplicate value {k, DoNotSchedule}');
  bad({ defaultConstraints: [{ maxSkew: 1, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }] }, 'defaultingType: must be "List" when defaultConstraints are given');
  bad({ defaultingType: 'Sometimes' }, 'defaultingType: supported values: "System", "List", got "Sometimes"');
  bad({ hardPodAffinityWeight: 1 }, 'hardPodAffinityWeight: unknown field');
  assert.throws(() => newPodTopologySpread({ args: { defaultingType: 'Nope' }, profileName: 'p' }), (e: unknown) => e instanceof ConfigError);
});

config('List defaulting: only the pods without constraints get the default constraints, with the source\'s selector', () => {
  const nodes = [makeNode('node-a').label('rack', 'r1').obj(), makeNode('node-b').label('rack', 'r2').obj()];
  const { snapshot } = clusterOf(nodes, [pod('p1', 'node-a', { app: 'web' }), pod('p2', 'node-a', { app: 'web' })]);
  const pl = plugin({ defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: 'rack', whenUnsatisfiable: 'DoNotSchedule' }] });
  pl.setDefaultSelectorSource(() => ({ matchLabels: { app: 'web' } }));
  // r1 has 2 app=web pods, r2 none: r1 2+1−0 = 3 > 1
  assert.equal(filterCodes(pl, makePod('p').label('app', 'web').info(), snapshot, ['node-a', 'node-b']), { 'node-a': 'Unschedulable', 'node-b': 'Success' });
  // A pod with its own (soft) constraints ignores the defaults entirely.
  assert.equal(filterCodes(pl, incoming([spread(1, 'rack', 'ScheduleAnyway', fooSelector)], { app: 'web' }), snapshot, ['node-a', 'node-b']), { 'node-a': 'Success', 'node-b': 'Success' });
});

config('ownerTemplateSelector: a ReplicaSet / StatefulSet controller\'s pods, without per-pod labels', () => {
  const owned = (kind: string, labels: Record<string, string>) => {
    let b = makePod('w-0');
    for (const [k, v] of Object.entries(labels)) b = b.label(k, v);
    const p = b.obj();
    return makePodInfo({ ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'w', uid: 'u', controller: true }] } });
  };
  assert.equal(ownerTemplateSelector(owned('ReplicaSet', { app: 'web', 'pod-template-hash': 'abc' })), { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } });
  assert.equal(ownerTemplateSelector(owned('StatefulSet', { app: 'db', 'statefulset.kubernetes.io/pod-name': 'w-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': 'x' })), { matchLabels: { app: 'db' } });
  assert.is(ownerTemplateSelector(owned('Job', { app: 'batch' })), undefined);
  assert.is(ownerTemplateSelector(makePod('lonely').label('app', 'x').info()), undefined);
});

config('defaultSelectorFromWorkloads: matching Services\' selectors plus the controller\'s requirements', () => {
  const svc = (name: string, selector?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, ...(selector ? { spec: { selector } } : { spec: {} }) }) as Service;
  const base = makePod('p').label('app', 'web').label('tier', 'fe').obj();
  const p = makePodInfo({ ...base, metadata: { ...base.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'u', controller: true }] } });
  const sel = defaultSelectorFromWorkloads(p, {
    services: () => [svc('web', { app: 'web' }), svc('other', { app: 'other' }), svc('none')],
    controllerSelector: (_ns, kind, name) => (kind === 'ReplicaSet' && name === 'rs1' ? { matchLabels: { tier: 'fe' } } : undefined),
  });
  assert.equal(sel, { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] });
  assert.is(defaultSelectorFromWorkloads(makePod('q').info(), { services: () => [], controllerSelector: () => undefined }), undefined);
});

config('eventsToRegister: Pod and Node events, with hints', () => {
  const pl = plugin();
  const events = pl.eventsToRegister();
  assert.equal(events.map((e) => e.event.resource), ['Pod', 'Node']);
  const p = incoming([spread(1, 'zone', 'DoNotSchedule', fooSelector)]);
  const podHint = events[0]!.hint!;
  const assigned = (labels: Record<string, string>, ns = 'default') => pod('e', 'node-a', labels, ns) as unknown as Json;
  assert.is(podHint(p, undefined, assigned({ foo: '' })), 'Queue'); // a matching pod was added
  assert.is(podHint(p, undefined, assigned({ bar: '' })), 'QueueSkip'); // not matching
  assert.is(podHint(p, undefined, assigned({ foo: '' }, 'ns1')), 'QueueSkip'); // other namespace
  assert.is(podHint(p, assigned({ foo: '' }), assigned({ bar: '' })), 'Queue'); // stopped matching
  assert.is(podHint(p, assigned({ foo: '', x: '1' }), assigned({ foo: '', x: '2' })), 'QueueSkip');
  const nodeHint = events[1]!.hint!;
  const node = (labels: Record<string, string>) => nodeWith('n', labels) as unknown as Json;
  assert.is(nodeHint(p, undefined, node({ zone: 'z1' })), 'Queue');
  assert.is(nodeHint(p, undefined, node({ other: 'x' })), 'QueueSkip');
  assert.is(nodeHint(p, node({ zone: 'z1' }), node({ zone: 'z2' })), 'Queue');
  assert.is(nodeHint(p, node({ zone: 'z1', a: '1' }), node({ zone: 'z1', a: '2' })), 'QueueSkip');
});

config.run();

// ---- property: Filter agrees with a plain scan of every pod, before and after incremental updates ----------

const property = suite('PodTopologySpread property: Filter equals a brute-force reference');

const LABEL_VALUES = ['a', 'b', 'c'];
const NAMESPACES = ['default', 'other'];

/** A tiny selector language the reference evaluates by hand. */
type Sel = { kind: 'eq'; key: string; value: string } | { kind: 'exists'; key: string } | { kind: 'notin'; key: string; value: string } | { kind: 'empty' } | { kind: 'absent' };

function toLabelSelector(s: Sel): LabelSelector | undefined {
  switch (s.kind) {
    case 'eq':
      return { matchLabels: { [s.key]: s.value } };
    case 'exists':
      return { matchExpressions: [{ key: s.key, operator: 'Exists' }] };
    case 'notin':
      return { matchExpressions: [{ key: s.key, operator: 'NotIn', values: [s.value] }] };
    case 'empty':
      return {};
    case 'absent':
      return undefined;
  }
}

function selMatches(s: Sel, labels: Record<string, string>): boolean {
  switch (s.kind) {
    case 'eq':
      return labels[s.key] === s.value;
    case 'exists':
      return s.key in labels;
    case 'notin':
      return labels[s.key] !== s.value;
    case 'empty':
      return true;
    case 'absent':
      return false;
  }
}

interface RefPod {
  name: string;
  node: string;
  namespace: string;
  labels: Record<string, string>;
}
interface RefNode {
  name: string;
  labels: Record<string, string>;
  tainted: boolean;
}
interface RefConstraint {
  maxSkew: number;
  key: string;
  sel: Sel;
  minDomains: number;
  affinityPolicy: 'Honor' | 'Ignore';
  taintsPolicy: 'Honor' | 'Ignore';
}
interface RefIncoming {
  namespace: string;
  labels: Record<string, string>;
  constraints: RefConstraint[];
  nodeSelectorZone: string | undefined;
  tolerates: boolean;
}

/** The filter, written plainly from filtering.go, scanning every pod for every node. */
function referenceFilter(p: RefIncoming, nodes: RefNode[], pods: RefPod[]): Record<string, string> {
  const out: Record<string, string> = {};
  const hasAllKeys = (n: RefNode) => p.constraints.every((c) => c.key in n.labels);
  const included = (c: RefConstraint, n: RefNode) => {
    if (c.affinityPolicy === 'Honor' && p.nodeSelectorZone !== undefined && n.labels['zone'] !== p.nodeSelectorZone) return false;
    if (c.taintsPolicy === 'Honor' && n.tainted && !p.tolerates) return false;
    return true;
  };
  for (const node of nodes) {
    let verdict = 'Success';
    for (const c of p.constraints) {
      if (!(c.key in node.labels)) {
        verdict = 'UnschedulableAndUnresolvable';
        break;
      }
      const counts = new Map<string, number>();
      for (const m of nodes) {
        if (!hasAllKeys(m) || !included(c, m)) continue;
        const v = m.labels[c.key]!;
        let n = counts.get(v) ?? 0;
        // countPodsMatchSelector: an empty selector counts nothing; same namespace only.
        if (c.sel.kind !== 'empty') for (const q of pods) if (q.node === m.name && q.namespace === p.namespace && selMatches(c.sel, q.labels)) n++;
        counts.set(v, n);
      }
      // minMatchNum: the global minimum over eligible domains, 0 while there are fewer than minDomains.
      const min = counts.size < c.minDomains ? 0 : Math.min(...counts.values());
      const matchNum = counts.get(node.labels[c.key]!) ?? 0;
      const self = selMatches(c.sel, p.labels) ? 1 : 0;
      if (matchNum + self - min > c.maxSkew) {
        verdict = 'Unschedulable';
        break;
      }
    }
    out[node.name] = verdict;
  }
  return out;
}

const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier', 'x'), fc.constantFrom(...LABEL_VALUES), { maxKeys: 3 });
const selArb: fc.Arbitrary<Sel> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('eq' as const), key: fc.constantFrom('app', 'tier'), value: fc.constantFrom(...LABEL_VALUES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('exists' as const), key: fc.constantFrom('app', 'tier', 'x') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('notin' as const), key: fc.constantFrom('app', 'tier'), value: fc.constantFrom(...LABEL_VALUES) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'absent' as const }) },
);
const constraintArb: fc.Arbitrary<RefConstraint> = fc.record({
  maxSkew: fc.integer({ min: 1, max: 3 }),
  key: fc.constantFrom('zone', HOST, 'rack'),
  sel: selArb,
  minDomains: fc.integer({ min: 1, max: 4 }),
  affinityPolicy: fc.constantFrom('Honor' as const, 'Ignore' as const),
  taintsPolicy: fc.constantFrom('Honor' as const, 'Ignore' as const),
});
const nodeArb = fc.record({ zone: fc.integer({ min: 0, max: 2 }), rack: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }), tainted: fc.boolean() });
const podArb = fc.record({ node: fc.nat(7), namespace: fc.constantFrom(...NAMESPACES), labels: labelsArb });
const opArb = fc.oneof(fc.record({ add: podArb }), fc.record({ remove: fc.nat(30) }));

const clusterArb = fc.record({
  nodes: fc.array(nodeArb, { minLength: 1, maxLength: 8 }),
  pods: fc.array(podArb, { maxLength: 20 }),
  incoming: fc.record({
    namespace: fc.constantFrom(...NAMESPACES),
    labels: labelsArb,
    constraints: fc.array(constraintArb, { minLength: 1, maxLength: 2 }),
    nodeSelectorZone: fc.option(fc.constantFrom('z0', 'z1'), { nil: undefined }),
    tolerates: fc.boolean(),
  }),
  ops: fc.array(opArb, { maxLength: 8 }),
  dryAdd: podArb,
});

function buildNode(i: number, n: { zone: number; rack: string | undefined; tainted: boolean }): { node: Node; ref: RefNode } {
  const name = `n${i}`;
  const labels: Record<string, string> = { [HOST]: name, zone: `z${n.zone}` };
  if (n.rack !== undefined) labels['rack'] = n.rack;
  let b = makeNode(name).capacity({ cpu: '4', memory: '8Gi' });
  for (const [k, v] of Object.entries(labels)) b = b.label(k, v);
  if (n.tainted) b = b.taint({ key: 'dedicated', value: 'x', effect: 'NoSchedule' });
  return { node: b.obj(), ref: { name, labels, tainted: n.tainted } };
}

function incomingPod(p: RefIncoming): PodInfo {
  let b = makePod('incoming').namespace(p.namespace);
  for (const [k, v] of Object.entries(p.labels)) b = b.label(k, v);
  const constraints = p.constraints.map((c) => {
    const sel = toLabelSelector(c.sel);
    return spread(c.maxSkew, c.key, 'DoNotSchedule', sel, { minDomains: c.minDomains, nodeAffinityPolicy: c.affinityPolicy, nodeTaintsPolicy: c.taintsPolicy });
  });
  const spec: Record<string, unknown> = { topologySpreadConstraints: constraints };
  if (p.nodeSelectorZone !== undefined) spec['nodeSelector'] = { zone: p.nodeSelectorZone };
  b = b.spec(spec);
  if (p.tolerates) b = b.toleration({ key: 'dedicated', operator: 'Exists' });
  return b.info();
}

function placedPod(name: string, ref: { node: number; namespace: string; labels: Record<string, string> }, nodeCount: number): RefPod {
  return { name, node: `n${ref.node % nodeCount}`, namespace: ref.namespace, labels: ref.labels };
}

function toPod(r: RefPod): Pod {
  return pod(r.name, r.node, r.labels, r.namespace);
}

property('random clusters (≤ 8 nodes, 3 zones, ≤ 20 pods): Filter = reference, through adds/removes and dry runs', () => {
  fc.assert(
    fc.property(clusterArb, (c) => {
      const built = c.nodes.map((n, i) => buildNode(i, n));
      const refNodes = built.map((b) => b.ref);
      const names = refNodes.map((n) => n.name);
      let refPods = c.pods.map((p, i) => placedPod(`p${i}`, p, built.length));
      const cache = new NodeCache();
      for (const b of built) cache.setNode(b.node);
      for (const r of refPods) cache.addPod(makePodInfo(toPod(r)));
      const snapshot = new Snapshot();
      snapshot.update(cache);
      const pl = plugin();
      const incomingInfo = incomingPod(c.incoming);
      const check = (): void => {
        const got = filterCodes(pl, incomingInfo, snapshot, names);
        assert.equal(got, referenceFilter(c.incoming, refNodes, refPods));
      };
      check();
      let next = 100;
      for (const op of c.ops) {
        if ('add' in op) {
          const r = placedPod(`p${next++}`, op.add, built.length);
          refPods = [...refPods, r];
          cache.addPod(makePodInfo(toPod(r)));
        } else if (refPods.length > 0) {
          const victim = refPods[op.remove % refPods.length]!;
          refPods = refPods.filter((q) => q !== victim);
          cache.removePod(`${victim.namespace}/${victim.name}`);
        }
        snapshot.update(cache);
        check();
      }
      // Preemption's dry run: remove one pod from a clone of the state; the filter then equals the reference
      // without that pod. (Skipped for empty selectors, where upstream's RemovePod counts what PreFilter did not.)
      if (refPods.length > 0 && c.incoming.constraints.every((k) => k.sel.kind !== 'empty')) {
        const state = new CycleState();
        const pre = pl.preFilter(state, incomingInfo, snapshot);
        if (pre.status.code === Code.Success) {
          const victim = refPods[0]!;
          const dry = state.clone();
          pl.removePod(dry, incomingInfo, makePodInfo(toPod(victim)), snapshot.rowOf(victim.node), snapshot);
          const without = refPods.slice(1);
          const codes = () => Object.fromEntries(names.map((n) => [n, codeNames[reasonOf(pl.filter(dry, incomingInfo, snapshot.rowOf(n))).code]]));
          assert.equal(codes(), referenceFilter(c.incoming, refNodes, without));
          // ... then add a pod (it may create a domain's first count or raise the minimum).
          const added = placedPod('dry-added', c.dryAdd, built.length);
          pl.addPod(dry, incomingInfo, makePodInfo(toPod(added)), snapshot.rowOf(added.node), snapshot);
          assert.equal(codes(), referenceFilter(c.incoming, refNodes, [...without, added]));
        }
      }
    }),
    { numRuns: 300, seed: 20261128 },
  );
});

property.run();
