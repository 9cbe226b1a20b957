import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  countIntolerableTaintsPreferNoSchedule,
  findUntoleratedTaint,
  isDoNotScheduleTaint,
  toleratesTaint,
  tolerationsTolerateTaint,
  type Taint,
  type Toleration,
} from '../../src/api/index.js';

test('toleratesTaint: upstream TestTolerationToleratesTaint (Equal/Exists cases)', () => {
  const table: [string, Toleration, Taint, boolean][] = [
    ['same key and effect, Exists, taint without value', { key: 'foo', operator: 'Exists', effect: 'NoSchedule' }, { key: 'foo', effect: 'NoSchedule' }, true],
    ['same key and effect, Exists, taint with a value', { key: 'foo', operator: 'Exists', effect: 'NoSchedule' }, { key: 'foo', value: 'bar', effect: 'NoSchedule' }, true],
    ['empty key with Exists matches all keys', { key: '', operator: 'Exists', effect: 'NoSchedule' }, { key: 'foo', value: 'bar', effect: 'NoSchedule' }, true],
    ['same key, effect and value, Equal', { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' }, { key: 'foo', value: 'bar', effect: 'NoSchedule' }, true],
    ['different values, Equal', { key: 'foo', operator: 'Equal', value: 'value1', effect: 'NoSchedule' }, { key: 'foo', value: 'value2', effect: 'NoSchedule' }, false],
    ['different effects', { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' }, { key: 'foo', value: 'bar', effect: 'NoExecute' }, false],
  ];
  for (const [name, toleration, taint, want] of table) assert.is(toleratesTaint(toleration, taint), want, name);
});

test('toleratesTaint: defaults and edge cases, with the rule each one follows', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const table: [string, Toleration, boolean][] = [
    ['no operator means Equal: same value', { key: 'dedicated', value: 'gpu' }, true],
    ['no operator means Equal: other value', { key: 'dedicated', value: 'cpu' }, false],
    ['empty operator string also means Equal', { key: 'dedicated', operator: '', value: 'gpu' }, true],
    ['no effect matches every effect', { key: 'dedicated', operator: 'Exists' }, true],
    ['empty effect string matches every effect', { key: 'dedicated', operator: 'Exists', effect: '' }, true],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists', value: 'anything' }, true],
    ['other key', { key: 'team', operator: 'Exists' }, false],
    ['empty toleration = empty key, Equal, value "": matches only taints whose value is ""', {}, false],
    ['empty key with Equal compares values of any key (upstream does no key check)', { operator: 'Equal', value: 'gpu' }, true],
    ['{operator: Exists} tolerates everything', { operator: 'Exists' }, true],
    ['an unknown operator tolerates nothing', { key: 'dedicated', operator: 'Gt' as 'Exists', value: '1' }, false],
  ];
  for (const [name, toleration, want] of table) assert.is(toleratesTaint(toleration, taint), want, name);
  // A taint without a value equals a toleration without a value ("" on both sides).
  assert.ok(toleratesTaint({ key: 'k' }, { key: 'k', effect: 'NoExecute' }));
  assert.not.ok(toleratesTaint({ key: 'k', value: 'v' }, { key: 'k', effect: 'NoExecute' }));
});

test('tolerationsTolerateTaint: any one toleration suffices', () => {
  const taint: Taint = { key: 'dedicated', value: 'user1', effect: 'NoSchedule' };
  assert.not.ok(tolerationsTolerateTaint(undefined, taint));
  assert.not.ok(tolerationsTolerateTaint([], taint));
  assert.not.ok(tolerationsTolerateTaint([{ key: 'dedicated', value: 'user2' }], taint));
  assert.ok(tolerationsTolerateTaint([{ key: 'dedicated', value: 'user2' }, { key: 'dedicated', value: 'user1', effect: 'NoSchedule' }], taint));
});

test('findUntoleratedTaint with the TaintToleration filter (NoSchedule and NoExecute only)', () => {
  const taints: Taint[] = [
    { key: 'soft', effect: 'PreferNoSchedule' },
    { key: 'dedicated', value: 'user1', effect: 'NoSchedule' },
    { key: 'evict', effect: 'NoExecute' },
  ];
  // kube-scheduler.md §3.6: no tolerations vs dedicated=user1:NoSchedule is untolerated; the
  // PreferNoSchedule taint before it is skipped by the filter, so "dedicated" is the one reported.
  assert.equal(findUntoleratedTaint(taints, undefined, isDoNotScheduleTaint), taints[1]);
  // Tolerating "dedicated" (empty effect = all effects) leaves the NoExecute taint.
  assert.equal(findUntoleratedTaint(taints, [{ key: 'dedicated', value: 'user1' }], isDoNotScheduleTaint), taints[2]);
  assert.is(findUntoleratedTaint(taints, [{ key: 'dedicated', value: 'user1' }, { key: 'evict', operator: 'Exists' }], isDoNotScheduleTaint), undefined);
  // Without a filter every taint counts, so the PreferNoSchedule taint comes first.
  assert.equal(findUntoleratedTaint(taints, [], undefined), taints[0]);
  assert.is(findUntoleratedTaint(undefined, [], isDoNotScheduleTaint), undefined);
  assert.is(findUntoleratedTaint([{ key: 'soft', effect: 'PreferNoSchedule' }], [], isDoNotScheduleTaint), undefined);
});

test('countIntolerableTaintsPreferNoSchedule: the TaintToleration score counts only PreferNoSchedule taints', () => {
  const taints: Taint[] = [
    { key: 'a', value: '1', effect: 'PreferNoSchedule' },
    { key: 'b', value: '2', effect: 'PreferNoSchedule' },
    { key: 'c', value: '3', effect: 'NoSchedule' }, // not counted whatever the tolerations
  ];
  assert.is(countIntolerableTaintsPreferNoSchedule(taints, []), 2);
  assert.is(countIntolerableTaintsPreferNoSchedule(taints, [{ key: 'a', value: '1', effect: 'PreferNoSchedule' }]), 1);
  // A NoSchedule toleration does not tolerate a PreferNoSchedule taint (effects differ).
  assert.is(countIntolerableTaintsPreferNoSchedule(taints, [{ key: 'b', operator: 'Exists', effect: 'NoSchedule' }]), 2);
  assert.is(countIntolerableTaintsPreferNoSchedule(taints, [{ operator: 'Exists' }]), 0);
  assert.is(countIntolerableTaintsPreferNoSchedule(undefined, undefined), 0);
});

test.run();
