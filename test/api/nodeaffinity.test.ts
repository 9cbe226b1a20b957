import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  SelectorError,
  compileNodeSelector,
  compileNodeSelectorTerm,
  compilePreferredSchedulingTerms,
  compileRequiredNodeAffinity,
  matchesNode,
  type Labels,
  type Node,
  type NodeSelector,
  type NodeSelectorTerm,
} from '../../src/api/index.js';

function node(name: string, labels?: Labels): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, ...(labels === undefined ? {} : { labels }) } };
}

const LABEL_1: NodeSelectorTerm = { matchExpressions: [{ key: 'label_1', operator: 'In', values: ['label_1_val'] }] };
const HOST_1: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host_1'] }] };

test('compileNodeSelector: upstream TestNodeSelectorMatch', () => {
  const both: NodeSelector = { nodeSelectorTerms: [{ ...LABEL_1, ...HOST_1 }] };
  // "node matches field selector, but not labels": expressions and fields of one term are ANDed.
  assert.is(matchesNode(compileNodeSelector(both), node('host_1')), false);
  // "node matches field selector and label selector"
  assert.is(matchesNode(compileNodeSelector(both), node('host_1', { label_1: 'label_1_val' })), true);
  // "second term matches": terms are ORed.
  assert.is(matchesNode(compileNodeSelector({ nodeSelectorTerms: [LABEL_1, HOST_1] }), node('host_1')), true);
  assert.is(matchesNode(compileNodeSelector({ nodeSelectorTerms: [LABEL_1, HOST_1] }), node('host_2')), false);
});

test('compileNodeSelector: every operator on node labels, with the reason', () => {
  const labels: Labels = { zone: 'a', 'kernel-version': '0206', gpu: 'NVIDIA-GRID-K1', cores: '64', weird: 'v2' };
  const table: [string, NodeSelectorTerm['matchExpressions'], boolean][] = [
    ['In hit', [{ key: 'zone', operator: 'In', values: ['a', 'b'] }], true],
    ['In miss', [{ key: 'zone', operator: 'In', values: ['b'] }], false],
    ['In on an absent key', [{ key: 'region', operator: 'In', values: ['a'] }], false],
    ['NotIn hit', [{ key: 'zone', operator: 'NotIn', values: ['b'] }], true],
    ['NotIn miss', [{ key: 'zone', operator: 'NotIn', values: ['a'] }], false],
    ['NotIn on an absent key matches', [{ key: 'region', operator: 'NotIn', values: ['a'] }], true],
    ['Exists', [{ key: 'gpu', operator: 'Exists' }], true],
    ['Exists absent', [{ key: 'tpu', operator: 'Exists' }], false],
    ['DoesNotExist', [{ key: 'tpu', operator: 'DoesNotExist' }], true],
    ['DoesNotExist present', [{ key: 'gpu', operator: 'DoesNotExist' }], false],
    // upstream TestPodMatchesNodeSelectorAndAffinityTerms: "0206" > "0204" as integers (206 > 204).
    ['Gt on zero-padded integers', [{ key: 'kernel-version', operator: 'Gt', values: ['0204'] }], true],
    ['Gt equal is not greater', [{ key: 'cores', operator: 'Gt', values: ['64'] }], false],
    ['Lt', [{ key: 'cores', operator: 'Lt', values: ['100'] }], true], // 64 < 100, though "64" > "100" as strings
    ['Gt on a non-integer label value does not match', [{ key: 'weird', operator: 'Gt', values: ['1'] }], false],
    ['Lt on a non-integer label value does not match either', [{ key: 'weird', operator: 'Lt', values: ['1000'] }], false],
    ['Gt on an absent key', [{ key: 'memory', operator: 'Gt', values: ['1'] }], false],
    ['expressions are ANDed', [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'DoesNotExist' }], false],
  ];
  for (const [name, matchExpressions, want] of table) {
    const m = compileNodeSelector({ nodeSelectorTerms: [{ matchExpressions: matchExpressions ?? [] }] });
    assert.is(m(labels, 'n1'), want, name);
  }
});

test('empty terms match nothing and are skipped; no terms at all match no node', () => {
  const anyNode = node('n1', { zone: 'a' });
  assert.is(matchesNode(compileNodeSelector({ nodeSelectorTerms: [] }), anyNode), false); // "an empty []NodeSelectorTerm"
  assert.is(matchesNode(compileNodeSelector({ nodeSelectorTerms: [{}] }), anyNode), false);
  assert.is(matchesNode(compileNodeSelector({ nodeSelectorTerms: [{ matchExpressions: [], matchFields: [] }] }), anyNode), false);
  // An empty term next to a matching one does not spoil it (OR).
  assert.is(matchesNode(compileNodeSelector({ nodeSelectorTerms: [{}, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] }), anyNode), true);
  assert.is(matchesNode(compileNodeSelectorTerm({}), anyNode), false);
  assert.is(matchesNode(compileNodeSelectorTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }), anyNode), true);
});

test('matchFields: metadata.name with In/NotIn', () => {
  const notIn: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['host_1'] }] };
  assert.is(compileNodeSelectorTerm(notIn)(undefined, 'host_1'), false);
  assert.is(compileNodeSelectorTerm(notIn)(undefined, 'host_2'), true);
  // Upstream quirk: a node without a name has no fields, so matchFields is not applied.
  assert.is(compileNodeSelectorTerm(HOST_1)(undefined, ''), true);
});

test('validation: every problem is reported with its path (upstream "invalid field selector and label selector")', () => {
  const selector: NodeSelector = {
    nodeSelectorTerms: [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host_1', 'host_2'] }] },
      { ...LABEL_1, ...HOST_1 },
      { matchExpressions: [{ key: 'invalid key', operator: 'In', values: ['label_value'] }] },
    ],
  };
  assert.throws(
    () => compileNodeSelector(selector, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution'),
    (e: unknown) =>
      e instanceof SelectorError &&
      e.message.startsWith('spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values: operator In on a node field needs exactly one value (got 2); ') &&
      e.message.includes('nodeSelectorTerms[2].matchExpressions[0].key: "invalid key" is not a valid label key'),
  );
  const bad: [NodeSelectorTerm, RegExp][] = [
    [{ matchExpressions: [{ key: 'foo', operator: 'Exists', values: ['bar', 'baz'] }] }, /matchExpressions\[0\]\.values: operator Exists takes no values \(got 2\)/],
    [{ matchExpressions: [{ key: 'foo', operator: 'In' }] }, /matchExpressions\[0\]\.values: operator In needs at least one value/],
    [{ matchExpressions: [{ key: 'foo', operator: 'Gt', values: ['bar'] }] }, /values\[0\]: operator Gt needs an integer, not "bar"/],
    [{ matchExpressions: [{ key: 'foo', operator: 'Lt', values: ['1', '2'] }] }, /values: operator Lt needs exactly one value \(got 2\)/],
    [{ matchExpressions: [{ key: 'foo', operator: 'Near' as 'In', values: ['1'] }] }, /operator: "Near" is not a node selector operator/],
    [{ matchFields: [{ key: 'spec.unschedulable', operator: 'In', values: ['true'] }] }, /matchFields\[0\]\.key: "spec.unschedulable" is not a supported node field/],
    [{ matchFields: [{ key: 'metadata.name', operator: 'Exists' }] }, /matchFields\[0\]\.operator: "Exists" is not supported for node fields/],
  ];
  for (const [term, message] of bad) {
    assert.throws(() => compileNodeSelector({ nodeSelectorTerms: [term] }), (e: unknown) => e instanceof SelectorError && message.test(e.message), message.source);
  }
});

test('compileRequiredNodeAffinity: nodeSelector AND required affinity (upstream TestPodMatchesNodeSelectorAndAffinityTerms)', () => {
  const required = (terms: NodeSelectorTerm[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
  const table: [string, Parameters<typeof compileRequiredNodeAffinity>[0], Labels | undefined, boolean][] = [
    ['no selector', {}, undefined, true],
    ['missing labels', { nodeSelector: { foo: 'bar' } }, undefined, false],
    ['same labels', { nodeSelector: { foo: 'bar' } }, { foo: 'bar' }, true],
    ['node labels are superset', { nodeSelector: { foo: 'bar' } }, { foo: 'bar', baz: 'blah' }, true],
    ['node labels are subset', { nodeSelector: { foo: 'bar', baz: 'blah' } }, { foo: 'bar' }, false],
    ['In matches', { affinity: required([{ matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }] }]) }, { foo: 'bar' }, true],
    ['NotIn matches', { affinity: required([{ matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR', 'DDR2'] }] }]) }, { 'mem-type': 'DDR3' }, true],
    ['affinity does not match labels', { affinity: required([{ matchExpressions: [{ key: 'foo', operator: 'In', values: ['value1', 'value2'] }] }]) }, { foo: 'bar' }, false],
    ['an empty []NodeSelectorTerm matches no node', { affinity: required([]) }, { foo: 'bar' }, false],
    [
      'nodeSelector holds but affinity does not: both must',
      { nodeSelector: { foo: 'bar' }, affinity: required([{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]) },
      { foo: 'bar' },
      false,
    ],
    [
      'both hold',
      { nodeSelector: { foo: 'bar' }, affinity: required([{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]) },
      { foo: 'bar', zone: 'a' },
      true,
    ],
    ['affinity without a required part constrains nothing', { affinity: { nodeAffinity: {} } }, undefined, true],
  ];
  for (const [name, spec, labels, want] of table) assert.is(compileRequiredNodeAffinity(spec)(labels, 'n1'), want, name);
  assert.throws(
    () => compileRequiredNodeAffinity({ affinity: required([{ matchExpressions: [{ key: 'a', operator: 'In' }] }]) }, 'pod default/web-0: spec'),
    /^pod default\/web-0: spec\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.values: /,
  );
});

test('compilePreferredSchedulingTerms: upstream TestPreferredSchedulingTermsScore', () => {
  const score = compilePreferredSchedulingTerms([
    { weight: 5, preference: HOST_1 },
    { weight: 7, preference: { matchExpressions: [{ key: 'unknown_label', operator: 'In', values: ['unknown_label_val'] }] } },
    { weight: 11, preference: LABEL_1 },
  ]);
  // "first and third term match": 5 + 11 = 16.
  assert.is(score({ label_1: 'label_1_val' }, 'host_1'), 16);
  assert.is(score({ label_1: 'label_1_val' }, 'host_2'), 11);
  assert.is(score(undefined, 'host_2'), 0);
  // "invalid field selector but no weight, error not reported": weight-0 terms are not even compiled.
  const zero = compilePreferredSchedulingTerms([{ weight: 0, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host_1', 'host_2'] }] } }]);
  assert.is(zero(undefined, 'host_1'), 0);
  // An empty preference is skipped, not counted as a match.
  assert.is(compilePreferredSchedulingTerms([{ weight: 3, preference: {} }])({ a: 'b' }, 'n'), 0);
  assert.is(compilePreferredSchedulingTerms(undefined)({}, 'n'), 0);
  assert.throws(
    () => compilePreferredSchedulingTerms([{ weight: 1, preference: { matchExpressions: [{ key: 'invalid key', operator: 'Exists' }] } }]),
    /^preferredDuringSchedulingIgnoredDuringExecution\[0\]\.preference\.matchExpressions\[0\]\.key: /,
  );
});

test.run();
