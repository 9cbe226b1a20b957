// Time is injected: the control plane never calls Date.now() or setTimeout itself, so the same code runs
// on the wall clock under `drydock serve` and on a virtual clock inside a simulation.

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

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in (time, creation order) during `advance`, with
 * `now()` reading each timer's own due time while it runs. Used by tests and as the base of the simulator's clock.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const timer: ManualTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (also ones they set). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock.advance: time never moves back (asked for ${ms} ms)`);
    const target = this.current + ms;
    for (;;) {
      let next: ManualTimer | undefined;
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

  /** Timers already due (at or before now) that have not fired: advance(0) runs them. */
  pendingTimersDueNow(): number {
    let n = 0;
    for (const t of this.timers) if (!t.cancelled && t.at <= this.current) n++;
    return n;
  }

  /** Timers that have not fired or been cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
