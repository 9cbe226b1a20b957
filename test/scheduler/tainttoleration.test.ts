// TaintToleration, table-driven after taint_toleration_test.go@cb6ff2d (reference §3.6), and the shared
// DefaultNormalizeScore helper (normalize_score.go).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Taint, Toleration } from '../../src/api/index.js';
import type { Json } from '../../src/apiserver/strategy.js';
import { Code, ConfigError, CycleState, codeNames, reasonOf } from '../../src/scheduler/framework.js';
import type { PodInfo } from '../../src/scheduler/podinfo.js';
import type { Snapshot } from '../../src/scheduler/snapshot.js';
import { defaultNormalizeScore } from '../../src/scheduler/plugins/helper.js';
import { NAME, TaintToleration, newTaintToleration, untoleratedTaintReason } from '../../src/scheduler/plugins/tainttoleration.js';
import { clusterOf, makeNode, makePod, rows } from './fixtures.js';

const plugin = newTaintToleration({ args: undefined, profileName: 'default-scheduler' }) as TaintToleration;

function nodeWithTaints(name: string, taints: Taint[]) {
  const b = makeNode(name);
  for (const t of taints) b.taint(t);
  return b.obj();
}

function podWithTolerations(name: string, tolerations: Toleration[]): PodInfo {
  const b = makePod(name);
  for (const t of tolerations) b.toleration(t);
  return b.info();
}

/** PreScore, Score and NormalizeScore over the named nodes, as the framework runs them. */
function scores(pod: PodInfo, snapshot: Snapshot, names: string[]): number[] {
  const nodes = Int32Array.from(rows(snapshot, ...names));
  const state = new CycleState();
  assert.is(plugin.preScore(state, pod, nodes, nodes.length, snapshot).code, Code.Success);
  const out = new Float64Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) out[i] = plugin.score(state, pod, nodes[i]!, snapshot);
  plugin.normalizeScore(state, pod, out, nodes, nodes.length, snapshot);
  return [...out];
}

const score = suite('TaintToleration Score (upstream TestTaintTolerationScore)');

score('every vector of reference §3.6, normalised with DefaultNormalizeScore(100, reverse)', () => {
  const pns = (key: string, value: string): Taint => ({ key, value, effect: 'PreferNoSchedule' });
  const cpuArm = pns('cpu-type', 'arm64');
  const diskSsd = pns('disk-type', 'ssd');
  const table: [string, PodInfo, [string, Taint[]][], number[]][] = [
    [
      // intolerable counts A 0, B 1 → max 1: A 100 - 100*0/1 = 100, B 100 - 100*1/1 = 0
      'node with taints tolerated by the pod, gets a higher score than those node with intolerable taints',
      podWithTolerations('pod1', [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }]),
      [['nodeA', [pns('foo', 'bar')]], ['nodeB', [pns('foo', 'blah')]]],
      [100, 0],
    ],
    [
      // counts 0 / 0 / 0 → max 0: reverse sets every score to 100
      'the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has',
      podWithTolerations('pod1', [
        { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'PreferNoSchedule' },
        { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: 'PreferNoSchedule' },
      ]),
      [['nodeA', []], ['nodeB', [cpuArm]], ['nodeC', [cpuArm, diskSsd]]],
      [100, 100, 100],
    ],
    [
      // counts 0 / 1 / 2 → max 2: 100 - 0 = 100, 100 - 100*1/2 = 50, 100 - 100*2/2 = 0
      'the more intolerable taints a node has, the lower score it gets.',
      podWithTolerations('pod1', [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }]),
      [['nodeA', []], ['nodeB', [cpuArm]], ['nodeC', [cpuArm, diskSsd]]],
      [100, 50, 0],
    ],
    [
      // NoSchedule tolerations are dropped in PreScore; the NoSchedule taint on B is not counted: 0 / 0 / 2 → 100, 100, 0
      'only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function',
      podWithTolerations('pod1', [
        { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
        { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: 'NoSchedule' },
      ]),
      [['nodeA', []], ['nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'NoSchedule' }]], ['nodeC', [cpuArm, diskSsd]]],
      [100, 100, 0],
    ],
    [
      // counts 0 / 1 → 100, 0
      'Default behaviour No taints and tolerations, lands on node with no taints',
      podWithTolerations('pod1', []),
      [['nodeA', []], ['nodeB', [cpuArm]]],
      [100, 0],
    ],
  ];
  for (const [name, pod, nodes, want] of table) {
    const { snapshot } = clusterOf(nodes.map(([n, taints]) => nodeWithTaints(n, taints)));
    assert.equal(scores(pod, snapshot, nodes.map(([n]) => n)), want, name);
  }
});

score('raw Score counts intolerable PreferNoSchedule taints; a toleration with an empty effect counts', () => {
  const { snapshot } = clusterOf([
    nodeWithTaints('n', [
      { key: 'a', value: '1', effect: 'PreferNoSchedule' },
      { key: 'b', value: '2', effect: 'PreferNoSchedule' },
      { key: 'c', value: '3', effect: 'NoSchedule' },
    ]),
  ]);
  const [row] = rows(snapshot, 'n');
  const raw = (pod: PodInfo) => {
    const state = new CycleState();
    plugin.preScore(state, pod, Int32Array.of(row!), 1, snapshot);
    return plugin.score(state, pod, row!, snapshot);
  };
  assert.is(raw(podWithTolerations('p', [])), 2, 'a and b; c is NoSchedule');
  assert.is(raw(podWithTolerations('p', [{ key: 'a', operator: 'Exists' }])), 1, 'empty effect = all effects: a tolerated');
  assert.is(raw(podWithTolerations('p', [{ key: 'a', operator: 'Exists', effect: 'NoExecute' }])), 2, 'NoExecute tolerations are dropped');
  // Without PreScore state the count is the same (only empty/PreferNoSchedule tolerations can match).
  assert.is(plugin.score(new CycleState(), podWithTolerations('p', [{ key: 'b', operator: 'Exists' }]), row!, snapshot), 1);
});

const filter = suite('TaintToleration Filter (upstream TestTaintTolerationFilter)');

filter('reason texts and codes', () => {
  const unresolvable = (text: string): [string, string] => ['UnschedulableAndUnresolvable', text];
  const ok: [string, string] = ['Success', ''];
  const table: [string, Toleration[], Taint[], [string, string]][] = [
    [
      'A pod having no tolerations can\'t be scheduled onto a node with nonempty taints',
      [],
      [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      unresolvable('node(s) had untolerated taint {dedicated: user1}'),
    ],
    [
      'A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule',
      [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      ok,
    ],
    [
      'A pod which can\'t be scheduled on a dedicated node assigned to user2 with effect NoSchedule',
      [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      unresolvable('node(s) had untolerated taint {dedicated: user1}'),
    ],
    [
      'A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node',
      [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      ok,
    ],
    [
      'A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node',
      [
        { key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      ],
      [
        { key: 'dedicated', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      ],
      ok,
    ],
    [
      'A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn\'t match, can\'t be scheduled onto the node',
      [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
      [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      unresolvable('node(s) had untolerated taint {foo: bar}'),
    ],
    [
      'The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node',
      [{ key: 'foo', operator: 'Equal', value: 'bar' }],
      [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      ok,
    ],
    [
      'The pod has a toleration that key and value don\'t match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node',
      [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      [{ key: 'dedicated', value: 'user1', effect: 'PreferNoSchedule' }],
      ok,
    ],
    [
      'The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node',
      [],
      [{ key: 'dedicated', value: 'user1', effect: 'PreferNoSchedule' }],
      ok,
    ],
    // drydock additions: NoExecute also filters; the first untolerated taint in node order is named;
    // a taint without a value prints an empty value, as fmt.Sprintf("%s", "") does.
    ['NoExecute taints filter too', [], [{ key: 'gone', value: 'soon', effect: 'NoExecute' }], unresolvable('node(s) had untolerated taint {gone: soon}')],
    [
      'the first untolerated taint is named',
      [{ key: 'a', operator: 'Exists' }],
      [
        { key: 'a', value: '1', effect: 'NoSchedule' },
        { key: 'b', value: '2', effect: 'NoSchedule' },
        { key: 'c', value: '3', effect: 'NoSchedule' },
      ],
      unresolvable('node(s) had untolerated taint {b: 2}'),
    ],
    ['a taint without a value', [], [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }')],
  ];
  for (const [name, tolerations, taints, want] of table) {
    const { snapshot } = clusterOf([nodeWithTaints('nodeA', taints)]);
    const [row] = rows(snapshot, 'nodeA');
    const r = reasonOf(plugin.filter(new CycleState(), podWithTolerations('pod1', tolerations), row!, snapshot));
    assert.equal([codeNames[r.code], r.text], want, name);
  }
});

filter('the reason of a taint is registered once and reused', () => {
  const taint: Taint = { key: 'dedicated', value: 'user9', effect: 'NoSchedule' };
  const id = untoleratedTaintReason(taint);
  assert.is(untoleratedTaintReason(taint), id, 'same Taint object');
  assert.is(untoleratedTaintReason({ ...taint }), id, 'an equal taint finds the same registered text');
  assert.is(reasonOf(id).code, Code.UnschedulableAndUnresolvable);
});

const hints = suite('TaintToleration queueing hints');

hints('events and hints: upstream TestIsSchedulableAfterNodeChange / Test_isSchedulableAfterPodChange', () => {
  assert.is(plugin.name, NAME);
  const events = plugin.eventsToRegister();
  assert.equal(events.map((e) => e.event), [
    { resource: 'Node', actions: 1 | 16 }, // Add | UpdateNodeTaint
    { resource: 'Pod', actions: 256 }, // UpdatePodToleration
  ]);
  const nodeHint = events[0]!.hint!;
  const pod = podWithTolerations('pod1', [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }]);
  const node = (...values: string[]) => nodeWithTaints('nodeA', values.map((value) => ({ key: 'dedicated', value, effect: 'NoSchedule' }))) as unknown as Json;
  assert.is(nodeHint(pod, undefined, node('user1')), 'QueueSkip', 'skip-queue-on-untoleratedtaint-node-added');
  assert.is(nodeHint(pod, undefined, node('user2')), 'Queue', 'queue-on-toleratedtaint-node-added');
  assert.is(nodeHint(pod, node('user1'), node('user1', 'user3')), 'QueueSkip', 'skip-unrelated-change');
  assert.is(nodeHint(pod, node('user1'), node('user2')), 'Queue', 'queue-on-taint-change');

  const podHint = events[1]!.hint!;
  const self = makePod('pod1').obj() as unknown as Json;
  const other = makePod('pod2').obj() as unknown as Json;
  assert.is(podHint(pod, self, self), 'Queue', 'queue-on-toleration-added (same uid)');
  assert.is(podHint(pod, other, other), 'QueueSkip', 'skip-updates-other-pod');
});

hints('the factory takes no args', () => {
  assert.throws(() => newTaintToleration({ args: { x: 1 }, profileName: 'p' }), (err: unknown) => err instanceof ConfigError && /^x: unknown field/.test((err as Error).message));
});

const normalize = suite('defaultNormalizeScore (plugins/helper/normalize_score.go)');

normalize('forward, reverse and the all-zero case', () => {
  const run = (raw: number[], reverse: boolean, count = raw.length) => {
    const a = Float64Array.from(raw);
    defaultNormalizeScore(100, reverse, a, count);
    return [...a];
  };
  // max 11: 100*2/11 = 18 (18.18 truncated), 100*11/11 = 100, 100*4/11 = 36 (36.36 truncated)
  assert.equal(run([2, 11, 4], false), [18, 100, 36]);
  // reverse: 100 - 18 = 82, 100 - 100 = 0, 100 - 36 = 64
  assert.equal(run([2, 11, 4], true), [82, 0, 64]);
  // max 0: forward leaves zeros, reverse sets every score to maxPriority
  assert.equal(run([0, 0], false), [0, 0]);
  assert.equal(run([0, 0], true), [100, 100]);
  // only the first `count` entries are scores: the tail (a reused buffer) is neither read nor written
  assert.equal(run([1, 2, 50], false, 2), [50, 100, 50]);
  assert.equal(run([0, 0, 7], true, 2), [100, 100, 7]);
});

for (const s of [score, filter, hints, normalize]) s.run();
