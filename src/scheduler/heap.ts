// A binary heap ordered by a `less` function, with ties broken by insertion sequence so that equal items
// come out first-in first-out and every run with the same inputs pops the same order (SIM.JS queues.js
// keeps an insertion counter for the same reason). Optionally keyed, like kube-scheduler's
// pkg/scheduler/backend/heap (AddOrUpdate / Get / Delete by key): the scheduling queue's activeQ and backoffQ.
//
// Bounds invariant for the `!` below: every index read lies in [0, slots.length), checked by the loop
// conditions right before the read.

export type Less<T> = (a: T, b: T) => boolean;

interface Slot<T> {
  item: T;
  /** Insertion sequence: the tie-breaker when neither item is less than the other. */
  readonly seq: number;
  index: number;
  readonly key: string | undefined;
}

export class Heap<T> {
  private readonly slots: Slot<T>[] = [];
  private readonly byKey: Map<string, Slot<T>> | undefined;
  private nextSeq = 0;

  /**
   * @param less  a strict weak order: `less(a, b)` when `a` must come out before `b`.
   * @param keyOf when given, the heap holds at most one item per key and supports get / has / delete / fix.
   */
  constructor(
    private readonly less: Less<T>,
    private readonly keyOf?: (item: T) => string,
  ) {
    this.byKey = keyOf === undefined ? undefined : new Map();
  }

  get size(): number {
    return this.slots.length;
  }

  /** The item that `pop` would return, without removing it. */
  peek(): T | undefined {
    return this.slots[0]?.item;
  }

  /**
   * Adds `item`. In a keyed heap an item with the same key is replaced in place and keeps its insertion
   * sequence (upstream AddOrUpdate), then moves to where its new ordering puts it.
   */
  push(item: T): void {
    const key = this.keyOf?.(item);
    if (key !== undefined) {
      const existing = this.byKey!.get(key);
      if (existing !== undefined) {
        existing.item = item;
        this.fixAt(existing.index);
        return;
      }
    }
    const slot: Slot<T> = { item, seq: this.nextSeq++, index: this.slots.length, key };
    this.slots.push(slot);
    if (key !== undefined) this.byKey!.set(key, slot);
    this.up(slot.index);
  }

  pop(): T | undefined {
    const top = this.slots[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top.item;
  }

  has(key: string): boolean {
    return this.keyed().has(key);
  }

  get(key: string): T | undefined {
    return this.keyed().get(key)?.item;
  }

  /** Removes the item with this key; returns it, or undefined if there was none. */
  delete(key: string): T | undefined {
    const slot = this.keyed().get(key);
    if (slot === undefined) return undefined;
    this.removeAt(slot.index);
    return slot.item;
  }

  /** Restores the order after the caller changed what `less` reads on the item with this key. */
  fix(key: string): void {
    const slot = this.keyed().get(key);
    if (slot !== undefined) this.fixAt(slot.index);
  }

  /** The items in the order `pop` would return them (a sorted copy; the heap is unchanged). */
  sorted(): T[] {
    return [...this.slots].sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0)).map((s) => s.item);
  }

  /** The items in heap-array order (cheap, deterministic, but not sorted). */
  items(): T[] {
    return this.slots.map((s) => s.item);
  }

  clear(): void {
    this.slots.length = 0;
    this.byKey?.clear();
  }

  // ---- internals ----

  private keyed(): Map<string, Slot<T>> {
    if (this.byKey === undefined) throw new Error('Heap: keyed operation on a heap built without keyOf');
    return this.byKey;
  }

  private before(a: Slot<T>, b: Slot<T>): boolean {
    if (this.less(a.item, b.item)) return true;
    if (this.less(b.item, a.item)) return false;
    return a.seq < b.seq;
  }

  private removeAt(i: number): void {
    const slots = this.slots;
    const removed = slots[i]!;
    const last = slots.pop()!;
    if (removed.key !== undefined) this.byKey!.delete(removed.key);
    if (last !== removed) {
      slots[i] = last;
      last.index = i;
      this.fixAt(i);
    }
  }

  private fixAt(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  /** Moves slot i toward the root; true if it moved. */
  private up(i: number): boolean {
    const slots = this.slots;
    const slot = slots[i]!;
    const start = i;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = slots[parentIndex]!;
      if (!this.before(slot, parent)) break;
      slots[i] = parent;
      parent.index = i;
      i = parentIndex;
    }
    slots[i] = slot;
    slot.index = i;
    return i !== start;
  }

  private down(i: number): void {
    const slots = this.slots;
    const n = slots.length;
    const slot = slots[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.before(slots[right]!, slots[left]!)) child = right;
      const c = slots[child]!;
      if (!this.before(c, slot)) break;
      slots[i] = c;
      c.index = i;
      i = child;
    }
    slots[i] = slot;
    slot.index = i;
  }
}
