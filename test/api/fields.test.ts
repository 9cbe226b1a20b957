import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SelectorError, matchesFieldSelector, objectField, parseFieldSelector, type Pod } from '../../src/api/index.js';
import { makePod } from './fixtures.js';

test('parseFieldSelector: terms, operators, empty values and escapes (fields/selector.go)', () => {
  const table: [string, ReturnType<typeof parseFieldSelector>][] = [
    ['', []],
    ['metadata.name=x', [{ field: 'metadata.name', op: '=', value: 'x' }]],
    ['metadata.name==x', [{ field: 'metadata.name', op: '=', value: 'x' }]], // == reads as =
    ['status.phase!=Running', [{ field: 'status.phase', op: '!=', value: 'Running' }]],
    ['spec.nodeName=', [{ field: 'spec.nodeName', op: '=', value: '' }]],
    [
      'metadata.name=x,spec.nodeName=,status.phase!=Running',
      [
        { field: 'metadata.name', op: '=', value: 'x' },
        { field: 'spec.nodeName', op: '=', value: '' },
        { field: 'status.phase', op: '!=', value: 'Running' },
      ],
    ],
    ['a=b,,c=d,', [{ field: 'a', op: '=', value: 'b' }, { field: 'c', op: '=', value: 'd' }]], // empty terms skipped
    ['a=x\\,y', [{ field: 'a', op: '=', value: 'x,y' }]], // an escaped comma does not split
    ['a=x\\=y\\\\z', [{ field: 'a', op: '=', value: 'x=y\\z' }]],
    ['a!b=c', [{ field: 'a!b', op: '=', value: 'c' }]], // the first operator splits; a lone "!" is no operator
  ];
  for (const [s, want] of table) assert.equal(parseFieldSelector(s), want, JSON.stringify(s));
});

test('parseFieldSelector: errors quote the selector', () => {
  const bad: [string, RegExp][] = [
    ['metadata.name', /the term "metadata.name" has no operator/],
    ['=x', /the term "=x" has no field name/],
    ['a=b=c', /contains an unescaped "="/], // UnescapeValue refuses a bare "="
    ['a=!=b', /the value "!=b" contains an unescaped "="/], // "=" at offset 1 splits first
    ['a=x\\y', /"\\\\y" is not a valid escape/],
    ['a=x\\', /is not a valid escape/], // a trailing backslash
  ];
  for (const [s, message] of bad) {
    assert.throws(() => parseFieldSelector(s), (e: unknown) => e instanceof SelectorError && e.message.startsWith(`field selector ${JSON.stringify(s)}: `) && message.test(e.message), s);
  }
});

test('matchesFieldSelector with objectField on pods', () => {
  const running: Pod = { ...makePod('web-0').obj(), spec: { containers: [], nodeName: 'node-1', hostNetwork: true }, status: { phase: 'Running' } };
  const pending: Pod = { ...makePod('web-1').obj(), status: { phase: 'Pending' } };
  const table: [string, Pod, boolean][] = [
    ['metadata.name=web-0', running, true],
    ['metadata.name=web-0', pending, false],
    ['spec.nodeName=', pending, true], // no nodeName reads as "": unscheduled
    ['spec.nodeName=', running, false],
    ['spec.nodeName!=', running, true],
    ['status.phase!=Running', pending, true],
    ['status.phase!=Running', running, false],
    ['metadata.namespace=default,status.phase=Pending', pending, true], // ANDed
    ['metadata.namespace=default,status.phase=Running', pending, false],
    ['spec.hostNetwork=true', running, true], // booleans read as their JSON text
    ['spec.hostNetwork=true', pending, false],
    ['spec.containers=x', running, false], // an array is not a field value: reads as ""
    ['', pending, true],
  ];
  for (const [s, pod, want] of table) {
    assert.is(matchesFieldSelector(parseFieldSelector(s), pod, objectField), want, `${s} on ${pod.metadata.name}`);
  }
  assert.is(objectField(running, 'metadata.name'), 'web-0');
  assert.is(objectField(running, 'metadata.uid'), undefined);
  assert.is(objectField(running, 'metadata.name.length'), undefined); // strings have no fields
  assert.is(objectField(running, 'spec.containers.constructor'), undefined); // own properties only
});

test.run();
