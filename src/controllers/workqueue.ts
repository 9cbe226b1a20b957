// A rate-limited work queue of keys on the injected clock (client-go util/workqueue): a key is queued at most
// once; a key re-added while being processed is processed again after it is done; failures back off
// exponentially per key (ItemExponentialFailureRateLimiter: 5 ms doubling to 1000 s, client-go
// DefaultControllerRateLimiter's per-item part).
import type { Clock, Timer } from '../util/clock.js';

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1000_000;

export interface WorkQueueOptions {
  readonly clock: Clock;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Called whenever a key becomes ready, so a driver can schedule processing. */
  readonly onReady?: () => void;
}

export class RateLimitingQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiting = new Map<string, { at: number; timer: Timer }>();
  private shutDown = false;

  constructor(private readonly options: WorkQueueOptions) {}

  get length(): number {
    return this.queue.length - this.head;
  }

  /** Keys scheduled for later (addAfter / addRateLimited) that are not yet queued. */
  get delayed(): number {
    return this.waiting.size;
  }

  add(key: string): void {
    if (this.shutDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.options.onReady?.();
  }

  /** Adds `key` after `delayMs`; an earlier pending add for the same key wins (delaying_queue.go). */
  addAfter(key: string, delayMs: number): void {
    if (this.shutDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.options.clock.now() + delayMs;
    const pending = this.waiting.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      pending.timer.cancel();
    }
    const timer = this.options.clock.setTimer(delayMs, () => {
      this.waiting.delete(key);
      this.add(key);
    });
    this.waiting.set(key, { at, timer });
  }

  /** The per-key backoff: base · 2^failures, capped (ItemExponentialFailureRateLimiter.When). */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const base = this.options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    const max = this.options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    return Math.min(max, base * 2 ** n);
  }

  addRateLimited(key: string): void {
    this.addAfter(key, this.when(key));
  }

  /** Clears the key's failure count (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined when none is ready. Call done(key) when finished. */
  get(): string | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutdown(): void {
    this.shutDown = true;
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
  }
}
