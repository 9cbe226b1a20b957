// The controllers' work queue: dedupe, re-add while processing, per-key exponential backoff on the clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RateLimitingQueue } from '../../src/controllers/workqueue.js';
import { ManualClock } from '../../src/util/clock.js';

test('a key is queued once; re-added while processing, it comes back after done()', () => {
  const q = new RateLimitingQueue({ clock: new ManualClock() });
  q.add('a');
  q.add('a');
  q.add('b');
  assert.is(q.length, 2);
  assert.is(q.get(), 'a');
  q.add('a'); // while processing: marked dirty, not queued twice
  assert.is(q.length, 1);
  q.done('a');
  assert.equal([q.get(), q.get(), q.get()], ['b', 'a', undefined]);
});

test('backoff doubles per failure from 5 ms and is capped at 1000 s (ItemExponentialFailureRateLimiter)', () => {
  const q = new RateLimitingQueue({ clock: new ManualClock() });
  // 5 · 2^n: 5, 10, 20, 40, ... ; 5 · 2^18 = 1,310,720 ms > 1,000,000 → capped.
  const delays = Array.from({ length: 20 }, () => q.when('k'));
  assert.equal(delays.slice(0, 4), [5, 10, 20, 40]);
  assert.is(delays[17], 655_360);
  assert.is(delays[18], 1_000_000);
  q.forget('k');
  assert.is(q.when('k'), 5);
});

test('addAfter and addRateLimited wait on the injected clock; the earlier pending add wins', () => {
  const clock = new ManualClock();
  const q = new RateLimitingQueue({ clock });
  q.addAfter('x', 100);
  q.addAfter('x', 500); // later: ignored
  q.addRateLimited('y'); // 5 ms
  clock.advance(5);
  assert.equal([q.get(), q.get()], ['y', undefined]);
  clock.advance(95);
  assert.is(q.get(), 'x');
  clock.advance(1000);
  assert.is(q.get(), undefined, 'the later addAfter did not add it again');
});

test.run();
