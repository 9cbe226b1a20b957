// The metadata the API server makes from its clock and RNG: timestamps and uids.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { formatTime, newUid } from '../../src/apiserver/meta.js';
import { seededRng } from '../../src/util/rng.js';

test('newUid: a version-4 UUID drawn from the RNG digit by digit, in reading order', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
      // The same draws by hand: 8, 4, "4" + 3, variant + 3, 12 hex digits.
      const rng = seededRng(seed);
      const hex = (n: number) => Array.from({ length: n }, () => rng.int(16).toString(16)).join('');
      const a = hex(8);
      const b = hex(4);
      const c = hex(3);
      const variant = '89ab'[rng.int(4)];
      const want = `${a}-${b}-4${c}-${variant}${hex(3)}-${hex(12)}`;
      const got = newUid(seededRng(seed));
      assert.is(got, want);
      assert.match(got, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('formatTime: whole seconds in UTC, the same text for every instant of one second', () => {
  assert.is(formatTime(Date.UTC(2026, 10, 28, 6, 45, 24, 0)), '2026-11-28T06:45:24Z');
  assert.is(formatTime(Date.UTC(2026, 10, 28, 6, 45, 24, 999)), '2026-11-28T06:45:24Z');
  assert.is(formatTime(Date.UTC(2026, 10, 28, 6, 45, 25, 0)), '2026-11-28T06:45:25Z');
  // Going back a second after a later one is read (clocks of different components) still gives that second.
  assert.is(formatTime(Date.UTC(2026, 10, 28, 6, 45, 24, 500)), '2026-11-28T06:45:24Z');
  assert.is(formatTime(0), '1970-01-01T00:00:00Z');
});

test.run();
