// Time is injected: the control plane never calls Date.now() or setTimeout itself, so the same code runs
// on the wall clock under `drydock serve` and on a virtual clock inside a simulation.
import { EventHeap } from '../sim/heap.js';

/** A pending timer; cancelling one that already fired is a no-op. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (virtual clocks start wherever they are told to). */
  now(): number;
  /** Calls `fn` once, `delayMs` from now (0 or less: at the next opportunity, never synchronously). */
  setTimer(delayMs: number, fn: () => void): Timer;
}

/** The wall clock, for `drydock serve` and the CLI. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * A clock that moves only when told to. Timers fire in (time, creation order) during `advance`, with
 * `now()` reading each timer's own due time while it runs. Used by tests and as the base of the simulator's clock.
 * The timers sit in the discrete-event heap (src/sim/heap.ts), so scheduling and firing one is O(log n) and
 * `nextTimerAt` lets the simulator jump straight to the next due time instead of stepping.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new EventHeap<() => void>();

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const seq = this.timers.push(this.current + Math.max(0, delayMs), fn);
    // Cancelling a timer that already fired (or was cancelled) is a no-op: the heap no longer holds seq as live.
    return { cancel: () => { this.timers.cancel(seq); } };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (also ones they set). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock.advance: time never moves back (asked for ${ms} ms)`);
    const target = this.current + ms;
    for (;;) {
      const at = this.timers.peekTime();
      if (at === undefined || at > target) break;
      // Popped before it runs: a timer that throws is gone, as it was with the scan implementation.
      const fn = this.timers.pop()!;
      this.current = Math.max(this.current, at);
      fn();
    }
    this.current = target;
  }

  /** The due time of the earliest timer that has not fired or been cancelled, or undefined when none is pending. */
  nextTimerAt(): number | undefined {
    return this.timers.peekTime();
  }

  /** Timers already due (at or before now) that have not fired: advance(0) runs them. */
  pendingTimersDueNow(): number {
    return this.timers.countAtOrBefore(this.current);
  }

  /** Timers that have not fired or been cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }
}
