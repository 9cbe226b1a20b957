// Leases for objects that expire (Events), shared between writes as kube-apiserver shares them
// (k8s.io/apiserver pkg/storage/etcd3/lease_manager.go): granting one etcd lease per object would cost a
// lease per event, so a lease is reused for every object written within a short window, and granted with
// that window added to the TTL so that no object expires before its own TTL. Reuse needs both:
// - valid:      now + ttl is before the lease's expiry (an object written now does not outlive it), and
// - sufficient: now + ttl + reuse is not before it (nor does it live more than `reuse` seconds too long),
// and at most maxObjectCount objects per lease. The reuse window is min(ttl × 5 %, 60 s).
import type { Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';

/** lease_manager.go defaults: defaultLeaseReuseDurationSeconds, the 5 % of the TTL, defaultLeaseMaxObjectCount. */
export const LEASE_REUSE_DURATION_SECONDS = 60;
export const LEASE_REUSE_DURATION_PERCENT = 0.05;
export const LEASE_MAX_OBJECT_COUNT = 1000;

export class LeaseManager {
  private prevId = 0;
  /** ms since the epoch; 0 before the first grant. */
  private prevExpiry = 0;
  private attached = 0;
  /** Leases granted so far (for tests and the README's figures). */
  granted = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The reuse window for a TTL, in whole seconds (getReuseDurationSecondsLocked). */
  static reuseSeconds(ttlSeconds: number): number {
    return Math.min(Math.floor(LEASE_REUSE_DURATION_PERCENT * ttlSeconds), LEASE_REUSE_DURATION_SECONDS);
  }

  private lock: Promise<unknown> = Promise.resolve();
  /** getLease calls not yet answered: while there are any, every call waits its turn. */
  private waiting = 0;

  /** A lease id under which an object written now lives at least `ttlSeconds` (GetLease; one call at a time, as upstream holds leaseMu). */
  getLease(ttlSeconds: number): Promise<number> {
    this.waiting++;
    const next = this.lock.then(() => this.getLeaseLocked(ttlSeconds)).finally(() => this.waiting--);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /**
   * getLease's answer at once when it needs no grant: the current lease can take an object written now
   * and no call is waiting before this one (so the order of calls holds). Undefined otherwise, changing
   * nothing: then ask getLease.
   */
  reuseLease(ttlSeconds: number): number | undefined {
    if (this.waiting > 0 || !this.reusable(ttlSeconds, this.attached + 1)) return undefined;
    this.attached++;
    return this.prevId;
  }

  private reusable(ttlSeconds: number, attached: number): boolean {
    const now = this.clock.now();
    const reuse = LeaseManager.reuseSeconds(ttlSeconds);
    const valid = now + ttlSeconds * 1000 < this.prevExpiry;
    // Upstream compares with After; drydock's clocks count milliseconds and a virtual clock stands still
    // between steps, so a write at the very instant of the grant must count as sufficient too (>=).
    const sufficient = now + (ttlSeconds + reuse) * 1000 >= this.prevExpiry;
    return valid && sufficient && attached <= LEASE_MAX_OBJECT_COUNT;
  }

  private async getLeaseLocked(ttlSeconds: number): Promise<number> {
    const now = this.clock.now();
    const reuse = LeaseManager.reuseSeconds(ttlSeconds);
    this.attached++;
    if (this.reusable(ttlSeconds, this.attached)) return this.prevId;
    const granted = await this.store.leaseGrant(ttlSeconds + reuse);
    this.granted++;
    this.prevId = granted.id;
    this.prevExpiry = now + (ttlSeconds + reuse) * 1000;
    this.attached = 1;
    return granted.id;
  }
}
