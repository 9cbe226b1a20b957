// withFields and without against the spread and rest syntax they stand in for, on random JSON objects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { withFields, without } from '../../src/util/objects.js';

const key = fc.oneof(fc.constantFrom('metadata', 'spec', 'status', 'kind', '__proto__', 'constructor', '0', '10', '2'), fc.string({ maxLength: 6 }));
const json = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }).map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>);

/** Own keys in order with their values, and the prototype: what "the same object" means here. */
function shape(o: object): [string[], unknown[], unknown] {
  return [Object.keys(o), Object.values(o), Object.getPrototypeOf(o)];
}

test('withFields(base, fields) equals { ...base, ...fields }: keys, order, values, prototype', () => {
  fc.assert(
    fc.property(json, json, (base, fields) => {
      assert.equal(shape(withFields(base, fields)), shape({ ...base, ...fields }));
    }),
    { numRuns: 500, seed: 3 },
  );
});

test('without(base, ...keys) equals the rest of a destructuring', () => {
  fc.assert(
    fc.property(json, fc.array(key, { maxLength: 3 }), (base, keys) => {
      const rest: Record<string, unknown> = { ...base };
      for (const k of keys) delete rest[k];
      const got = without(base, ...keys);
      assert.equal(Object.keys(got), Object.keys(base).filter((k) => !keys.includes(k)));
      assert.equal(Object.values(got), Object.keys(got).map((k) => base[k]));
      assert.is(Object.getPrototypeOf(got), Object.prototype);
    }),
    { numRuns: 500, seed: 4 },
  );
});

test('an own "__proto__" key is copied as data and never replaces the prototype', () => {
  const base = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const copy = withFields(base, { b: 2 });
  assert.is(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal(Object.keys(copy), ['__proto__', 'a', 'b']);
  assert.is((copy as { polluted?: boolean }).polluted, undefined);
  assert.is(Object.getPrototypeOf(without(base, 'a')), Object.prototype);
});

test.run();
