// RecentCache: an entry is found while fewer than `size` new keys followed it, and gone after 2·`size`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RecentCache } from '../../src/util/recent.js';

test('hits within the last generation and the one before, misses beyond', () => {
  const c = new RecentCache<number, string>(3);
  for (let i = 0; i < 7; i++) c.set(i, `v${i}`);
  // Generations: [0,1,2] dropped when [3,4,5] filled and 6 began a new one: 3..6 found, 0..2 not.
  assert.equal([0, 1, 2, 3, 4, 5, 6].map((k) => c.get(k)), [undefined, undefined, undefined, 'v3', 'v4', 'v5', 'v6']);
});

test('model: the newest value of a key set within the last `size` insertions is always found', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer()), { maxLength: 80 }), (size, ops) => {
      const c = new RecentCache<number, number>(size);
      ops.forEach(([k, v]) => c.set(k, v));
      // The last `size` insertions are always in the current or the previous generation.
      const recent = ops.slice(-size);
      for (const [k] of recent) {
        const newest = [...ops].reverse().find(([key]) => key === k)![1];
        assert.is(c.get(k), newest);
      }
      // After 2·size more distinct keys, every earlier key is gone.
      for (let i = 0; i < 2 * size; i++) c.set(1000 + i, i);
      for (const [k] of ops) assert.is(c.get(k), undefined);
    }),
    { numRuns: 300, seed: 5 },
  );
});

test.run();
