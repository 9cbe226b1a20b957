import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  SelectorError,
  compileRequirements,
  compileLabelSelector,
  compileLabelSelectorString,
  compileLabelSet,
  labelKeyProblem,
  labelSelectorRequirements,
  labelValueProblem,
  parseLabelSelector,
  type LabelSelector,
  type Labels,
} from '../../src/api/index.js';

test('compileLabelSelector: absent selects nothing, {} selects everything (LabelSelectorAsSelector)', () => {
  const anyLabels: Labels = { app: 'web' };
  assert.is(compileLabelSelector(undefined)(anyLabels), false); // nil → labels.Nothing()
  assert.is(compileLabelSelector(null)({}), false);
  assert.is(compileLabelSelector({})(anyLabels), true); // empty → labels.Everything()
  assert.is(compileLabelSelector({})(undefined), true);
  assert.is(compileLabelSelector({ matchLabels: {}, matchExpressions: [] })({}), true);
  assert.equal(labelSelectorRequirements(undefined), null);
  assert.equal(labelSelectorRequirements({}), []);
});

test('compileLabelSelector: every operator, table with the reason for each expectation', () => {
  const node: Labels = { app: 'web', tier: 'frontend', empty: '' };
  const table: [string, LabelSelector, Labels | undefined, boolean][] = [
    ['matchLabels equal', { matchLabels: { app: 'web' } }, node, true],
    ['matchLabels: every pair must hold', { matchLabels: { app: 'web', tier: 'backend' } }, node, false],
    ['matchLabels: missing key', { matchLabels: { zone: 'a' } }, node, false],
    ['matchLabels "" matches only a present empty value', { matchLabels: { empty: '' } }, node, true],
    ['matchLabels "" does not match an absent key', { matchLabels: { zone: '' } }, node, false],
    ['In: value in the set', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend', 'frontend'] }] }, node, true],
    ['In: value not in the set', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, node, false],
    ['In: absent key never matches', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, node, false],
    ['NotIn: value not in the set', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, node, true],
    ['NotIn: value in the set', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend', 'frontend'] }] }, node, false],
    ['NotIn matches when the key is absent', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, node, true],
    ['NotIn on no labels at all', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, undefined, true],
    ['Exists: present, even with an empty value', { matchExpressions: [{ key: 'empty', operator: 'Exists' }] }, node, true],
    ['Exists: absent', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, node, false],
    ['DoesNotExist: absent', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, node, true],
    ['DoesNotExist: present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, node, false],
    ['an inherited property is not a label', { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, node, false],
    [
      'matchLabels and matchExpressions are ANDed',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] },
      node,
      false,
    ],
  ];
  for (const [name, selector, labels, want] of table) {
    assert.is(compileLabelSelector(selector)(labels), want, name);
  }
});

test('compileLabelSelector: validation errors name the field', () => {
  const cases: [LabelSelector, RegExp][] = [
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, /^spec\.selector\.matchExpressions\[0\]\.values: operator In needs at least one value$/],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn' }] }, /^spec\.selector\.matchExpressions\[0\]\.values: operator NotIn needs at least one value$/],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /^spec\.selector\.matchExpressions\[0\]\.values: operator Exists takes no values \(got 1\)$/],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x', 'y'] }] }, /operator DoesNotExist takes no values \(got 2\)/],
    [{ matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }] }, /matchExpressions\[0\]\.operator: "Gt" is not a label selector operator/],
    [{ matchExpressions: [{ key: 'bad key', operator: 'Exists' }] }, /matchExpressions\[0\]\.key: "bad key" is not a valid label key/],
    [{ matchLabels: { app: 'not valid!' } }, /^spec\.selector\.matchLabels\[app\]: "not valid!" is not a valid label value/],
    [{ matchLabels: { '/x': 'y' } }, /^spec\.selector\.matchLabels: "\/x" is not a valid label key: the prefix before "\/" is empty/],
  ];
  for (const [selector, message] of cases) {
    assert.throws(() => compileLabelSelector(selector, 'spec.selector'), (e: unknown) => e instanceof SelectorError && message.test(e.message), message.source);
  }
  // Several problems are reported together.
  assert.throws(
    () => compileLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['v'] }] }),
    /matchExpressions\[0\]\.values: .*; selector\.matchExpressions\[1\]\.values: /,
  );
});

test('label key and value syntax (validation.go IsQualifiedName, IsValidLabelValue)', () => {
  for (const key of ['a', 'app', 'A-b_c.d', '1234', 'example.com/tier', 'k8s.io/x', 'a'.repeat(63)]) assert.is(labelKeyProblem(key), undefined, key);
  // 64-char name; empty name; trailing '-'; uppercase prefix; empty prefix; a second '/'.
  for (const key of ['a'.repeat(64), '', 'example.com/', 'a-', 'Example.com/x', '/x', 'a/b/c', 'bad key']) assert.type(labelKeyProblem(key), 'string', key);
  // TestRequirementConstructor: a 254-character key "breaks DNS rule that len(key) <= 253".
  assert.type(labelKeyProblem('a'.repeat(254)), 'string');
  for (const v of ['', 'x', 'v1.2-rc_3', 'a'.repeat(63)]) assert.is(labelValueProblem(v), undefined, v);
  for (const v of ['a'.repeat(64), '-x', 'x-', 'a b', 'é']) assert.type(labelValueProblem(v), 'string', v);
});

test('string selectors: upstream TestSelectorMatches', () => {
  const yes: [string, Labels][] = [
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }], // in and notin are plain identifiers in key/value position
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ];
  const no: [string, Labels][] = [
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ];
  for (const [s, labels] of yes) assert.ok(compileLabelSelectorString(s)(labels), `${s} should match ${JSON.stringify(labels)}`);
  for (const [s, labels] of no) assert.not.ok(compileLabelSelectorString(s)(labels), `${s} should not match ${JSON.stringify(labels)}`);
});

test('string selectors: upstream TestRequirementSelectorMatching (Gt/Lt, empty values)', () => {
  // x notin ("") holds when x is absent, y exists with an empty value.
  assert.ok(compileLabelSelectorString('x notin (),y')({ y: '' }));
  assert.not.ok(compileLabelSelectorString('x notin (),!y')({ y: '' }));
  // x in ("") needs x present with value "".
  assert.not.ok(compileLabelSelectorString('x in ()')({ y: 'baz' }));
  assert.ok(compileLabelSelectorString('x in ()')({ x: '' }));
  // Gt compares integers: "v2" is not one, so no match; 2 > 1.
  assert.ok(compileLabelSelectorString('z>1')({ z: '2' }));
  assert.not.ok(compileLabelSelectorString('z>1')({ z: 'v2' }));
  // int64 comparison, not float: 2^63-1 > 2^63-2 though both round to the same double.
  assert.ok(compileLabelSelectorString('z>9223372036854775806')({ z: '9223372036854775807' }));
  // Beyond int64 a label value does not parse, so it does not match.
  assert.not.ok(compileLabelSelectorString('z>1')({ z: '9223372036854775808' }));
  assert.ok(compileLabelSelectorString('z<0')({ z: '-5' }));
});

test('parseLabelSelector: upstream TestSetSelectorParser good inputs give these requirements', () => {
  const table: [string, ReturnType<typeof parseLabelSelector>][] = [
    ['', []],
    ['\rx', [{ key: 'x', operator: 'Exists', values: [] }]],
    ['this-is-a-dns.domain.com/key-with-dash', [{ key: 'this-is-a-dns.domain.com/key-with-dash', operator: 'Exists', values: [] }]],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', [{ key: '0.1.2.domain/99', operator: 'NotIn', values: ['10.10.100.1', 'tick.tack.clock'] }]],
    ['foo  in\t (abc)', [{ key: 'foo', operator: 'In', values: ['abc'] }]],
    ['x in (abc,)', [{ key: 'x', operator: 'In', values: ['abc', ''] }]], // a trailing comma adds ""
    ['x in ()', [{ key: 'x', operator: 'In', values: [''] }]],
    ['x notin (, a)', [{ key: 'x', operator: 'NotIn', values: ['', 'a'] }]],
    ['x notin (abc,,def)', [{ key: 'x', operator: 'NotIn', values: ['abc', '', 'def'] }]],
    ['a in (x,y,notin, z,in)', [{ key: 'a', operator: 'In', values: ['x', 'y', 'notin', 'z', 'in'] }]],
    ['x=a,y!=b', [{ key: 'x', operator: 'In', values: ['a'] }, { key: 'y', operator: 'NotIn', values: ['b'] }]],
    ['x==a', [{ key: 'x', operator: 'In', values: ['a'] }]],
    ['x=', [{ key: 'x', operator: 'In', values: [''] }]], // TestSelectorParse: "x=" and "x= " are good
    ['x= ,z= ', [{ key: 'x', operator: 'In', values: [''] }, { key: 'z', operator: 'In', values: [''] }]],
    ['x>1,z<5', [{ key: 'x', operator: 'Gt', values: ['1'] }, { key: 'z', operator: 'Lt', values: ['5'] }]],
    ['x,y', [{ key: 'x', operator: 'Exists', values: [] }, { key: 'y', operator: 'Exists', values: [] }]],
    ['!x, y', [{ key: 'x', operator: 'DoesNotExist', values: [] }, { key: 'y', operator: 'Exists', values: [] }]],
  ];
  for (const [s, want] of table) assert.equal(parseLabelSelector(s), want, JSON.stringify(s));
});

test('parseLabelSelector: upstream bad inputs are SelectorErrors that quote the selector', () => {
  const bad = [
    'x=a||y=b', // "a||y" is one identifier, then "=" where "," was expected
    'x==a==b',
    '!x=a', // a negated key takes no operator
    'x<a', // Lt needs an integer
    'x,,y', // nothing between the commas
    ',x,y',
    'x nott in (y)',
    'a in (xyz),', // nothing after the comma
    'a in (xyz)b notin ()',
    'a in (xyz abc)', // no comma
    'a notin(',
    'a (',
    '(',
    'x=a b', // a space ends the value
    'bad key=1',
    'x=not valid!',
    'x in (a', // unclosed
  ];
  for (const s of bad) {
    assert.throws(() => parseLabelSelector(s), (e: unknown) => e instanceof SelectorError && e.message.startsWith(`label selector ${JSON.stringify(s)}: `), s);
  }
  assert.throws(() => parseLabelSelector('a in (x'), /^label selector "a in \(x": found the end at offset 7, expected ',' or '\)'$/);
});

test('compileLabelSet: pod.spec.nodeSelector / SelectorFromSet semantics (upstream TestSetMatches)', () => {
  const labels: Labels = { foo: 'bar', baz: 'blah' };
  assert.ok(compileLabelSet({})(labels)); // empty set: everything
  assert.ok(compileLabelSet(undefined)(undefined));
  assert.ok(compileLabelSet({ foo: 'bar' })(labels));
  assert.ok(compileLabelSet({ foo: 'bar', baz: 'blah' })(labels));
  assert.not.ok(compileLabelSet({ foo: 'bar', baz: 'other' })(labels));
  assert.not.ok(compileLabelSet({ foo: 'bar' })(undefined));
  assert.not.ok(compileLabelSet({ zone: '' })(labels)); // "" requires the key to be present
});

test('Gt/Lt: the double fast path agrees with exact int64 comparison for every label value', () => {
  const digits = fc.stringMatching(/^[+-]?[0-9]{1,20}$/);
  fc.assert(
    fc.property(digits, digits, fc.boolean(), (label, operand, gt) => {
      const op = BigInt(operand);
      if (op < -(1n << 63n) || op >= 1n << 63n) return; // not a valid operand: matches nothing
      const match = compileRequirements([{ key: 'k', operator: gt ? 'Gt' : 'Lt', values: [operand] }]);
      const v = BigInt(label);
      const inRange = v >= -(1n << 63n) && v < 1n << 63n;
      assert.is(match({ k: label }), inRange && (gt ? v > op : v < op), `${label} ${gt ? '>' : '<'} ${operand}`);
    }),
    { numRuns: 2000 },
  );
});

test.run();
