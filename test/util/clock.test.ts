import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../src/util/clock.js';
import { seededRng } from '../../src/util/rng.js';

test('ManualClock fires timers in (time, creation) order and reads each timer\'s due time', () => {
  const clock = new ManualClock(1000);
  const seen: string[] = [];
  clock.setTimer(50, () => seen.push(`b@${clock.now()}`));
  clock.setTimer(10, () => {
    seen.push(`a@${clock.now()}`);
    clock.setTimer(40, () => seen.push(`c@${clock.now()}`)); // due 1010 + 40 = 1050, created after b
  });
  const cancelled = clock.setTimer(20, () => seen.push('never'));
  cancelled.cancel();
  clock.advance(100);
  assert.equal(seen, ['a@1010', 'b@1050', 'c@1050']);
  assert.is(clock.now(), 1100);
  assert.is(clock.pendingTimers, 0);
});

test('ManualClock refuses to move back', () => {
  assert.throws(() => new ManualClock().advance(-1), /never moves back/);
});

test('seededRng: same seed, same sequence; ints stay in range', () => {
  const a = seededRng(42);
  const b = seededRng(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.equal(xs, Array.from({ length: 5 }, () => b.next()));
  assert.not.equal(xs, Array.from({ length: 5 }, () => seededRng(43).next()));
  const r = seededRng(7);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(6);
    assert.ok(v >= 0 && v < 6 && Number.isInteger(v));
  }
});

test.run();
