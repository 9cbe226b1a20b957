// The discrete-event heap: a binary min-heap keyed by (time, insertion sequence) with lazy cancellation.
// Entries live in parallel arrays (times, seqs, values), as in mourner/flatqueue, so a push or pop moves
// numbers, not objects. The insertion sequence breaks ties (SIM.JS queues.js keeps an insertion counter for
// the same reason): events due at the same instant come out in the order they were scheduled, so a run with
// the same inputs pops the same order. A cancelled entry stays where it is and is skipped when it reaches the
// top, so cancelling is O(1) and never restructures the heap.
//
// Bounds invariant for the `!` below: every index read lies in [0, length), checked by the loop condition
// or the `length` test right before the read; the arrays are never shorter than `length`.

/** The key of an entry: its time, then its insertion sequence. */
function before(ta: number, sa: number, tb: number, sb: number): boolean {
  return ta < tb || (ta === tb && sa < sb);
}

export class EventHeap<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly values: (T | undefined)[] = [];
  /** Entries physically in the arrays, live or cancelled. */
  private length = 0;
  /** Sequences pushed and neither popped nor cancelled. */
  private readonly live = new Set<number>();
  private nextSeq = 0;

  /** Live entries (pushed, not popped, not cancelled). */
  get size(): number {
    return this.live.size;
  }

  /** Adds `value` due at `time`; returns its insertion sequence, the handle for `cancel`. */
  push(time: number, value: T): number {
    if (Number.isNaN(time)) throw new RangeError('EventHeap.push: time is NaN');
    const seq = this.nextSeq++;
    this.live.add(seq);
    const { times, seqs, values } = this;
    // Sift up from the new leaf: move parents down until the parent comes before the new entry.
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      const ps = seqs[parent]!;
      if (before(pt, ps, time, seq)) break;
      times[i] = pt;
      seqs[i] = ps;
      values[i] = values[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    values[i] = value;
    return seq;
  }

  /** Cancels a pending entry: true if it was pending; false if it was already popped or cancelled, or never pushed. */
  cancel(seq: number): boolean {
    return this.live.delete(seq);
  }

  /** Whether the entry is still pending. */
  has(seq: number): boolean {
    return this.live.has(seq);
  }

  /** The time of the earliest live entry, or undefined when there is none (drops cancelled entries from the top). */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.length > 0 ? this.times[0] : undefined;
  }

  /** The insertion sequence of the earliest live entry, or undefined. */
  peekSeq(): number | undefined {
    this.dropCancelledTop();
    return this.length > 0 ? this.seqs[0] : undefined;
  }

  /** Removes and returns the earliest live entry's value (by time, then insertion order), or undefined when empty. */
  pop(): T | undefined {
    this.dropCancelledTop();
    if (this.length === 0) return undefined;
    this.live.delete(this.seqs[0]!);
    return this.removeTop();
  }

  /** Live entries due at or before `time`, counted without popping (visits only entries that are that early). */
  countAtOrBefore(time: number): number {
    const { times, seqs, live, length } = this;
    let n = 0;
    const stack: number[] = length > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (times[i]! > time) continue; // the heap property: nothing below is earlier
      if (live.has(seqs[i]!)) n++;
      const l = 2 * i + 1;
      if (l < length) stack.push(l);
      if (l + 1 < length) stack.push(l + 1);
    }
    return n;
  }

  private dropCancelledTop(): void {
    while (this.length > 0 && !this.live.has(this.seqs[0]!)) this.removeTop();
  }

  /** Removes the top entry (live or not) and restores the heap property; returns its value. */
  private removeTop(): T | undefined {
    const { times, seqs, values } = this;
    const top = values[0];
    const last = --this.length;
    const t = times[last]!;
    const s = seqs[last]!;
    const v = values[last];
    values[last] = undefined; // let the value be collected
    if (last > 0) {
      // Sift the last entry down from the root: move the earlier child up until the entry comes before both.
      const half = last >> 1;
      let i = 0;
      while (i < half) {
        let c = 2 * i + 1;
        const r = c + 1;
        if (r < last && before(times[r]!, seqs[r]!, times[c]!, seqs[c]!)) c = r;
        if (before(t, s, times[c]!, seqs[c]!)) break;
        times[i] = times[c]!;
        seqs[i] = seqs[c]!;
        values[i] = values[c];
        i = c;
      }
      times[i] = t;
      seqs[i] = s;
      values[i] = v;
    }
    return top;
  }
}

/**
 * When the simulator should move to next: the earliest live entry's time, never before `nowMs` (time never
 * moves back: an entry scheduled for the past runs now), or undefined when nothing is pending.
 */
export function nextTime<T>(heap: EventHeap<T>, nowMs: number): number | undefined {
  const t = heap.peekTime();
  return t === undefined ? undefined : Math.max(t, nowMs);
}
