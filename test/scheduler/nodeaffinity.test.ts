// NodeAffinity, table-driven after node_affinity_test.go (TestNodeAffinity, TestNodeAffinityPriority,
// Test_isSchedulableAfterNodeChange); reference §2.7.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm } from '../../src/api/index.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { Code, ConfigError, CycleState, codeNames, reasonOf, type PluginHandle } from '../../src/scheduler/framework.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import {
  ERR_REASON_CONFLICT,
  ERR_REASON_ENFORCED,
  ERR_REASON_POD,
  NAME,
  NodeAffinity,
  newNodeAffinity,
  requiredNodeNames,
} from '../../src/scheduler/plugins/nodeaffinity.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

const handle = (args?: Json): PluginHandle => ({ args, profileName: 'default-scheduler' });
const plugin = (args?: unknown) => newNodeAffinity(handle(args as Json)) as NodeAffinity;

const expr = (key: string, operator: NodeSelectorRequirement['operator'], ...values: string[]): NodeSelectorRequirement =>
  values.length > 0 ? { key, operator, values } : { key, operator };
const nameIn = (name: string): NodeSelectorRequirement => ({ key: 'metadata.name', operator: 'In', values: [name] });
const required = (...terms: NodeSelectorTerm[]) => ({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } });
const podWith = (spec: Record<string, unknown>): PodInfo => makePod('p').spec(spec).info();
const podRequiring = (...terms: NodeSelectorTerm[]) => podWith({ affinity: { nodeAffinity: required(...terms) } });

function nodeWith(name: string, labels: Record<string, string> = {}) {
  const b = makeNode(name);
  for (const [k, v] of Object.entries(labels)) b.label(k, v);
  return b.obj();
}

// ---- Filter ---------------------------------------------------------------------------------------------

interface FilterCase {
  name: string;
  pod: PodInfo;
  labels?: Record<string, string>;
  nodeName?: string;
  args?: unknown;
  runPreFilter?: boolean;
  /** [code name, ...reasons] of PreFilter's status; default Success. */
  wantPreFilterStatus?: string[];
  wantPreFilterNodeNames?: string[];
  /** [code name, reason text] of Filter; default Success. */
  wantFilter?: [string, string];
}

const filter = suite('NodeAffinity PreFilter and Filter (upstream TestNodeAffinity)');

const unresolvable = (text: string): [string, string] => ['UnschedulableAndUnresolvable', text];

filter('every upstream case, plus Gt/Lt', () => {
  const cases: FilterCase[] = [
    { name: 'missing labels', pod: podWith({ nodeSelector: { foo: 'bar' } }), wantFilter: unresolvable(ERR_REASON_POD) },
    { name: 'same labels', pod: podWith({ nodeSelector: { foo: 'bar' } }), labels: { foo: 'bar' } },
    { name: 'node labels are superset', pod: podWith({ nodeSelector: { foo: 'bar' } }), labels: { foo: 'bar', baz: 'blah' } },
    { name: 'node labels are subset', pod: podWith({ nodeSelector: { foo: 'bar', baz: 'blah' } }), labels: { foo: 'bar' }, wantFilter: unresolvable(ERR_REASON_POD) },
    { name: 'Pod with matchExpressions using In operator that matches the existing node', pod: podRequiring({ matchExpressions: [expr('foo', 'In', 'bar', 'value2')] }), labels: { foo: 'bar' } },
    // Gt/Lt compare int64s: 0206 > 0204 (leading zeros parse as decimal)
    { name: 'Pod with matchExpressions using Gt operator that matches the existing node', pod: podRequiring({ matchExpressions: [expr('kernel-version', 'Gt', '0204')] }), labels: { 'kernel-version': '0206' } },
    { name: 'Gt: 0204 is not greater than 0204 (drydock)', pod: podRequiring({ matchExpressions: [expr('kernel-version', 'Gt', '0204')] }), labels: { 'kernel-version': '0204' }, wantFilter: unresolvable(ERR_REASON_POD) },
    { name: 'Lt: 3 < 10 matches (drydock)', pod: podRequiring({ matchExpressions: [expr('gen', 'Lt', '10')] }), labels: { gen: '3' } },
    { name: 'Lt: a non-integer label never matches (drydock)', pod: podRequiring({ matchExpressions: [expr('gen', 'Lt', '10')] }), labels: { gen: 'three' }, wantFilter: unresolvable(ERR_REASON_POD) },
    { name: 'Lt: a missing label never matches (drydock)', pod: podRequiring({ matchExpressions: [expr('gen', 'Lt', '10')] }), wantFilter: unresolvable(ERR_REASON_POD) },
    { name: 'Pod with matchExpressions using NotIn operator that matches the existing node', pod: podRequiring({ matchExpressions: [expr('mem-type', 'NotIn', 'DDR', 'DDR2')] }), labels: { 'mem-type': 'DDR3' } },
    { name: 'Pod with matchExpressions using Exists operator that matches the existing node', pod: podRequiring({ matchExpressions: [expr('GPU', 'Exists')] }), labels: { GPU: 'NVIDIA-GRID-K1' } },
    { name: 'Pod with affinity that don\'t match node\'s labels won\'t schedule onto the node', pod: podRequiring({ matchExpressions: [expr('foo', 'In', 'value1', 'value2')] }), labels: { foo: 'bar' }, wantFilter: unresolvable(ERR_REASON_POD) },
    { name: 'Pod with empty MatchExpressions is not a valid value will match no objects and won\'t schedule onto the node', pod: podRequiring({ matchExpressions: [] }), labels: { foo: 'bar' }, wantFilter: unresolvable(ERR_REASON_POD) },
    { name: 'Pod with no Affinity will schedule onto a node', pod: podWith({}), labels: { foo: 'bar' }, wantPreFilterStatus: ['Skip'] },
    { name: 'Pod with Affinity but nil NodeSelector will schedule onto a node', pod: podWith({ affinity: { nodeAffinity: {} } }), labels: { foo: 'bar' }, wantPreFilterStatus: ['Skip'] },
    { name: 'Pod with multiple matchExpressions ANDed that matches the existing node', pod: podRequiring({ matchExpressions: [expr('GPU', 'Exists'), expr('GPU', 'NotIn', 'AMD', 'INTER')] }), labels: { GPU: 'NVIDIA-GRID-K1' } },
    { name: 'Pod with multiple matchExpressions ANDed that doesn\'t match the existing node', pod: podRequiring({ matchExpressions: [expr('GPU', 'Exists'), expr('GPU', 'In', 'AMD', 'INTER')] }), labels: { GPU: 'NVIDIA-GRID-K1' }, wantFilter: unresolvable(ERR_REASON_POD) },
    {
      name: 'Pod with multiple NodeSelectorTerms ORed in affinity, matches the node\'s labels and will schedule onto the node',
      pod: podRequiring({ matchExpressions: [expr('foo', 'In', 'bar', 'value2')] }, { matchExpressions: [expr('diffkey', 'In', 'wrong', 'value2')] }),
      labels: { foo: 'bar' },
    },
    {
      name: 'Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, will schedule onto the node',
      pod: podWith({ nodeSelector: { foo: 'bar' }, affinity: { nodeAffinity: required({ matchExpressions: [expr('foo', 'Exists')] }) } }),
      labels: { foo: 'bar' },
    },
    {
      name: 'Pod with an Affinity matches node\'s labels but the PodSpec.NodeSelector(the old thing that we are deprecating) is not satisfied, won\'t schedule onto the node',
      pod: podWith({ nodeSelector: { foo: 'bar' }, affinity: { nodeAffinity: required({ matchExpressions: [expr('foo', 'Exists')] }) } }),
      labels: { foo: 'barrrrrr' },
      wantFilter: unresolvable(ERR_REASON_POD),
    },
    {
      // Upstream: PreFilter succeeds, the lazily parsed selector drops the invalid term and Filter fails with
      // ErrReasonPod. drydock rejects the whole selector in PreFilter with the same code and reason (so every
      // node fails the same way), and Filter without PreFilter state gives the same answer.
      name: 'Pod with an invalid value in Affinity term won\'t be scheduled onto the node',
      pod: podRequiring({ matchExpressions: [expr('foo', 'NotIn', 'invalid value: ___@#$%^')] }),
      labels: { foo: 'bar' },
      wantPreFilterStatus: ['UnschedulableAndUnresolvable', ERR_REASON_POD],
      wantFilter: unresolvable(ERR_REASON_POD),
    },
    { name: 'Pod with matchFields using In operator that matches the existing node', pod: podRequiring({ matchFields: [nameIn('node1')] }), nodeName: 'node1', wantPreFilterNodeNames: ['node1'] },
    {
      name: 'Pod with matchFields using In operator that does not match the existing node',
      pod: podRequiring({ matchFields: [nameIn('node1')] }),
      nodeName: 'node2',
      wantPreFilterNodeNames: ['node1'],
      wantFilter: unresolvable(ERR_REASON_POD),
    },
    {
      // term 1 names {node1} ∩ {node2} = no node; term 2 has no name requirement, so no PreFilterResult,
      // and node2 passes through term 2's labels.
      name: 'Pod with two terms: matchFields does not match, but matchExpressions matches',
      pod: podRequiring({ matchFields: [nameIn('node1'), nameIn('node2')] }, { matchExpressions: [expr('foo', 'In', 'bar')] }),
      nodeName: 'node2',
      labels: { foo: 'bar' },
    },
    {
      name: 'Pod with one term: matchFields does not match, but matchExpressions matches',
      pod: podRequiring({ matchFields: [nameIn('node1')], matchExpressions: [expr('foo', 'In', 'bar')] }),
      nodeName: 'node2',
      labels: { foo: 'bar' },
      wantPreFilterNodeNames: ['node1'],
      wantFilter: unresolvable(ERR_REASON_POD),
    },
    {
      name: 'Pod with one term: both matchFields and matchExpressions match',
      pod: podRequiring({ matchFields: [nameIn('node1')], matchExpressions: [expr('foo', 'In', 'bar')] }),
      nodeName: 'node1',
      labels: { foo: 'bar' },
      wantPreFilterNodeNames: ['node1'],
    },
    {
      name: 'Pod with two terms: both matchFields and matchExpressions do not match',
      pod: podRequiring({ matchFields: [nameIn('node1')] }, { matchExpressions: [expr('foo', 'In', 'not-match-to-bar')] }),
      nodeName: 'node2',
      labels: { foo: 'bar' },
      wantFilter: unresolvable(ERR_REASON_POD),
    },
    {
      // terms ORed: {node1} ∪ {node2}
      name: 'Pod with two terms of node.Name affinity',
      pod: podRequiring({ matchFields: [nameIn('node1')] }, { matchFields: [nameIn('node2')] }),
      nodeName: 'node2',
      wantPreFilterNodeNames: ['node1', 'node2'],
    },
    {
      // requirements ANDed: {node1} ∩ {node2} = ∅
      name: 'Pod with two conflicting mach field requirements',
      pod: podRequiring({ matchFields: [nameIn('node1'), nameIn('node2')] }),
      nodeName: 'node2',
      labels: { foo: 'bar' },
      wantPreFilterStatus: ['UnschedulableAndUnresolvable', ERR_REASON_CONFLICT],
      wantFilter: unresolvable(ERR_REASON_POD),
    },
    {
      name: 'Matches added affinity and Pod\'s node affinity',
      pod: podRequiring({ matchExpressions: [expr('zone', 'In', 'foo')] }),
      nodeName: 'node2',
      labels: { zone: 'foo' },
      args: { addedAffinity: required({ matchFields: [nameIn('node2')] }) },
    },
    {
      name: 'Matches added affinity but not Pod\'s node affinity',
      pod: podRequiring({ matchExpressions: [expr('zone', 'In', 'bar')] }),
      nodeName: 'node2',
      labels: { zone: 'foo' },
      args: { addedAffinity: required({ matchFields: [nameIn('node2')] }) },
      wantFilter: unresolvable(ERR_REASON_POD),
    },
    {
      name: 'Doesn\'t match added affinity',
      pod: podWith({}),
      nodeName: 'node2',
      labels: { zone: 'foo' },
      args: { addedAffinity: required({ matchExpressions: [expr('zone', 'In', 'bar')] }) },
      wantFilter: unresolvable(ERR_REASON_ENFORCED),
    },
    { name: 'Matches node selector correctly even if PreFilter is not called', pod: podWith({ nodeSelector: { foo: 'bar' } }), labels: { foo: 'bar', baz: 'blah' }, runPreFilter: false },
    {
      name: 'Matches node affinity correctly even if PreFilter is not called',
      pod: podRequiring({ matchExpressions: [expr('GPU', 'Exists'), expr('GPU', 'NotIn', 'AMD', 'INTER')] }),
      labels: { GPU: 'NVIDIA-GRID-K1' },
      runPreFilter: false,
    },
    // drydock: `nodeSelector: {}` is present (Go: non-nil map), so PreFilter does not skip; it matches every node.
    { name: 'an empty but present nodeSelector does not skip', pod: podWith({ nodeSelector: {} }) },
  ];
  for (const c of cases) {
    const p = plugin(c.args);
    const { snapshot } = clusterOf([nodeWith(c.nodeName ?? 'node', c.labels)]);
    const [row] = rows(snapshot, c.nodeName ?? 'node');
    const state = new CycleState();
    if (c.runPreFilter !== false) {
      const { status, result } = p.preFilter(state, c.pod, snapshot);
      assert.equal([codeNames[status.code], ...status.reasons], c.wantPreFilterStatus ?? ['Success'], `${c.name}: PreFilter status`);
      assert.equal(result?.nodeNames === undefined ? undefined : [...result.nodeNames].sort(), c.wantPreFilterNodeNames, `${c.name}: PreFilterResult`);
      if (status.code === Code.Skip) continue;
    }
    const r = reasonOf(p.filter(state, c.pod, row!, snapshot));
    assert.equal([codeNames[r.code], r.text], c.wantFilter ?? ['Success', ''], `${c.name}: Filter`);
  }
});

filter('Filter\'s per-node answers are shared by pods of one template and follow relabelled, removed and reused rows', () => {
  const { cache, snapshot } = clusterOf([nodeWith('a', { zone: 'z1' }), nodeWith('b', { zone: 'z2' })]);
  const p = plugin();
  const batch = (pod: PodInfo, names: string[]): string[] => {
    const state = new CycleState();
    p.preFilter(state, pod, snapshot);
    const rs = Int32Array.from(names.map((n) => snapshot.rowOf(n)));
    const out = new Int32Array(rs.length);
    p.filterNodes(state, pod, rs, rs.length, snapshot, out);
    // filterNodes answers what filter answers, node by node.
    names.forEach((n, i) => assert.is(out[i], p.filter(state, pod, snapshot.rowOf(n), snapshot), n));
    return [...out].map((id) => reasonOf(id).text);
  };
  const inZ2 = () => podRequiring({ matchExpressions: [expr('zone', 'In', 'z2')] });
  const POD = "node(s) didn't match Pod's node affinity/selector";
  assert.equal(batch(inZ2(), ['a', 'b']), [POD, '']);
  assert.equal(batch(inZ2(), ['a', 'b']), [POD, ''], 'a second pod of the template: the same answers');
  // a moves to z2: its answer is asked again.
  cache.setNode(nodeWith('a', { zone: 'z2' }));
  snapshot.update(cache);
  assert.equal(batch(inZ2(), ['a', 'b']), ['', '']);
  // b goes, c (no labels) comes, possibly into b's row: c is judged as itself, by labels and by name.
  cache.removeNode('b');
  cache.setNode(nodeWith('c'));
  snapshot.update(cache);
  assert.equal(batch(inZ2(), ['a', 'c']), ['', POD]);
  const named = (name: string) => podRequiring({ matchFields: [nameIn(name)] });
  assert.equal(batch(named('c'), ['a', 'c']), [POD, '']);
});

filter('requiredNodeNames: intersection within a term, union across terms, undefined when a term names no node', () => {
  const sel = (...terms: NodeSelectorTerm[]) => ({ nodeSelectorTerms: terms });
  const sorted = (s: Set<string> | undefined) => (s === undefined ? undefined : [...s].sort());
  assert.equal(sorted(requiredNodeNames(sel({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }, nameIn('b')] }))), ['b']);
  assert.equal(sorted(requiredNodeNames(sel({ matchFields: [nameIn('a')] }, { matchFields: [nameIn('b')] }))), ['a', 'b']);
  assert.is(requiredNodeNames(sel({ matchFields: [nameIn('a')] }, { matchExpressions: [expr('x', 'Exists')] })), undefined);
  // NotIn is not a node-name shortcut
  assert.is(requiredNodeNames(sel({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['a'] }] })), undefined);
});

// ---- Score ----------------------------------------------------------------------------------------------

const score = suite('NodeAffinity Score (upstream TestNodeAffinityPriority)');

const label1 = { foo: 'bar' };
const label2 = { key: 'value' };
const label3 = { az: 'az1' };
const label4 = { abc: 'az11', def: 'az22' };
const label5 = { foo: 'bar', key: 'value', az: 'az1' };
const prefer = (weight: number, ...matchExpressions: NodeSelectorRequirement[]): PreferredSchedulingTerm => ({ weight, preference: { matchExpressions } });
const affinity1 = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(2, expr('foo', 'In', 'bar'))] } };
const affinity2 = {
  nodeAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      prefer(2, expr('foo', 'In', 'bar')),
      prefer(4, expr('key', 'In', 'value')),
      prefer(5, expr('foo', 'In', 'bar'), expr('key', 'In', 'value'), expr('az', 'In', 'az1')),
    ],
  },
};

/** PreScore (unless skipped), Score, NormalizeScore over the nodes, in order; a skipped plugin scores 0. */
function scoreNodes(p: NodeAffinity, pod: PodInfo, nodes: [string, Record<string, string>][], runPreScore = true): { preScore: string; scores: number[] } {
  const { snapshot } = clusterOf(nodes.map(([n, labels]) => nodeWith(n, labels)));
  const rowList = Int32Array.from(rows(snapshot, ...nodes.map(([n]) => n)));
  const state = new CycleState();
  let preScore = 'Success';
  if (runPreScore) {
    const st = p.preScore(state, pod, rowList, rowList.length, snapshot);
    preScore = codeNames[st.code];
    if (st.code !== Code.Success) return { preScore, scores: [] };
  }
  const out = new Float64Array(rowList.length);
  for (let i = 0; i < rowList.length; i++) out[i] = p.score(state, pod, rowList[i]!, snapshot);
  p.normalizeScore(state, pod, out, rowList, rowList.length, snapshot);
  return { preScore, scores: [...out] };
}

score('all upstream vectors', () => {
  const table: [string, NodeAffinity, PodInfo, [string, Record<string, string>][], { preScore: string; scores: number[] }, boolean?][] = [
    // No PreScore: every raw score is 0 and max 0 leaves them at 0.
    ['all nodes are same priority as NodeAffinity is nil', plugin(), podWith({}), [['node1', label1], ['node2', label2], ['node3', label3]], { preScore: 'Success', scores: [0, 0, 0] }, false],
    ['Skip is returned in PreScore when NodeAffinity is nil', plugin(), podWith({}), [['node1', label1]], { preScore: 'Skip', scores: [] }],
    ['no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes\' priority is zero', plugin(), podWith({ affinity: affinity1 }), [['node1', label4], ['node2', label2], ['node3', label3]], { preScore: 'Success', scores: [0, 0, 0] }],
    // raw 2 / 0 / 0 → 100*2/2 = 100, 0, 0
    ['only node1 matches the preferred scheduling requirements of pod', plugin(), podWith({ affinity: affinity1 }), [['node1', label1], ['node2', label2], ['node3', label3]], { preScore: 'Success', scores: [100, 0, 0] }],
    // raw node1 2, node5 2+4+5 = 11, node2 4 → 100*2/11 = 18, 100, 100*4/11 = 36
    ['all nodes matches the preferred scheduling requirements of pod but with different priorities ', plugin(), podWith({ affinity: affinity2 }), [['node1', label1], ['node5', label5], ['node2', label2]], { preScore: 'Success', scores: [18, 100, 36] }],
    // args.addedAffinity = affinity1: raw 2 / 0 → 100, 0
    ['added affinity', plugin({ addedAffinity: affinity1.nodeAffinity }), podWith({}), [['node1', label1], ['node2', label2]], { preScore: 'Success', scores: [100, 0] }],
    // pod foo=bar w2 + added key=value w3: raw 2 / 3 / 5 → 100*2/5 = 40, 100*3/5 = 60, 100
    [
      'added affinity and pod has default affinity',
      plugin({ addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(3, expr('key', 'In', 'value'))] } }),
      podWith({ affinity: affinity1 }),
      [['node1', label1], ['node2', label2], ['node3', label5]],
      { preScore: 'Success', scores: [40, 60, 100] },
    ],
    ['calculate the priorities correctly even if PreScore is not called', plugin(), podWith({ affinity: affinity2 }), [['node1', label1], ['node5', label5], ['node2', label2]], { preScore: 'Success', scores: [18, 100, 36] }, false],
    // drydock: weights 2 and 5 on two nodes → 100*2/5 = 40 and 100*5/5 = 100
    [
      'preferred weights 2 and 5 normalise to 40 and 100',
      plugin(),
      podWith({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(2, expr('foo', 'In', 'bar')), prefer(5, expr('key', 'In', 'value'))] } } }),
      [['node1', label1], ['node2', label2]],
      { preScore: 'Success', scores: [40, 100] },
    ],
    // drydock: Gt in a preferred term: gen 5 > 3 gets the weight, gen 2 does not → raw 7 / 0 → 100, 0
    [
      'a Gt preferred term',
      plugin(),
      podWith({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(7, expr('gen', 'Gt', '3'))] } } }),
      [['new', { gen: '5' }], ['old', { gen: '2' }]],
      { preScore: 'Success', scores: [100, 0] },
    ],
  ];
  for (const [name, p, pod, nodes, want, runPreScore] of table) assert.equal(scoreNodes(p, pod, nodes, runPreScore ?? true), want, name);
});

score('PreScore returns Error when an incoming Pod has a broken affinity', () => {
  const pod = podWith({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(2, expr('invalid key', 'In', 'bar'))] } } });
  const { snapshot } = clusterOf([nodeWith('node1', label1)]);
  const st = plugin().preScore(new CycleState(), pod, Int32Array.of(0), 1, snapshot);
  assert.is(st.code, Code.Error);
  // Upstream: `[0].matchExpressions[0].key: Invalid value: "invalid key": name part must consist of ...`
  assert.match(st.reasons[0] ?? '', /^spec\.affinity\.nodeAffinity\.preferredDuringSchedulingIgnoredDuringExecution\[0\]\.preference\.matchExpressions\[0\]\.key/);
});

// ---- hints and args -------------------------------------------------------------------------------------

const hints = suite('NodeAffinity queueing hints and args');

hints('upstream Test_isSchedulableAfterNodeChange', () => {
  const pod = podRequiring({ matchExpressions: [expr('foo', 'In', 'bar')] });
  const node = (labels: Record<string, string> = {}) => nodeWith('n', labels) as unknown as Json;
  const enforced = plugin({ addedAffinity: required({ matchExpressions: [expr('foo', 'In', 'bar')] }) });
  const p = plugin();
  assert.is(p.name, NAME);
  assert.equal(p.eventsToRegister().map((e) => e.event), [{ resource: 'Node', actions: 1 | 8 }], 'Add | UpdateNodeLabel');
  const hint = p.eventsToRegister()[0]!.hint!;
  assert.is(hint(pod, undefined, node()), 'QueueSkip', 'skip-queue-on-add');
  assert.is(hint(pod, undefined, node({ foo: 'bar' })), 'Queue', 'queue-on-add');
  assert.is(hint(pod, node(), node()), 'QueueSkip', 'skip-unrelated-changes');
  assert.is(hint(pod, node(), node({ k: 'v' })), 'QueueSkip', 'skip-unrelated-changes-on-labels');
  assert.is(hint(pod, node({ foo: 'bar' }), node({ k: 'v' })), 'QueueSkip', 'skip-labels-changes-on-node-from-suitable-to-unsuitable');
  assert.is(hint(pod, node(), node({ foo: 'bar' })), 'Queue', 'queue-on-labels-change-makes-pod-schedulable');
  assert.is(enforced.isSchedulableAfterNodeChange(pod, undefined, node()), 'QueueSkip', 'skip-queue-on-add-scheduler-enforced-node-affinity');
  assert.is(enforced.isSchedulableAfterNodeChange(pod, undefined, node({ foo: 'bar' })), 'Queue', 'queue-on-add-scheduler-enforced-node-affinity');
});

hints('bad args fail at start-up with the field path first', () => {
  const message = (args: unknown): string => {
    try {
      plugin(args);
    } catch (err) {
      assert.instance(err, ConfigError);
      return (err as Error).message;
    }
    return 'no error';
  };
  assert.match(message({ addedAffinity: required({ matchExpressions: [expr('foo', 'Between' as NodeSelectorRequirement['operator'], 'a')] }) }), /^addedAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator: /);
  assert.match(message({ addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(1, expr('bad key!', 'Exists'))] } }), /^addedAffinity\.preferredDuringSchedulingIgnoredDuringExecution\[0\]\.preference\.matchExpressions\[0\]\.key: /);
  assert.match(message({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } }), /^addedAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms: must be a list/);
  assert.match(message({ addedAffinty: {} }), /^addedAffinty: unknown field/);
  assert.match(message({ addedAffinity: { preferred: [] } }), /^addedAffinity\.preferred: unknown field/);
  assert.is(message({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'NodeAffinityArgs' }), 'no error');
});

for (const s of [filter, score, hints]) s.run();
