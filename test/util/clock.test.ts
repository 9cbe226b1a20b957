import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ManualClock, type Timer } from '../../src/util/clock.js';
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

test('ManualClock.nextTimerAt: the earliest live timer, for jumping straight to it', () => {
  const clock = new ManualClock(1000);
  assert.is(clock.nextTimerAt(), undefined);
  const early = clock.setTimer(30, () => undefined); // due 1030
  clock.setTimer(500, () => undefined); // due 1500
  clock.setTimer(-5, () => undefined); // negative delay: due now, 1000
  assert.is(clock.nextTimerAt(), 1000);
  assert.is(clock.pendingTimersDueNow(), 1);
  clock.advance(0);
  assert.is(clock.nextTimerAt(), 1030);
  early.cancel();
  assert.is(clock.nextTimerAt(), 1500);
  clock.advance(clock.nextTimerAt()! - clock.now()); // jump: 1500 - 1000 = 500
  assert.is(clock.now(), 1500);
  assert.is(clock.nextTimerAt(), undefined);
  assert.is(clock.pendingTimers, 0);
});

test('ManualClock: cancelling a fired timer is a no-op; a throwing timer is consumed and time stays at its due time', () => {
  const clock = new ManualClock(0);
  let n = 0;
  const t = clock.setTimer(10, () => n++);
  clock.setTimer(20, () => {
    throw new Error('boom');
  });
  clock.setTimer(30, () => n++);
  clock.advance(15);
  t.cancel();
  assert.is(clock.pendingTimers, 2);
  assert.throws(() => clock.advance(100), /boom/);
  assert.is(clock.now(), 20); // stopped at the throwing timer's due time, not 115
  assert.is(clock.pendingTimers, 1);
  clock.advance(10);
  assert.is(n, 2);
});

/** The scan implementation ManualClock had before the event heap (kept verbatim as the model). */
class ScanClock {
  private current: number;
  private seq = 0;
  private timers: { readonly at: number; readonly seq: number; readonly fn: () => void; cancelled: boolean }[] = [];
  constructor(startMs = 0) {
    this.current = startMs;
  }
  now(): number {
    return this.current;
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    const timer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock.advance: time never moves back (asked for ${ms} ms)`);
    const target = this.current + ms;
    for (;;) {
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers) {
        if (t.cancelled || t.at > target) continue;
        if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
      }
      if (next === undefined) break;
      next.cancelled = true;
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.current = target;
  }
  pendingTimersDueNow(): number {
    let n = 0;
    for (const t of this.timers) if (!t.cancelled && t.at <= this.current) n++;
    return n;
  }
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

type ClockLike = Pick<ManualClock, 'now' | 'setTimer' | 'advance' | 'pendingTimers' | 'pendingTimersDueNow'>;
/** What a firing timer does, chosen by its id: set another timer, cancel one, advance from inside, or throw. */
type Reaction = { set?: number; cancel?: number; advance?: number; throws?: boolean };
type ClockOp = { set: number } | { cancel: number } | { advance: number } | { check: true };

/** Runs a timer program and returns what was observed: firings with now(), counts, thrown errors. */
function runProgram(clock: ClockLike, ops: readonly ClockOp[], reactions: readonly Reaction[]): string[] {
  const log: string[] = [];
  const handles: Timer[] = [];
  const set = (delay: number): void => {
    const id = handles.length;
    handles.push(
      clock.setTimer(delay, () => {
        log.push(`fire ${id}@${clock.now()}`);
        const r = reactions.length > 0 ? reactions[id % reactions.length]! : {};
        if (r.set !== undefined && handles.length < 200) set(r.set); // bounded: no endless timer chains
        if (r.cancel !== undefined) handles[r.cancel % handles.length]!.cancel();
        if (r.advance !== undefined) clock.advance(r.advance);
        if (r.throws === true) throw new Error(`timer ${id} throws`);
      }),
    );
  };
  for (const op of ops) {
    if ('set' in op) set(op.set);
    else if ('cancel' in op) {
      if (handles.length > 0) handles[op.cancel % handles.length]!.cancel();
    } else if ('advance' in op) {
      try {
        clock.advance(op.advance);
      } catch (err) {
        log.push(`threw ${(err as Error).message}`);
      }
    }
    log.push(`now ${clock.now()} pending ${clock.pendingTimers} due ${clock.pendingTimersDueNow()}`);
  }
  return log;
}

test('property: the heap-based ManualClock fires exactly what the old scan implementation fired', () => {
  const delay = fc.oneof(fc.integer({ min: -5, max: 60 }), fc.constantFrom(0, 10, 20));
  const op: fc.Arbitrary<ClockOp> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ set: delay }) },
    { weight: 1, arbitrary: fc.record({ cancel: fc.nat(500) }) },
    { weight: 2, arbitrary: fc.record({ advance: fc.integer({ min: 0, max: 40 }) }) },
    { weight: 1, arbitrary: fc.constant({ check: true as const }) },
  );
  const reaction: fc.Arbitrary<Reaction> = fc.record(
    { set: delay, cancel: fc.nat(500), advance: fc.integer({ min: 0, max: 15 }), throws: fc.boolean() },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.array(op, { maxLength: 60 }), fc.array(reaction, { maxLength: 8 }), (start, ops, reactions) => {
      // Throwing and nested advances are rarer than ordinary reactions in real code; keep most reactions plain.
      const plain = reactions.map((r, i) => (i % 3 === 0 ? r : { ...(r.set !== undefined ? { set: r.set } : {}), ...(r.cancel !== undefined ? { cancel: r.cancel } : {}) }));
      assert.equal(runProgram(new ManualClock(start), ops, plain), runProgram(new ScanClock(start), ops, plain));
    }),
    { numRuns: 400, seed: 6 },
  );
});

test.run();
